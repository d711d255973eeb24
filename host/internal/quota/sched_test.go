package quota

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

const long = time.Minute

// waitFor polls cond, for states another goroutine reaches.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestSchedulerRoundRobin: with one slot, a site that queued many calls
// first gets every other slot, not all of them before the other site.
func TestSchedulerRoundRobin(t *testing.T) {
	sc := NewScheduler(1)
	a := NewSite("a", Limits{}, counters(), sc)
	b := NewSite("b", Limits{}, counters(), sc)
	if _, ok := a.Enter(nil, long); !ok {
		t.Fatal("first call refused")
	}
	served := make(chan string)
	release := map[string]chan struct{}{}
	var wg sync.WaitGroup
	queue := func(s *Site, name string) {
		rel := make(chan struct{})
		release[name] = rel
		before := s.Waiting()
		wg.Go(func() {
			if _, ok := s.Enter(nil, long); !ok {
				t.Errorf("%s refused", name)
				return
			}
			served <- name
			<-rel
			s.Leave()
		})
		waitFor(t, name+" to queue", func() bool { return s.Waiting() == before+1 })
	}
	for i := 1; i <= 5; i++ {
		queue(a, fmt.Sprintf("a%d", i))
	}
	for i := 1; i <= 3; i++ {
		queue(b, fmt.Sprintf("b%d", i))
	}
	a.Leave()
	var order []string
	for range 8 {
		name := <-served
		order = append(order, name)
		if sc.Running() != 1 {
			t.Errorf("%d calls running with one slot", sc.Running())
		}
		close(release[name])
	}
	wg.Wait()
	if got, want := strings.Join(order, " "), "a1 b1 a2 b2 a3 b3 a4 a5"; got != want {
		t.Errorf("served %s, want %s", got, want)
	}
	if sc.Running() != 0 || a.Running() != 0 || b.Running() != 0 {
		t.Errorf("running after all left: %d (a %d, b %d)", sc.Running(), a.Running(), b.Running())
	}
}

// TestSchedulerConcurrency: a site runs at most its limit; as many more
// wait, and past that calls are refused at once with 503; other sites
// are not held up.
func TestSchedulerConcurrency(t *testing.T) {
	sc := NewScheduler(0)
	c := counters()
	a := NewSite("a", Limits{Concurrency: 2}, c, sc)
	b := NewSite("b", Limits{Concurrency: 2}, counters(), sc)
	for range 2 {
		if _, ok := a.Enter(nil, long); !ok {
			t.Fatal("refused under the limit")
		}
	}
	var wg sync.WaitGroup
	admitted := make(chan bool, 2)
	for i := range 2 {
		wg.Go(func() {
			_, ok := a.Enter(nil, long)
			admitted <- ok
		})
		waitFor(t, "a waiter", func() bool { return a.Waiting() == i+1 })
	}
	r, ok := a.Enter(nil, long)
	if ok || r.Reason != Concurrency || r.Status != 503 || r.RetryAfterHeader() != "1" {
		t.Fatalf("fifth call: %+v %v, want concurrency 503 Retry-After 1", r, ok)
	}
	if got := testutil.ToFloat64(c.Throttled[Concurrency]); got != 1 {
		t.Errorf("throttled{concurrency} = %v, want 1", got)
	}
	if _, ok := b.Enter(nil, long); !ok {
		t.Error("another site was refused")
	}
	b.Leave()
	if a.Running() != 2 {
		t.Errorf("a runs %d calls, limit 2", a.Running())
	}
	a.Leave()
	a.Leave()
	wg.Wait()
	for range 2 {
		if !<-admitted {
			t.Error("a waiting call was refused after slots freed")
		}
	}
	a.Leave()
	a.Leave()
	if a.Running() != 0 || sc.Running() != 0 {
		t.Errorf("running after all left: %d, %d", a.Running(), sc.Running())
	}
}

// TestSchedulerWaitEnds: a call that waits past its wait, or until its
// stop closes, is refused and leaves no trace in the queue.
func TestSchedulerWaitEnds(t *testing.T) {
	sc := NewScheduler(1)
	a := NewSite("a", Limits{}, counters(), sc)
	b := NewSite("b", Limits{}, counters(), sc)
	a.Enter(nil, long)
	if r, ok := b.Enter(nil, time.Millisecond); ok || r.Status != 503 {
		t.Fatalf("waited past its wait: %+v %v", r, ok)
	}
	stop := make(chan struct{})
	done := make(chan bool)
	go func() {
		_, ok := b.Enter(stop, long)
		done <- ok
	}()
	waitFor(t, "b to queue", func() bool { return b.Waiting() == 1 })
	close(stop)
	if <-done {
		t.Error("admitted after its stop closed")
	}
	a.Leave()
	if b.Waiting() != 0 || sc.Running() != 0 || len(sc.ring) != 0 {
		t.Errorf("left behind: waiting %d, running %d, ring %d", b.Waiting(), sc.Running(), len(sc.ring))
	}
	if _, ok := b.Enter(nil, long); !ok {
		t.Error("refused with the slot free")
	}
}

// TestSchedulerHammer: many sites' calls entering and leaving at once
// never run more than the slots nor a site more than its limit, and
// leave the counts at zero.
func TestSchedulerHammer(t *testing.T) {
	sc := NewScheduler(3)
	var sites []*Site
	for i := range 5 {
		sites = append(sites, NewSite(fmt.Sprint(i), Limits{Concurrency: 1 + i%2}, counters(), sc))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	bad := ""
	for g := range 20 {
		s := sites[g%len(sites)]
		wg.Go(func() {
			for range 300 {
				if _, ok := s.Enter(nil, long); !ok {
					continue
				}
				sc.mu.Lock()
				if sc.running > sc.slots || s.q.running > s.limits.Concurrency {
					mu.Lock()
					bad = fmt.Sprintf("running %d of %d; site %s %d of %d", sc.running, sc.slots, s.name, s.q.running, s.limits.Concurrency)
					mu.Unlock()
				}
				sc.mu.Unlock()
				s.Leave()
			}
		})
	}
	wg.Wait()
	if bad != "" {
		t.Error(bad)
	}
	if sc.Running() != 0 || len(sc.ring) != 0 {
		t.Errorf("after: running %d, ring %d", sc.Running(), len(sc.ring))
	}
	for _, s := range sites {
		if s.Running() != 0 || s.Waiting() != 0 {
			t.Errorf("site %s: running %d waiting %d", s.name, s.Running(), s.Waiting())
		}
	}
}
