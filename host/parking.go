package host

import (
	"fmt"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmweb/wasmweb/host/internal/pubsub"
	"github.com/wasmweb/wasmweb/host/internal/route"
	"github.com/wasmweb/wasmweb/netloop"
)

// waiter is a parked request: what the host keeps while a long poll waits
// for a message. It holds no Wasm instance and no goroutine; the
// connection keeps the request itself (netloop.Parked).
//
// A waiter holds one of its site's max_waiters slots from the moment
// wait parks the request until its state becomes waiterGone. That happens
// once, through parking.release, whoever ends the wait:
//
//	state          entered when                           left for
//	waiterFiling   wait parks the request (slot taken)    Parked (file), Early (a message), Gone (the call answers after all; hang-up)
//	waiterEarly    a message arrives during that call     Woken (file), Gone (as from waiterFiling)
//	waiterParked   the call returned STATUS_WAIT (file)   Woken (a message, the deadline, drain), Gone (hang-up)
//	waiterWoken    queued for a parking worker            Gone (the worker, or a hang-up first)
//	waiterGone     release: the slot is free              -
//
// Only filed waiters (Parked, Woken) are ever queued, so a worker never
// resumes a request whose first call is still running.
type waiter struct {
	parked  parkedRequest
	site    *Site
	route   *siteRoute
	params  []route.Param
	topic   string // the broker's topic name, site-qualified
	cursor  int64
	expires int64 // unix nanoseconds

	state atomic.Int32 // see the table above
	timed atomic.Bool  // woken by its deadline, not by a message
}

const (
	waiterFiling = iota
	waiterEarly
	waiterParked
	waiterWoken
	waiterGone
)

// parkedRequest is what the host asks of a parked request:
// *netloop.Parked, or a test's stand-in.
type parkedRequest interface {
	Resume(netloop.Handler) error
	Cancel()
}

// Wake implements pubsub.Watcher: queue a filed waiter for resumption,
// or mark one still being filed so that filing queues it.
func (w *waiter) Wake() {
	for {
		switch st := w.state.Load(); st {
		case waiterParked:
			if w.state.CompareAndSwap(st, waiterWoken) {
				w.site.parking.wakes.push(w)
				return
			}
		case waiterFiling:
			if w.state.CompareAndSwap(st, waiterEarly) {
				return
			}
		default:
			return
		}
	}
}

// parking is a site's set of parked requests: their count, their
// deadlines and the workers that resume them. Safe for concurrent use.
type parking struct {
	site     *Site
	h        *Host
	max      int64
	count    atomic.Int64 // waiters not yet gone; never above max
	draining atomic.Bool  // drain has begun: filed waiters get 503
	wakes    wakeQueue
	mu       sync.Mutex
	byTick   map[int64][]*waiter // mu guards byTick: deadline bucket (100 ms) -> waiters
	stop     chan struct{}
	stopped  sync.WaitGroup
}

const parkTick = int64(100 * time.Millisecond)

func newParking(h *Host, s *Site, workers int) *parking {
	p := &parking{site: s, h: h, max: int64(s.pubsub.MaxWaiters), byTick: map[int64][]*waiter{}, stop: make(chan struct{})}
	p.wakes.init()
	for i := 0; i < workers; i++ {
		p.stopped.Add(1)
		go p.work()
	}
	p.stopped.Add(1)
	go p.expire()
	return p
}

// reserve takes a slot for a new waiter, or reports false when the site
// already holds max_waiters. The slot belongs to the waiter made next,
// and is given back by release.
func (p *parking) reserve() bool {
	for {
		n := p.count.Load()
		if n >= p.max {
			return false
		}
		if p.count.CompareAndSwap(n, n+1) {
			p.h.m.parked.Inc()
			return true
		}
	}
}

// release ends w's wait and gives its slot back. Only the first call for
// a waiter does anything; it reports whether this call was that one.
func (p *parking) release(w *waiter) bool {
	if w.state.Swap(waiterGone) == waiterGone {
		return false
	}
	p.count.Add(-1)
	p.h.m.parked.Dec()
	return true
}

// file files w under its deadline once the call that parked it has
// returned STATUS_WAIT. A message that came during the call queues it at
// once; a client that left meanwhile has released it already.
func (p *parking) file(w *waiter) {
	p.mu.Lock()
	t := w.expires / parkTick
	p.byTick[t] = append(p.byTick[t], w)
	p.mu.Unlock()
	switch {
	case w.state.CompareAndSwap(waiterFiling, waiterParked):
		if p.draining.Load() {
			// drain has collected the filed waiters already: answer this
			// one the same way.
			p.site.broker.Unwatch(w.topic, w)
			w.Wake()
		}
	case w.state.CompareAndSwap(waiterEarly, waiterWoken):
		p.wakes.push(w)
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

// resume answers a woken waiter, unless a hang-up got there first. A
// panic is this connection's problem alone: it is logged and the
// connection closed, and the worker goes on with the next waiter.
func (p *parking) resume(w *waiter) {
	defer func() {
		if v := recover(); v != nil {
			p.h.log.Error("host: panic while resuming a parked request; connection closed", "site", p.site.name,
				"plugin", w.route.plugin, "route", w.route.pattern, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			w.parked.Cancel()
		}
	}()
	if !p.release(w) {
		return
	}
	if p.draining.Load() {
		w.parked.Resume(netloop.HandlerFunc(answerDraining))
		return
	}
	timedOut := w.timed.Load()
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

// answerDraining is the answer of a parked request when the server shuts
// down: 503, come back later, and the connection closes.
func answerDraining(rw *netloop.Response, _ *netloop.Request) {
	writeErrorPage(rw, 503, "")
	rw.SetHeader("Retry-After", "5")
	rw.SetClose()
}

// drain answers every parked request with 503 and Retry-After: the
// server is shutting down. The workers send the answers, so that no
// connection waits for another's; waiters filed from now on are queued
// for the same answer.
func (p *parking) drain() {
	p.draining.Store(true)
	p.mu.Lock()
	var all []*waiter
	for tick, ws := range p.byTick {
		all = append(all, ws...)
		delete(p.byTick, tick)
	}
	p.mu.Unlock()
	for _, w := range all {
		if w.state.Load() == waiterParked {
			p.site.broker.Unwatch(w.topic, w)
			w.Wake()
		}
	}
}

// close stops the workers once they have answered every queued waiter.
func (p *parking) close() {
	close(p.stop)
	p.wakes.wakeAll()
	p.stopped.Wait()
}

// wakeQueue is a FIFO of woken waiters. It needs no bound of its own:
// a waiter is queued at most once and holds a slot while queued, so
// the queue never holds more than max_waiters.
type wakeQueue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []*waiter
	head  int
}

func (q *wakeQueue) init() { q.cond = sync.NewCond(&q.mu) }

func (q *wakeQueue) push(w *waiter) {
	q.mu.Lock()
	if q.head > 0 && q.head >= len(q.items)/2 {
		// Reuse the front rather than grow, for a queue that never empties.
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	q.items = append(q.items, w)
	q.mu.Unlock()
	q.cond.Signal()
}

// pop waits for a waiter; it returns false once stop is closed and the
// queue is empty.
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

var (
	_ pubsub.Watcher = (*waiter)(nil)
	_ parkedRequest  = (*netloop.Parked)(nil)
)
