package sandbox_test

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host/config"
)

// TestGrowMemoryReturned grows six instances to the default 64 MiB
// memory limit at once and has them write all of it (fill.wasm then
// traps, so each is discarded). Once they are gone, the process's resident memory
// must come back near where it was: a discarded instance's memory is
// returned to the system at once, not kept by the Go heap.
func TestGrowMemoryReturned(t *testing.T) {
	const (
		instances = 6
		slack     = 64 << 20
	)
	spec := wasiSpec("fill", "fill.test", "fill")
	spec.Limits = config.Limits{Instances: instances, WarmInstances: 1, CallTimeout: config.Duration(time.Minute)}
	sb := start(t, spec)
	sb.expectHello("fill.test", "/hello")
	base, peak := rssStart()
	var wg sync.WaitGroup
	for range instances {
		wg.Go(func() {
			if r, _ := sb.memGetWithin("fill.test", "/fill", time.Minute); r.status != 500 {
				t.Errorf("fill: %d, want 500", r.status)
			}
		})
	}
	wg.Wait()
	grown := peak()
	settleGoroutines(runtime.NumGoroutine(), 5*time.Second)
	runtime.GC()
	after := procStatus("VmRSS")
	t.Logf("resident memory: %d MiB before, %d MiB at most while %d instances filled 64 MiB, %d MiB after they were discarded",
		base>>20, grown>>20, instances, after>>20)
	if after > base+slack {
		t.Errorf("resident memory stayed at %d MiB after the grown instances were discarded, from %d MiB before (allowed %d MiB more)",
			after>>20, base>>20, slack>>20)
	}
}
