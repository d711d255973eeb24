package host

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmweb/wasmweb/host/pubsub"
	"github.com/wasmweb/wasmweb/netloop"
)

// waiter is a parked request: what the host keeps while a long poll waits
// for a message. It holds no Wasm instance and no goroutine; the
// connection keeps the request itself (netloop.Parked).
type waiter struct {
	parked  *netloop.Parked
	site    *Site
	route   *route
	params  []pathParam
	topic   string // the broker's topic name, site-qualified
	cursor  int64
	expires int64 // unix nanoseconds

	state atomic.Int32 // waiterParked, waiterWoken, waiterGone
	timed atomic.Bool  // woken by its deadline, not by a message
}

const (
	waiterParked = iota
	waiterWoken
	waiterGone
)

// Wake implements pubsub.Watcher: queue the waiter for resumption.
func (w *waiter) Wake() {
	if w.state.CompareAndSwap(waiterParked, waiterWoken) {
		w.site.parking.wakes.push(w)
	}
}

// parking is a site's set of parked requests: their count, their
// deadlines and the workers that resume them. Safe for concurrent use.
type parking struct {
	site    *Site
	h       *Host
	count   atomic.Int64
	wakes   wakeQueue
	mu      sync.Mutex
	byTick  map[int64][]*waiter // mu guards byTick: deadline bucket (100 ms) -> waiters
	stop    chan struct{}
	stopped sync.WaitGroup
}

const parkTick = int64(100 * time.Millisecond)

func newParking(h *Host, s *Site, workers int) *parking {
	p := &parking{site: s, h: h, byTick: map[int64][]*waiter{}, stop: make(chan struct{})}
	p.wakes.init()
	for i := 0; i < workers; i++ {
		p.stopped.Add(1)
		go p.work()
	}
	p.stopped.Add(1)
	go p.expire()
	return p
}

// add files a new waiter under its deadline.
func (p *parking) add(w *waiter) {
	p.count.Add(1)
	p.h.m.parked.Add(1)
	p.mu.Lock()
	t := w.expires / parkTick
	p.byTick[t] = append(p.byTick[t], w)
	p.mu.Unlock()
}

// done removes a waiter from the count once it is answered or gone.
func (p *parking) done(w *waiter) {
	if w.state.Swap(waiterGone) != waiterGone {
		p.count.Add(-1)
		p.h.m.parked.Add(-1)
	}
}

// expire wakes waiters whose deadline has passed.
func (p *parking) expire() {
	defer p.stopped.Done()
	t := time.NewTicker(time.Duration(parkTick))
	defer t.Stop()
	last := time.Now().UnixNano() / parkTick
	for {
		select {
		case <-p.stop:
			return
		case now := <-t.C:
			cur := now.UnixNano() / parkTick
			p.mu.Lock()
			var due []*waiter
			for tick := last; tick <= cur; tick++ {
				due = append(due, p.byTick[tick]...)
				delete(p.byTick, tick)
			}
			p.mu.Unlock()
			last = cur + 1
			for _, w := range due {
				if w.state.Load() == waiterParked {
					w.timed.Store(true)
					p.site.broker.Unwatch(w.topic, w)
					w.Wake()
				}
			}
		}
	}
}

// work resumes woken waiters: it runs the route's guest again on the
// parked request, whose wait now finds messages or reports the timeout.
func (p *parking) work() {
	defer p.stopped.Done()
	for {
		w, ok := p.wakes.pop(p.stop)
		if !ok {
			return
		}
		p.resume(w)
	}
}

func (p *parking) resume(w *waiter) {
	timedOut := w.timed.Load()
	p.done(w)
	err := w.parked.Resume(netloop.HandlerFunc(func(rw *netloop.Response, r *netloop.Request) {
		if timedOut || !p.site.answerShared(rw, r, w) {
			p.site.dispatchResumed(p.h, rw, r, w.route, w.params, timedOut)
		}
		w.route.counters.inc(rw.Status())
	}))
	if err == nil {
		p.h.m.resumed.Inc()
	}
}

// drain answers every parked request with 503 and Retry-After: the
// server is shutting down.
func (p *parking) drain() {
	p.mu.Lock()
	var all []*waiter
	for tick, ws := range p.byTick {
		all = append(all, ws...)
		delete(p.byTick, tick)
	}
	p.mu.Unlock()
	for _, w := range all {
		if w.state.CompareAndSwap(waiterParked, waiterGone) {
			p.count.Add(-1)
			p.h.m.parked.Add(-1)
			p.site.broker.Unwatch(w.topic, w)
			w.parked.Resume(netloop.HandlerFunc(func(rw *netloop.Response, r *netloop.Request) {
				writeErrorPage(rw, 503, "")
				rw.SetHeader("Retry-After", "5")
				rw.SetClose()
			}))
		}
	}
}

func (p *parking) close() {
	close(p.stop)
	p.wakes.wakeAll()
	p.stopped.Wait()
}

// wakeQueue is an unbounded FIFO of woken waiters.
type wakeQueue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []*waiter
	head  int
}

func (q *wakeQueue) init() { q.cond = sync.NewCond(&q.mu) }

func (q *wakeQueue) push(w *waiter) {
	q.mu.Lock()
	q.items = append(q.items, w)
	q.mu.Unlock()
	q.cond.Signal()
}

// pop waits for a waiter; it returns false once stop is closed.
func (q *wakeQueue) pop(stop chan struct{}) (*waiter, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.head == len(q.items) {
		select {
		case <-stop:
			return nil, false
		default:
		}
		q.cond.Wait()
	}
	w := q.items[q.head]
	q.items[q.head] = nil
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	}
	return w, true
}

func (q *wakeQueue) wakeAll() {
	q.mu.Lock()
	q.mu.Unlock()
	q.cond.Broadcast()
}

// clampWait turns a guest's timeout into a deadline within max_wait.
func clampWait(timeoutMs int32, max time.Duration) time.Duration {
	d := time.Duration(timeoutMs) * time.Millisecond
	if timeoutMs <= 0 || d > max {
		d = max
	}
	return d
}

var _ pubsub.Watcher = (*waiter)(nil)
