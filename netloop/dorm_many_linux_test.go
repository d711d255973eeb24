//go:build linux && (amd64 || arm64)

package netloop_test

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/netloop"
)

// More sleeping connections hang up at once than the dorm takes from
// its set in one call (256): every owner is still told, so the events
// left in the set after a full batch are read before the dorm waits in
// Go's poller, which reports the set only when it becomes ready again.
func TestDormMoreThanABatchAtOnce(t *testing.T) {
	_, p, addr := startParker(t, "netpoll")
	const n = 700
	base := netloop.Sleeping()
	conns, pks := sleepMany(t, p, addr, n)
	var told atomic.Int64
	for _, pk := range pks {
		pk.OnHangup(func() { told.Add(1) })
	}
	for _, c := range conns {
		c.Close()
	}
	waitFor(t, "every owner to be told", 20*time.Second, func() bool { return told.Load() == n })
	waitFor(t, "the dorm to forget them", 5*time.Second, func() bool { return netloop.Sleeping() == base })
	if got := told.Load(); got != n {
		t.Errorf("%d owners told, want %d", got, n)
	}
}
