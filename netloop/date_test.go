package netloop

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// The clock's goroutine runs while responses read the Date field and
// returns after a tick without one; a response after that starts it
// again, with the field refreshed. Responses that come and go while it
// decides to return never leave the field without a goroutine to
// refresh it.
func TestClockRunsWhileUsed(t *testing.T) {
	c := newClock()
	c.every = time.Millisecond
	defer c.stop()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range 2000 {
				c.date()
				if r.IntN(50) == 0 {
					time.Sleep(time.Duration(r.IntN(3000)) * time.Microsecond)
				}
			}
		})
	}
	wg.Wait()

	stale := []byte("Date: stale\r\n")
	c.line.Store(&stale)
	deadline := time.Now().Add(5 * time.Second)
	for string(c.date()) == string(stale) {
		if time.Now().After(deadline) {
			t.Fatalf("the Date field was not refreshed while used (running %v, used %v)", c.running.Load(), c.used.Load())
		}
		time.Sleep(time.Millisecond)
	}

	deadline = time.Now().Add(5 * time.Second)
	for c.running.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the clock's goroutine still runs when the field is no longer read")
		}
		time.Sleep(time.Millisecond)
	}
	c.line.Store(&stale)
	if string(c.date()) == string(stale) {
		t.Fatal("the first response after an idle tick read the old field")
	}
}

// After stop no goroutine starts, and each response refreshes the field
// itself.
func TestClockStopped(t *testing.T) {
	c := newClock()
	c.date()
	c.stop()
	if c.running.Load() {
		t.Fatal("the clock runs after stop")
	}
	stale := []byte("Date: stale\r\n")
	c.line.Store(&stale)
	for range 3 {
		if string(c.date()) == string(stale) {
			t.Fatal("a response after stop read the old field")
		}
		if c.running.Load() {
			t.Fatal("a response after stop started the clock")
		}
		c.line.Store(&stale)
	}
}

// A response that reads the field just after the clock's goroutine found
// a tick without one keeps the goroutine going: it saw the goroutine
// running and started none itself.
func TestClockIdleRace(t *testing.T) {
	c := &clock{every: time.Second, quit: make(chan struct{})}
	c.refresh(time.Now())
	c.running.Store(true) // the goroutine has just cleared used
	c.date()              // a response comes in between
	if !c.goOnIdle() {
		t.Fatal("the goroutine would return though a response read the field after its last look")
	}
	if !c.running.Load() {
		t.Fatal("not running after going on")
	}
	c.used.Store(false) // a tick without a response, and none after
	if c.goOnIdle() || c.running.Load() {
		t.Fatal("the goroutine would go on without a response")
	}
}
