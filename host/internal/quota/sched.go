package quota

import (
	"sync"
	"time"
)

// Scheduler admits guest calls of every site: at most slots at once
// across sites, and at most a site's concurrency limit of each site.
// A call that finds no slot waits in its site's queue, and a freed slot
// goes to the sites that wait in turn (round-robin), each site's calls
// in their order, so that a site with a backlog of calls gets one slot
// in turn like the others, not every slot its backlog asks for first.
//
// Its invariant, held after every change under mu: either every slot is
// taken, or no site waits that is below its own limit. So a call that
// finds a slot free and no queue at its site takes the slot at once.
// Safe for concurrent use.
type Scheduler struct {
	slots int // 0: no limit across sites

	mu      sync.Mutex
	running int          // calls admitted and not yet left; mu guards
	ring    []*siteQueue // the sites with waiting calls, in turn; mu guards
	next    int          // the ring's next site to serve; mu guards
}

// siteQueue is a site's calls at the scheduler; its scheduler's mu
// guards every field.
type siteQueue struct {
	site    *Site
	running int
	waiters []chan struct{} // oldest first
	inRing  bool
}

// NewScheduler returns a scheduler that runs at most slots guest calls
// at once (0: no limit across sites; sites' own limits still hold).
func NewScheduler(slots int) *Scheduler { return &Scheduler{slots: max(0, slots)} }

// Slots returns the calls the scheduler runs at once; 0 for no limit.
func (sc *Scheduler) Slots() int { return sc.slots }

// Running returns the calls admitted and not yet left.
func (sc *Scheduler) Running() int {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return sc.running
}

// Running returns the site's guest calls in progress.
func (s *Site) Running() int {
	s.sched.mu.Lock()
	defer s.sched.mu.Unlock()
	return s.q.running
}

// Waiting returns the site's guest calls waiting for a slot.
func (s *Site) Waiting() int {
	s.sched.mu.Lock()
	defer s.sched.mu.Unlock()
	return len(s.q.waiters)
}

func (q *siteQueue) atLimit() bool {
	c := q.site.limits.Concurrency
	return c > 0 && q.running >= c
}

// Enter admits one of the site's guest calls, waiting for a slot up to
// wait, or until stop is closed. It refuses with 503 when the site
// already has as many calls waiting as its concurrency limit lets run,
// or when the wait runs out. Every admitted call must Leave.
func (s *Site) Enter(stop <-chan struct{}, wait time.Duration) (Refusal, bool) {
	sc, q := s.sched, &s.q
	sc.mu.Lock()
	if len(q.waiters) == 0 && !q.atLimit() && (sc.slots == 0 || sc.running < sc.slots) {
		q.running++
		sc.running++
		sc.mu.Unlock()
		return Refusal{}, true
	}
	if c := s.limits.Concurrency; c > 0 && len(q.waiters) >= c {
		sc.mu.Unlock()
		return s.refuse(Concurrency, 503, time.Second), false
	}
	ch := make(chan struct{})
	q.waiters = append(q.waiters, ch)
	if !q.inRing {
		q.inRing = true
		sc.ring = append(sc.ring, q)
	}
	sc.dispatchLocked()
	sc.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ch:
		return Refusal{}, true
	case <-t.C:
	case <-stop:
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	for i, c := range q.waiters {
		if c == ch {
			q.waiters = append(q.waiters[:i], q.waiters[i+1:]...)
			if len(q.waiters) == 0 {
				sc.dropLocked(q)
			}
			return s.refuse(Concurrency, 503, time.Second), false
		}
	}
	return Refusal{}, true // handed a slot as the wait ended: the caller leaves it
}

// Leave gives back the slot of a call Enter admitted, to the next site
// in turn that waits.
func (s *Site) Leave() {
	sc := s.sched
	sc.mu.Lock()
	s.q.running--
	sc.running--
	sc.dispatchLocked()
	sc.mu.Unlock()
}

// dispatchLocked hands free slots to waiting calls, one site at a time
// in turn, skipping sites at their own limit.
func (sc *Scheduler) dispatchLocked() {
	for (sc.slots == 0 || sc.running < sc.slots) && len(sc.ring) > 0 {
		n := len(sc.ring)
		served := false
		for i := range n {
			at := (sc.next + i) % n
			q := sc.ring[at]
			if q.atLimit() {
				continue
			}
			ch := q.waiters[0]
			q.waiters[0] = nil
			q.waiters = q.waiters[1:]
			q.running++
			sc.running++
			close(ch)
			sc.next = at + 1
			if len(q.waiters) == 0 {
				sc.dropLocked(q)
			}
			served = true
			break
		}
		if !served {
			return
		}
	}
}

// dropLocked takes q, which has no waiters left, out of the ring,
// keeping the turn of the sites after it.
func (sc *Scheduler) dropLocked(q *siteQueue) {
	q.inRing = false
	q.waiters = nil
	for i, r := range sc.ring {
		if r == q {
			sc.ring = append(sc.ring[:i], sc.ring[i+1:]...)
			if i < sc.next {
				sc.next--
			}
			break
		}
	}
	if len(sc.ring) == 0 {
		sc.next = 0
	} else {
		sc.next %= len(sc.ring)
	}
}
