package netloop

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmweb/wasmweb/internal/monotime"
)

// wheel is a hashed timer wheel that expires connection deadlines
// without a timer or goroutine per connection. A session stores its
// deadline atomically; moving it later costs one store, and only moving
// it earlier than the slot it is filed under files it again. When a slot
// comes due, each session in it is expired if its deadline has passed, or
// filed again under its current deadline.
//
// wheel is safe for concurrent use.
type wheel struct {
	tick  time.Duration
	clock atomic.Int64 // coarse now, a monotonic time (package monotime), advanced every tick

	mu    sync.Mutex
	slots [][]*session // mu guards slots, cur and every session's slot field
	cur   int64        // tick number of the slot handled last
	stop  chan struct{}
	done  chan struct{}
}

const wheelSlots = 1024

func newWheel(tick time.Duration) *wheel {
	w := &wheel{tick: tick, slots: make([][]*session, wheelSlots), stop: make(chan struct{}), done: make(chan struct{})}
	now := monotime.Now()
	w.clock.Store(now)
	w.cur = now / int64(tick)
	return w
}

// now returns the coarse clock, at most one tick behind.
func (w *wheel) now() int64 { return w.clock.Load() }

// schedule sets s's deadline (a monotonic time) and makes sure a slot at
// or before it will look at s.
func (w *wheel) schedule(s *session, deadline int64) {
	s.deadline.Store(deadline)
	t := deadline/int64(w.tick) + 1
	w.mu.Lock()
	if s.slot == 0 || t < s.slot {
		if t <= w.cur {
			t = w.cur + 1
		}
		if t > w.cur+wheelSlots-1 {
			t = w.cur + wheelSlots - 1 // past the horizon: filed again when due
		}
		if s.slot == 0 || t < s.slot {
			s.slot = t
			i := t % wheelSlots
			w.slots[i] = append(w.slots[i], s)
		}
	}
	w.mu.Unlock()
}

// forget stops the wheel from looking at s once its slot comes due.
func (w *wheel) forget(s *session) {
	w.mu.Lock()
	s.slot = -1
	w.mu.Unlock()
}

func (w *wheel) run() {
	defer close(w.done)
	t := time.NewTicker(w.tick)
	defer t.Stop()
	var due []*session
	for {
		select {
		case <-w.stop:
			return
		case now := <-t.C:
			ns := monotime.Of(now)
			w.clock.Store(ns)
			due = w.advance(ns, due[:0])
			for i, s := range due {
				s.expire(ns)
				due[i] = nil
			}
		}
	}
}

// advance collects the sessions filed under slots that are now due and
// whose deadline has passed, filing the others again.
func (w *wheel) advance(now int64, due []*session) []*session {
	target := now / int64(w.tick)
	w.mu.Lock()
	defer w.mu.Unlock()
	for w.cur < target {
		w.cur++
		i := w.cur % wheelSlots
		list := w.slots[i]
		w.slots[i] = nil
		for _, s := range list {
			if s.slot != w.cur {
				continue // filed earlier elsewhere, or forgotten
			}
			s.slot = 0
			if s.deadline.Load() <= now {
				due = append(due, s)
				continue
			}
			t := s.deadline.Load()/int64(w.tick) + 1
			if t <= w.cur {
				t = w.cur + 1
			}
			if t > w.cur+wheelSlots-1 {
				t = w.cur + wheelSlots - 1
			}
			s.slot = t
			j := t % wheelSlots
			w.slots[j] = append(w.slots[j], s)
		}
		if cap(list) > 1024 && len(w.slots[i]) == 0 {
			continue // let a burst's big slice go
		}
		if w.slots[i] == nil {
			clear(list)
			w.slots[i] = list[:0]
		}
	}
	return due
}

func (w *wheel) close() {
	close(w.stop)
	<-w.done
}
