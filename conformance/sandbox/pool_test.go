package sandbox_test

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host/config"
)

// TestPoolNeverExceedsInstances hammers a plugin limited to one instance
// with trapping requests from three clients. Each trap discards the
// instance and one replacement must take its place, so with a pool that
// honours Limits.Instances every instance created is either discarded by
// a trap or still live: creations = traps + live. An instance created
// beyond the cap ends up discarded unused (the idle queue is full when it
// is returned), which shows as creations > traps + live.
func TestPoolNeverExceedsInstances(t *testing.T) {
	const (
		clients  = 3
		requests = 300 // per client
	)
	sb := start(t, hostileSpec("pool", "pool.test", config.Limits{Instances: 1, WarmInstances: 1}))
	baseG := runtime.NumGoroutine()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range requests {
				if r := sb.get("pool.test", "/unreachable"); r.status != 500 {
					t.Errorf("unreachable: %d, want 500", r.status)
				}
			}
		})
	}
	wg.Wait()
	settleGoroutines(baseG, 5*time.Second) // background replacements
	m := sb.metrics()
	created := m.sum("wasmweb_instance_creations_total", "plugin", "unreachable")
	traps := m.sum("wasmweb_guest_traps_total", "plugin", "unreachable")
	live := m.sum("wasmweb_pool_instances", "plugin", "unreachable")
	if traps != clients*requests {
		t.Errorf("%v traps counted, want %d", traps, clients*requests)
	}
	if created != traps+live {
		t.Errorf("Instances=1: %v instances created for %v traps and %v live: %v were created beyond the cap and discarded unused",
			created, traps, live, created-traps-live)
	}
}
