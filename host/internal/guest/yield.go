package guest

import (
	"context"
	"runtime"
	"time"

	"github.com/wasmweb/wasmweb/internal/monotime"
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

// startSlice starts the instance's first slice at t, when a call (or
// the initialization, or wasmweb_handlers) starts.
// The goroutine of the call alone reads and writes the slice.
func (in *Instance) startSlice(t time.Time) {
	in.resumed = monotime.Of(t)
	in.slice = in.resumed + int64(max(firstSlice, yieldSlice)-yieldSlice)
	in.yielded = 0
}

// startCall starts a call of wasmweb_handle at t: its first slice, and
// its site's compute share (the plugin's, nil when it has none), which
// an initialization does not take part in.
func (in *Instance) startCall(t time.Time) {
	in.startSlice(t)
	in.share = in.pool.compute
}

// endCall gives back the compute turn the call took, if any, when it
// ends: returned, trapped or stopped at its deadline.
func (in *Instance) endCall() {
	in.releaseTurn()
	in.share = nil
}

// releaseTurn gives back the running call's compute turn, if it holds
// one: when it ends, and when it is about to wait outside the guest
// (CallContext), so that a call waiting on a fetch does not keep its
// site's other calls from computing.
func (in *Instance) releaseTurn() {
	if in.turn {
		in.turn = false
		in.share.Release()
	}
}

// Yielded returns how long the instance's last call spent with the core
// given up, waiting for it back: wall time that was other work's, not
// the call's. Only the goroutine that made the call may ask.
func (in *Instance) Yielded() time.Duration { return time.Duration(in.yielded) }

// Ran returns how long the instance's last Handle ran, less what it
// Yielded (the wall time that was the call's own), and when it ended,
// so that the caller need not read the clock again. Only the goroutine
// that made the call may ask.
func (in *Instance) Ran() (time.Duration, time.Time) { return in.ran, in.ended }

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
	before := monotime.Now()
	if before-in.slice < int64(yieldSlice) {
		return
	}
	if in.share != nil {
		in.yieldShare(before)
	} else {
		runtime.Gosched()
	}
	in.slice = monotime.Now()
	in.resumed = in.slice
	in.yielded += in.slice - before
	if c := in.pool.m.Yields; c != nil {
		c.Inc()
	}
}

// idleGap: a Gosched that gives the core back sooner found nothing else
// that wanted it (one with nothing to run takes well under a
// microsecond; another site's request, several).
const idleGap = 2 * time.Microsecond

// yieldShare is yieldCall's giving up of the core for a call whose site
// has a compute share (quota.Compute), at monotonic time now. The call
// takes one of its site's turns if it holds none, waiting blocked for
// one; then it charges the slice it ran and, if that put its site past
// its share, keeps giving the core up until the site is back within it
// or until nothing else wants the core. A halt (the deadline, an
// unload) ends both waits: the guest's next check stops the call.
func (in *Instance) yieldShare(now int64) {
	sh := in.share
	ran := time.Duration(now - in.resumed)
	if !in.turn {
		if !sh.Acquire(in.halted) {
			return
		}
		in.turn = true
	}
	owe := sh.Spend(monotime.Now(), ran)
	for {
		t := monotime.Now()
		runtime.Gosched()
		after := monotime.Now()
		switch {
		case owe <= 0 || in.killed.Load():
			return
		case after-t < int64(idleGap):
			sh.Forgive(after)
			return
		}
		owe = sh.Owed(after)
	}
}
