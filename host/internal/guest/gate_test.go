package guest

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkRouteGate measures what a call of a gated route pays: enter
// and leave with the route below its share.
func BenchmarkRouteGate(b *testing.B) {
	g := NewGate(4, time.Second, prometheus.NewCounter(prometheus.CounterOpts{Name: "x"}))
	stop := make(chan struct{})
	b.ReportAllocs()
	for b.Loop() {
		if !g.Enter(stop) {
			b.Fatal("refused")
		}
		g.Leave()
	}
}

// TestRouteGateHammer enters and leaves a gate from many goroutines at
// once, with and without a penalty: no more calls may be inside than the
// limit at any time, every call gets in (the wait is long), and the gate
// ends empty.
func TestRouteGateHammer(t *testing.T) {
	for _, tc := range []struct {
		name     string
		penalise bool
		limit    int32
	}{{"share", false, 3}, {"penalised", true, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGate(3, time.Minute, prometheus.NewCounter(prometheus.CounterOpts{Name: "x"}))
			if tc.penalise {
				g.Killed(time.Now())
			}
			stop := make(chan struct{})
			var inside, most, refused atomic.Int32
			var wg sync.WaitGroup
			for range 16 {
				wg.Go(func() {
					for range 500 {
						if !g.Enter(stop) {
							refused.Add(1)
							continue
						}
						n := inside.Add(1)
						for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
						}
						runtime.Gosched()
						inside.Add(-1)
						g.Leave()
					}
				})
			}
			wg.Wait()
			if m := most.Load(); m > tc.limit {
				t.Errorf("%d calls inside at once, limit %d", m, tc.limit)
			}
			if !tc.penalise && refused.Load() != 0 {
				t.Errorf("%d calls refused below a minute's wait", refused.Load())
			}
			if tc.penalise && refused.Load() == 0 {
				t.Error("a penalised gate refused no call out of 8,000 from 16 goroutines")
			}
			if g.held.Load() != 0 || g.waiting.Load() != 0 || len(g.waiters) != 0 {
				t.Errorf("gate not empty: held %d, waiting %d, %d queued", g.held.Load(), g.waiting.Load(), len(g.waiters))
			}
		})
	}
}

// TestRouteGateWaitEnds: a call that finds the route at its share is
// refused when its wait passes or the plugin is unloaded, and leaves no
// trace in the queue; a call queued behind a running one gets its slot
// when that one leaves.
func TestRouteGateWaitEnds(t *testing.T) {
	g := NewGate(1, time.Minute, prometheus.NewCounter(prometheus.CounterOpts{Name: "x"}))
	stop := make(chan struct{})
	if !g.Enter(stop) {
		t.Fatal("an empty gate refused a call")
	}
	g.wait = time.Millisecond
	if g.Enter(stop) {
		t.Fatal("a call past the share was admitted")
	}
	g.wait = time.Minute
	unloaded := make(chan struct{})
	close(unloaded)
	if g.Enter(unloaded) {
		t.Fatal("a call was admitted after the plugin was unloaded")
	}
	if g.waiting.Load() != 0 || len(g.waiters) != 0 {
		t.Fatalf("refused calls left in the queue: %d", len(g.waiters))
	}
	admitted := make(chan bool)
	go func() { admitted <- g.Enter(stop) }()
	for g.waiting.Load() == 0 {
		runtime.Gosched()
	}
	g.Leave()
	if !<-admitted {
		t.Fatal("the queued call was refused when the running one left")
	}
	g.Leave()
	if g.held.Load() != 0 {
		t.Fatalf("held %d after every call left", g.held.Load())
	}
}
