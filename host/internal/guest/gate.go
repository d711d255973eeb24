package guest

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wasmweb/wasmweb/internal/monotime"
)

// Gate keeps one route of a plugin from taking the plugin's whole
// pool: a route may hold at most share instances at once (calls waiting
// for an instance count too), and a route whose call was stopped at its
// deadline is penalised for a while: one call at a time, and the others
// are refused at once instead of queueing behind a call that may run to
// its deadline again. Routes of a plugin that serves only one route have
// no gate: there is no one to be fair to.
//
// The common path is two atomic loads and a compare-and-swap to enter
// and an add and a load to leave; a call that finds the route at its
// share waits in a FIFO for a slot, at most wait. Safe for concurrent
// use.
type Gate struct {
	share   int32         // the most calls of the route at once
	wait    time.Duration // how long a call waits for a slot
	penalty time.Duration // how long a deadline kill limits the route
	refused prometheus.Counter

	held    atomic.Int32 // calls admitted and not yet left
	until   atomic.Int64 // when the penalty ends, a monotonic time (package monotime); 0: none
	waiting atomic.Int32 // calls queued in waiters, or about to be; read without mu

	mu      sync.Mutex
	waiters []chan struct{} // mu guards waiters: calls waiting for a slot, oldest first
}

// penaltyMin is the shortest penalty; it is twice the call timeout when
// that is longer, so that a route kept to one call that runs to its
// deadline each time stays penalised.
const penaltyMin = 30 * time.Second

// gateWait is how long a call waits for a slot when calls have no
// deadline (the pool waits as long for an instance).
const gateWait = 30 * time.Second

// NewGate returns the gate of a route that may hold share instances at
// once, whose calls have the deadline timeout (0: none); refused counts
// the calls it turns away.
func NewGate(share int, timeout time.Duration, refused prometheus.Counter) *Gate {
	g := &Gate{share: int32(share), wait: timeout, penalty: max(penaltyMin, 2*timeout), refused: refused}
	if g.wait <= 0 {
		g.wait = gateWait
	}
	return g
}

// Enter admits a call of the route, waiting for a slot while the route
// holds its share, until stop is closed or the wait has passed. It
// reports false, and counts the refusal, when the call must be refused.
// A nil gate admits every call. Every admitted call must Leave.
func (g *Gate) Enter(stop <-chan struct{}) bool {
	if g == nil {
		return true
	}
	ok := false
	switch {
	case g.penalised():
		ok = g.tryEnter(1)
	case g.tryEnter(g.share):
		ok = true
	default:
		ok = g.enterSlow(stop)
	}
	if !ok {
		g.refused.Inc()
	}
	return ok
}

func (g *Gate) tryEnter(limit int32) bool {
	for {
		n := g.held.Load()
		if n >= limit {
			return false
		}
		if g.held.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

func (g *Gate) enterSlow(stop <-chan struct{}) bool {
	g.mu.Lock()
	// waiting goes up before the last try, and leave reads it after it
	// frees a slot: either the try sees the slot or leave sees the waiter.
	g.waiting.Add(1)
	ok, done := false, true
	switch {
	case g.penalised():
		ok = g.tryEnter(1) // penalised meanwhile: no queue
	case g.tryEnter(g.share):
		ok = true
	default:
		done = false
	}
	if done {
		g.waiting.Add(-1)
		g.mu.Unlock()
		return ok
	}
	ch := make(chan struct{})
	g.waiters = append(g.waiters, ch)
	g.mu.Unlock()
	t := time.NewTimer(g.wait)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
	case <-stop:
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for i, c := range g.waiters {
		if c == ch {
			g.waiters = append(g.waiters[:i], g.waiters[i+1:]...)
			g.waiting.Add(-1)
			return false
		}
	}
	return true // handed a slot as the wait ended: the caller leaves it
}

// Leave gives the call's slot to the oldest waiting call, or back.
func (g *Gate) Leave() {
	if g == nil {
		return
	}
	g.held.Add(-1)
	if g.waiting.Load() == 0 {
		return
	}
	g.mu.Lock()
	limit := g.share
	if g.penalised() {
		limit = 1
	}
	for len(g.waiters) > 0 && g.tryEnter(limit) {
		ch := g.waiters[0]
		g.waiters[0] = nil
		g.waiters = g.waiters[1:]
		g.waiting.Add(-1)
		close(ch)
	}
	g.mu.Unlock()
}

// Killed records that a call of the route was stopped at its deadline,
// at now, which must carry a monotonic reading (the call's end, from
// Instance.Ran). It reports whether that began a penalty, for the log.
func (g *Gate) Killed(now time.Time) bool {
	if g == nil {
		return false
	}
	old := g.until.Swap(monotime.Of(now) + int64(g.penalty))
	return old == 0 || old <= monotime.Of(now)
}

// Penalty returns how long a deadline kill limits the route.
func (g *Gate) Penalty() time.Duration { return g.penalty }

func (g *Gate) penalised() bool {
	u := g.until.Load()
	if u == 0 {
		return false
	}
	if monotime.Now() < u {
		return true
	}
	g.until.CompareAndSwap(u, 0)
	return false
}
