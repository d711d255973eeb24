package guest

import (
	"context"
	"runtime"
	"time"
)

// yieldSlice is how long a guest call runs before it gives the core up
// to the other goroutines that wait for it (runtime.Gosched): requests of
// other sites, network pollers, other calls. Go cannot preempt compiled
// guest code; left to itself it preempts a call only at a return to Go
// after some 10 ms of running (sysmon), and with one core every other
// request waits that long. A shorter slice shares the core more finely
// and costs a Gosched more often: one is a few hundred nanoseconds when
// nothing else waits. RATIONALE.md ("Why does a long guest call give the
// core up every 100 µs?") has the measurements.
var yieldSlice = 100 * time.Microsecond // a variable for the benchmarks that compare slices

// firstSlice is how long a call runs before it first gives the core up.
// Longer than the others, so that a call of middling length (a
// millisecond of a Go plugin's work) finishes in one go rather than
// taking turns with every long call that waits: each turn puts it back
// behind all of them. A short request never yields either way.
const firstSlice = time.Millisecond

// epoch is what the slices' monotonic times are counted from.
var epoch = time.Now()

// startSlice starts the instance's first slice at t, when a call (or
// the initialization, or wasmweb_handlers) starts.
// The goroutine of the call alone reads and writes the slice.
func (in *Instance) startSlice(t time.Time) {
	in.slice = int64(t.Sub(epoch)) + int64(max(firstSlice, yieldSlice)-yieldSlice)
	in.yielded = 0
}

// Yielded returns how long the instance's last call spent with the core
// given up, waiting for it back: wall time that was other work's, not
// the call's. Only the goroutine that made the call may ask.
func (in *Instance) Yielded() time.Duration { return time.Duration(in.yielded) }

// yieldCall is the function of the host module instrumented modules
// import (interrupt.ImportYield), which their checks call every
// interrupt.Interval checks: it gives the core up when the running call
// has run for firstSlice since it started, or for a slice since it last
// gave it up. It is cheap otherwise: a context lookup and a clock read.
func yieldCall(ctx context.Context) {
	in := FromContext(ctx)
	if in == nil {
		return
	}
	if int64(time.Since(epoch))-in.slice < int64(yieldSlice) {
		return
	}
	before := int64(time.Since(epoch))
	runtime.Gosched()
	in.slice = int64(time.Since(epoch))
	in.yielded += in.slice - before
	if c := in.pool.m.Yields; c != nil {
		c.Inc()
	}
}
