package quota

import (
	"math"
	"runtime"
	"sync"
	"time"
)

// Compute is a site's share of the cores for its long guest calls: the
// calls that run past their first slice and give the core up at each
// yield (package guest, yield.go). It has two parts.
//
// Turns: at most Turns of the site's calls compute past their first
// slice at once; the others wait at their next yield, blocked (not
// runnable), until a turn frees. A call takes a turn at a yield and
// gives it back when it ends or waits outside the guest (a fetch, a
// sleep), so calls that wait hold none, unlike a concurrency limit.
//
// Credit: the site's calls may compute, while other work waits for the
// core, no more than its cpu budget per second of wall time. Credit is
// nanoseconds of computing that fills at the budget's rate (Rate cores)
// up to a slice's worth, and each slice a call computes spends what it
// took; a call whose yield finds the credit below zero keeps the core
// given up until the credit is back to zero, unless nothing else wants
// the core (Forgive). Without it the run queue's turns are fair by
// count, not by time: a call's turn is its 100 µs slice and another
// site's is one request of a few microseconds.
//
// Safe for concurrent use.
type Compute struct {
	rate  float64 // cores: the budget's guest time per second of wall time
	turns int

	mu      sync.Mutex
	held    int             // turns taken; mu guards
	waiters []chan struct{} // calls waiting for a turn, oldest first; mu guards
	credit  int64           // nanoseconds of computing left; may be negative; mu guards
	at      int64           // monotonic nanoseconds credit was filled at; mu guards
}

// creditCap bounds the credit a site banks while its calls are idle:
// one first slice of a call (package guest), so that a site idle for a
// while does not then hold the core for longer than that.
const creditCap = int64(time.Millisecond)

// NewCompute returns the compute share of a site with cpu budget
// perSec, on procs cores (GOMAXPROCS); nil when the budget does not
// limit it: none, or a whole core's worth for each of procs.
func NewCompute(perSec time.Duration, procs int) *Compute {
	procs = max(1, procs)
	if perSec <= 0 || perSec >= time.Duration(procs)*time.Second {
		return nil
	}
	rate := float64(perSec) / float64(time.Second)
	return &Compute{rate: rate, turns: min(procs, max(1, int(math.Ceil(rate)))), credit: creditCap}
}

// Compute returns the site's compute share; nil when it has none.
func (s *Site) Compute() *Compute { return s.compute }

// Turns returns how many of the site's calls may compute past their
// first slice at once.
func (c *Compute) Turns() int { return c.turns }

// Held returns the turns taken.
func (c *Compute) Held() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.held
}

// Waiting returns the calls waiting for a turn.
func (c *Compute) Waiting() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters)
}

// Acquire takes a turn, waiting for one until stop is closed (the call
// was halted: its deadline, or an unload). It reports whether it took
// one; every turn taken must be given back with Release.
func (c *Compute) Acquire(stop <-chan struct{}) bool {
	c.mu.Lock()
	if len(c.waiters) == 0 && c.held < c.turns {
		c.held++
		c.mu.Unlock()
		return true
	}
	ch := make(chan struct{})
	c.waiters = append(c.waiters, ch)
	c.mu.Unlock()
	select {
	case <-ch:
		return true
	case <-stop:
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, w := range c.waiters {
		if w == ch {
			c.waiters = append(c.waiters[:i], c.waiters[i+1:]...)
			return false
		}
	}
	// Handed a turn as stop closed: give it on.
	c.releaseLocked()
	return false
}

// Release gives back a turn Acquire took, to the oldest waiting call.
func (c *Compute) Release() {
	c.mu.Lock()
	c.releaseLocked()
	c.mu.Unlock()
}

func (c *Compute) releaseLocked() {
	if len(c.waiters) > 0 {
		// The turn passes on: held stays.
		ch := c.waiters[0]
		c.waiters[0] = nil
		c.waiters = c.waiters[1:]
		close(ch)
		return
	}
	if c.held <= 0 {
		panic("quota: Compute.Release without a turn")
	}
	c.held--
}

// fillLocked adds what the credit earned since it was last filled.
func (c *Compute) fillLocked(now int64) {
	if c.at != 0 && now > c.at {
		c.credit = min(creditCap, c.credit+int64(float64(now-c.at)*c.rate))
	}
	if now > c.at {
		c.at = now
	}
}

// Spend charges ran of computing at monotonic time now (nanoseconds on
// any fixed origin) and returns how long the site's calls must keep the
// core given up, while other work waits, to be back within its share; 0
// when within it.
func (c *Compute) Spend(now int64, ran time.Duration) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fillLocked(now)
	// A call that ran for minutes owes a slice's worth of turns, not
	// minutes: the cpu budget's debt is what throttles it.
	c.credit = max(c.credit-int64(ran), -creditCap*int64(c.turns))
	return c.owedLocked()
}

// Owed returns how long, from monotonic time now, until the credit is
// back to zero; 0 when it is.
func (c *Compute) Owed(now int64) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fillLocked(now)
	return c.owedLocked()
}

func (c *Compute) owedLocked() time.Duration {
	if c.credit >= 0 {
		return 0
	}
	return time.Duration(math.Ceil(float64(-c.credit) / c.rate))
}

// Forgive clears what the site owes at now: its call found nothing else
// wanting the core, and computing on an idle core takes from no one.
func (c *Compute) Forgive(now int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fillLocked(now)
	c.credit = max(c.credit, 0)
}

// procs is the cores the sites' shares are counted in.
func procs() int { return runtime.GOMAXPROCS(0) }
