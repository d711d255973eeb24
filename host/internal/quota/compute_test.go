package quota

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestNewCompute: a site gets a compute share only when its cpu budget
// is less than every core's worth, with as many turns as the budget's
// cores rounded up, at most the cores.
func TestNewCompute(t *testing.T) {
	for _, tc := range []struct {
		perSec time.Duration
		procs  int
		turns  int // 0: no share
	}{
		{0, 1, 0},
		{time.Second, 1, 0},
		{2 * time.Second, 1, 0},
		{250 * time.Millisecond, 1, 1},
		{250 * time.Millisecond, 0, 1},
		{1500 * time.Millisecond, 4, 2},
		{1500 * time.Millisecond, 2, 2},
		{time.Millisecond, 8, 1},
	} {
		c := NewCompute(tc.perSec, tc.procs)
		switch {
		case tc.turns == 0 && c != nil:
			t.Errorf("NewCompute(%v, %d) = %d turns, want none", tc.perSec, tc.procs, c.Turns())
		case tc.turns != 0 && (c == nil || c.Turns() != tc.turns):
			t.Errorf("NewCompute(%v, %d) = %v, want %d turns", tc.perSec, tc.procs, c, tc.turns)
		}
	}
	if s := NewSite("a", Limits{CPU: 100 * time.Millisecond}, Counters{}, nil); s.Compute() == nil {
		t.Error("a site with a 100ms budget has no compute share")
	}
	if s := NewSite("b", Limits{}, Counters{}, nil); s.Compute() != nil {
		t.Error("a site without a cpu budget has a compute share")
	}
}

// TestComputeTurns: a call past the turns waits until one is released,
// and the turn passes to it without being free in between.
func TestComputeTurns(t *testing.T) {
	c := NewCompute(250*time.Millisecond, 1)
	if !c.Acquire(nil) {
		t.Fatal("Acquire refused a free turn")
	}
	got := make(chan bool)
	go func() { got <- c.Acquire(nil) }()
	waitFor(t, "a waiting call", func() bool { return c.Waiting() == 1 })
	select {
	case <-got:
		t.Fatal("a second call took the only turn while the first held it")
	default:
	}
	c.Release()
	if !<-got {
		t.Fatal("the waiting call did not get the released turn")
	}
	if h, w := c.Held(), c.Waiting(); h != 1 || w != 0 {
		t.Fatalf("held %d, waiting %d after the hand-over, want 1 and 0", h, w)
	}
	c.Release()
	if h := c.Held(); h != 0 {
		t.Fatalf("held %d after both released, want 0", h)
	}
	defer func() {
		if recover() == nil {
			t.Error("a Release without a turn did not panic")
		}
	}()
	c.Release()
}

// TestComputeStop: a call waiting for a turn returns without one when
// its stop closes (its deadline), and leaves nothing behind; one that
// is handed a turn just as it stops gives it on.
func TestComputeStop(t *testing.T) {
	c := NewCompute(250*time.Millisecond, 1)
	c.Acquire(nil)
	stop := make(chan struct{})
	got := make(chan bool)
	go func() { got <- c.Acquire(stop) }()
	waitFor(t, "a waiting call", func() bool { return c.Waiting() == 1 })
	close(stop)
	if <-got {
		t.Fatal("Acquire took a turn after its stop closed, while another call held the only one")
	}
	if h, w := c.Held(), c.Waiting(); h != 1 || w != 0 {
		t.Fatalf("held %d, waiting %d, want 1 and 0", h, w)
	}
	c.Release()

	// Stop and release before the waiter runs again (one P), many
	// times: it finds both its turn and its stop, takes either, and no
	// turn is lost or doubled.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for range 200 {
		c.Acquire(nil)
		stop := make(chan struct{})
		got := make(chan bool)
		go func() { got <- c.Acquire(stop) }()
		waitFor(t, "a waiting call", func() bool { return c.Waiting() == 1 })
		close(stop)
		c.Release()
		if <-got {
			c.Release()
		}
		if h, w := c.Held(), c.Waiting(); h != 0 || w != 0 {
			t.Fatalf("held %d, waiting %d after the race, want 0 and 0", h, w)
		}
	}
}

// TestComputeHolders: however many calls ask at once, no more hold a
// turn than there are turns, and every turn comes back.
func TestComputeHolders(t *testing.T) {
	c := NewCompute(1500*time.Millisecond, 4) // 2 turns
	var holding, most atomic.Int32
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				var stop chan struct{}
				if (i+j)%5 == 0 {
					stop = make(chan struct{})
					close(stop) // gives up at once unless a turn is free
				}
				if !c.Acquire(stop) {
					continue
				}
				n := holding.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				if h := c.Held(); h < 1 || h > c.Turns() {
					t.Errorf("held %d with a turn taken, want 1..%d", h, c.Turns())
				}
				holding.Add(-1)
				c.Release()
			}
		}()
	}
	wg.Wait()
	if m := most.Load(); m > int32(c.Turns()) {
		t.Errorf("%d calls held a turn at once, want at most %d", m, c.Turns())
	}
	if h, w := c.Held(), c.Waiting(); h != 0 || w != 0 {
		t.Errorf("held %d, waiting %d at the end, want 0 and 0", h, w)
	}
}

// TestComputeCredit: a site that computed past its share owes the wall
// time its rate takes to earn it back; the debt is bounded, and cleared
// when nothing else wanted the core.
func TestComputeCredit(t *testing.T) {
	ms := int64(time.Millisecond)
	c := NewCompute(250*time.Millisecond, 1) // a quarter of a core
	t0 := int64(time.Hour)
	if owe := c.Spend(t0, 0); owe != 0 {
		t.Fatalf("a new share owes %v, want 0", owe)
	}
	// The credit starts at a millisecond; 1.1 ms leaves 100 µs to earn
	// back at a quarter: 400 µs.
	if owe := c.Spend(t0, 1100*time.Microsecond); owe != 400*time.Microsecond {
		t.Fatalf("owes %v after computing 1.1 ms, want 400µs", owe)
	}
	if owe := c.Owed(t0 + ms/10); owe != 300*time.Microsecond {
		t.Fatalf("owes %v 100 µs later, want 300µs", owe)
	}
	if owe := c.Owed(t0 + ms/2); owe != 0 {
		t.Fatalf("owes %v 500 µs later, want 0", owe)
	}
	// Earned credit stops at a millisecond's worth.
	if owe := c.Spend(t0+10*ms, 1100*time.Microsecond); owe != 400*time.Microsecond {
		t.Fatalf("owes %v after idling 10 ms and computing 1.1 ms, want 400µs", owe)
	}
	// A call that ran for an hour owes a bounded debt.
	owe := c.Spend(t0+20*ms, time.Hour)
	if owe <= 0 || owe > 8*time.Millisecond {
		t.Fatalf("owes %v after an hour's call, want (0, 8ms]", owe)
	}
	c.Forgive(t0 + 20*ms)
	if owe := c.Owed(t0 + 20*ms); owe != 0 {
		t.Fatalf("owes %v after Forgive, want 0", owe)
	}
	// A clock read earlier than the last one (another goroutine's) adds
	// nothing and takes nothing.
	if owe := c.Owed(t0); owe != 0 {
		t.Fatalf("owes %v at an earlier time, want 0", owe)
	}
}
