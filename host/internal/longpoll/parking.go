// Package longpoll keeps a site's parked requests: a wait that found
// nothing newer parks its request (Parking.Wait), holding no instance
// and no goroutine, until a message, its deadline, the client's leaving
// or the server's shutdown ends it. Woken waiters are queued for the
// site's workers, which hand them to the host's Run callback: it runs
// the checks and the route's guest again, or gives the waiter a copy of
// an answer another made from the same messages (Parking.Keep,
// Waiter.AnswerShared, abi/ABI.md section 7.4 resp_share). It keeps no
// messages (package pubsub does) and runs no guest itself.
package longpoll

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wasmweb/wasmweb/host/internal/errorpage"
	"github.com/wasmweb/wasmweb/host/internal/pubsub"
	"github.com/wasmweb/wasmweb/host/internal/route"
	"github.com/wasmweb/wasmweb/internal/monotime"
	"github.com/wasmweb/wasmweb/netloop"
)

// Config is what a site's Parking needs.
type Config struct {
	// Site names the site in logs.
	Site string
	// MaxWaiters caps the parked requests; MaxWait caps how long one
	// stays parked.
	MaxWaiters int
	MaxWait    time.Duration
	// Workers is how many goroutines resume woken waiters.
	Workers int
	// Broker holds the site's topics.
	Broker pubsub.Broker
	Log    *slog.Logger
	// Parked gauges the parked requests (of every site); Resumed counts
	// those answered after a message or their deadline, and Shared those
	// answered with a copy of another's answer.
	Parked  prometheus.Gauge
	Resumed prometheus.Counter
	Shared  prometheus.Counter
	// Run answers a woken waiter's request: it runs the waiter's route's
	// guest again, or gives it a shared answer (Waiter.AnswerShared).
	// The host decides which, and which checks come first: the site
	// serving when the waiter wakes may not be the one it parked under.
	Run func(w *netloop.Response, r *netloop.Request, wt *Waiter)
}

// Waiter is a parked request: what the host keeps while a long poll waits
// for a message. It holds no Wasm instance and no goroutine; the
// connection keeps the request itself (netloop.Parked).
//
// A Waiter holds one of its site's max_waiters slots from the moment
// Wait parks the request until its state becomes waiterGone. That
// happens once, through release, whoever ends the wait:
//
//	state          entered when                           left for
//	waiterFiling   Wait parks the request (slot taken)    Parked (File), Early (a message), Gone (the call answers after all; hang-up)
//	waiterEarly    a message arrives during that call     Woken (File), Gone (as from waiterFiling)
//	waiterParked   the call returned STATUS_WAIT (File)   Woken (a message, the deadline, drain), Gone (hang-up)
//	waiterWoken    queued for a parking worker            Gone (the worker, or a hang-up first)
//	waiterGone     release: the slot is free              -
//
// Only filed waiters (Parked, Woken) are ever queued, so a worker never
// resumes a request whose first call is still running.
type Waiter struct {
	p       *Parking
	parked  parkedRequest
	route   *route.Route
	params  []route.Param
	topic   string
	cursor  int64
	expires int64 // a monotonic time (package monotime)

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

// Route returns the route the waiter parked on: a route of the site
// that parked it, which a change may since have replaced.
func (w *Waiter) Route() *route.Route { return w.route }

// Params returns the path parameters of the waiter's request.
func (w *Waiter) Params() []route.Param { return w.params }

// TimedOut reports whether the waiter's deadline, not a message, woke
// it.
func (w *Waiter) TimedOut() bool { return w.timed.Load() }

// AnswerShared gives the woken waiter's request r a copy of an answer
// that a call on the same route made from the messages its own wait
// would now return (abi/ABI.md section 7.4 resp_share), and reports
// whether it did. A waiter woken by its deadline takes none.
func (w *Waiter) AnswerShared(rw *netloop.Response, r *netloop.Request) bool {
	return !w.timed.Load() && w.p.answerShared(rw, r, w)
}

// Wake implements pubsub.Watcher: queue a filed waiter for resumption,
// or mark one still being filed so that filing queues it.
func (w *Waiter) Wake() {
	for {
		switch st := w.state.Load(); st {
		case waiterParked:
			if w.state.CompareAndSwap(st, waiterWoken) {
				w.p.wakes.push(w)
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

// Parking is a site's set of parked requests: their count, their
// deadlines, the workers that resume them and the shared answers. Safe
// for concurrent use.
type Parking struct {
	cfg      Config
	max      int64
	count    atomic.Int64 // waiters not yet gone; never above max
	draining atomic.Bool  // Drain has begun: waits fail, filed waiters get 503
	wakes    wakeQueue
	shares   shareCache
	mu       sync.Mutex
	byTick   map[int64][]*Waiter // mu guards byTick: deadline bucket (100 ms) -> waiters
	closed   bool                // mu guards closed: Close has begun, no goroutine may start
	running  bool                // mu guards running: the goroutines were started
	started  sync.Once           // starts the goroutines, at the first Wait
	stop     chan struct{}
	stopped  sync.WaitGroup
}

const parkTick = int64(100 * time.Millisecond)

// New makes a site's parking. Its workers and the goroutine that ends
// waits at their deadlines start at its first Wait, so that a site that
// never parks a request costs no goroutine and no ticker (a server may
// hold thousands of sites). Close stops them.
func New(cfg Config) *Parking {
	p := &Parking{cfg: cfg, max: int64(cfg.MaxWaiters), byTick: map[int64][]*Waiter{}, stop: make(chan struct{})}
	p.wakes.init()
	return p
}

// start starts the workers and the expiry, once, unless Close has begun.
func (p *Parking) start() {
	p.started.Do(func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.closed {
			return
		}
		p.running = true
		p.stopped.Add(p.cfg.Workers + 1)
		for i := 0; i < p.cfg.Workers; i++ {
			go p.work()
		}
		go p.expire()
	})
}

// Started reports whether the parking's goroutines have been started.
func (p *Parking) Started() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running
}

// Errors of Wait.
var (
	// ErrFull: the site already parks max_waiters requests.
	ErrFull = errors.New("longpoll: max_waiters requests are parked")
	// ErrDraining: the server is shutting down.
	ErrDraining = errors.New("longpoll: shutting down")
	// ErrSent: the response's head has been sent (a streamed body), too
	// late to park.
	ErrSent = errors.New("longpoll: the response has begun")
)

// Wait asks for topic's messages past cursor for the request that resp
// answers, on route rt with params. When there are some it returns them
// and parks nothing; otherwise it parks the request, for at most timeout
// (0 or more than the site's MaxWait: MaxWait), and returns its Waiter,
// which the caller must File once the call that parked it has returned,
// or Unpark if that call answers after all. Broker errors are returned
// as they are.
func (p *Parking) Wait(resp *netloop.Response, rt *route.Route, params []route.Param, topic string, cursor int64, timeout time.Duration) ([]pubsub.Message, *Waiter, error) {
	if p.draining.Load() {
		return nil, nil, ErrDraining
	}
	p.start()
	// The slot is taken before anything can wake or end the wait, so the
	// count never passes max_waiters and every way out gives it back.
	if !p.reserve() {
		return nil, nil, ErrFull
	}
	if timeout <= 0 || timeout > p.cfg.MaxWait {
		timeout = p.cfg.MaxWait
	}
	w := &Waiter{p: p, route: rt, topic: topic, cursor: cursor, expires: monotime.Now() + int64(timeout)}
	parked := resp.Park()
	if parked == nil {
		p.release(w)
		return nil, nil, ErrSent
	}
	w.parked = parked
	w.params = append([]route.Param(nil), params...)
	msgs, err := p.cfg.Broker.Since(topic, cursor, w)
	if err != nil || len(msgs) > 0 {
		resp.Unpark()
		p.release(w)
		return msgs, nil, err
	}
	parked.OnHangup(w.hangup)
	return nil, w, nil
}

// hangup ends the wait of a waiter whose client has gone.
func (w *Waiter) hangup() {
	w.p.cfg.Broker.Unwatch(w.topic, w)
	w.p.release(w)
}

// Unpark undoes the wait of w, whose call answered its request after all
// (or failed) instead of returning STATUS_WAIT.
func (p *Parking) Unpark(w *Waiter, resp *netloop.Response) {
	p.cfg.Broker.Unwatch(w.topic, w)
	p.release(w)
	resp.Unpark()
}

// reserve takes a slot for a new waiter, or reports false when the site
// already holds max_waiters. The slot belongs to the waiter made next,
// and is given back by release.
func (p *Parking) reserve() bool {
	for {
		n := p.count.Load()
		if n >= p.max {
			return false
		}
		if p.count.CompareAndSwap(n, n+1) {
			p.cfg.Parked.Inc()
			return true
		}
	}
}

// release ends w's wait and gives its slot back. Only the first call for
// a waiter does anything; it reports whether this call was that one.
func (p *Parking) release(w *Waiter) bool {
	if w.state.Swap(waiterGone) == waiterGone {
		return false
	}
	p.count.Add(-1)
	p.cfg.Parked.Dec()
	return true
}

// Count returns how many requests are parked, the number max_waiters
// bounds.
func (p *Parking) Count() int64 { return p.count.Load() }

// File files w under its deadline once the call that parked it has
// returned STATUS_WAIT. A message that came during the call queues it at
// once; a client that left meanwhile has released it already.
func (p *Parking) File(w *Waiter) {
	p.start()
	p.mu.Lock()
	t := w.expires / parkTick
	p.byTick[t] = append(p.byTick[t], w)
	p.mu.Unlock()
	switch {
	case w.state.CompareAndSwap(waiterFiling, waiterParked):
		if p.draining.Load() {
			// Drain has collected the filed waiters already: answer this
			// one the same way.
			p.cfg.Broker.Unwatch(w.topic, w)
			w.Wake()
		}
	case w.state.CompareAndSwap(waiterEarly, waiterWoken):
		p.wakes.push(w)
	}
}

// expire wakes waiters whose deadline has passed.
func (p *Parking) expire() {
	defer p.stopped.Done()
	t := time.NewTicker(time.Duration(parkTick))
	defer t.Stop()
	last := monotime.Now() / parkTick
	for {
		select {
		case <-p.stop:
			return
		case now := <-t.C:
			cur := monotime.Of(now) / parkTick
			p.mu.Lock()
			var due []*Waiter
			for tick := last; tick <= cur; tick++ {
				due = append(due, p.byTick[tick]...)
				delete(p.byTick, tick)
			}
			p.mu.Unlock()
			last = cur + 1
			for _, w := range due {
				if w.state.Load() == waiterParked {
					w.timed.Store(true)
					p.cfg.Broker.Unwatch(w.topic, w)
					w.Wake()
				}
			}
		}
	}
}

// work resumes woken waiters: it runs the route's guest again on the
// parked request, whose wait now finds messages or reports the timeout.
// It takes them from the queue in batches, so that the workers of a
// large wake take the queue's lock once per batch rather than once per
// waiter, and share the wake between them.
func (p *Parking) work() {
	defer p.stopped.Done()
	batch := make([]*Waiter, 0, wakeBatch)
	for {
		var ok bool
		batch, ok = p.wakes.pop(p.stop, batch[:0])
		if !ok {
			return
		}
		for i, w := range batch {
			batch[i] = nil
			p.resume(w)
		}
	}
}

// wakeBatch is how many woken waiters a worker takes at once: enough to
// make the queue's lock cheap, few enough that a wake is still spread
// over every worker.
const wakeBatch = 32

// resume answers a woken waiter, unless a hang-up got there first. A
// panic is this connection's problem alone: it is logged and the
// connection closed, and the worker goes on with the next waiter.
func (p *Parking) resume(w *Waiter) {
	defer func() {
		if v := recover(); v != nil {
			p.cfg.Log.Error("host: panic while resuming a parked request; connection closed", "site", p.cfg.Site,
				"plugin", w.route.Plugin, "route", w.route.Pattern.String(), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
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
	err := w.parked.Resume(netloop.HandlerFunc(func(rw *netloop.Response, r *netloop.Request) {
		p.cfg.Run(rw, r, w)
		w.route.Answers.Count(rw.Status())
	}))
	if err == nil {
		p.cfg.Resumed.Inc()
	}
}

// answerDraining is the answer of a parked request when the server shuts
// down: 503, come back later, and the connection closes.
func answerDraining(rw *netloop.Response, _ *netloop.Request) {
	errorpage.Unavailable(rw, "5")
	rw.SetClose()
}

// Drain answers every parked request with 503 and Retry-After: the
// server is shutting down. The workers send the answers, so that no
// connection waits for another's; waiters filed from now on are queued
// for the same answer, and waits fail with ErrDraining.
func (p *Parking) Drain() {
	p.draining.Store(true)
	p.mu.Lock()
	var all []*Waiter
	for tick, ws := range p.byTick {
		all = append(all, ws...)
		delete(p.byTick, tick)
	}
	p.mu.Unlock()
	for _, w := range all {
		if w.state.Load() == waiterParked {
			p.cfg.Broker.Unwatch(w.topic, w)
			w.Wake()
		}
	}
}

// Close stops the workers once they have answered every queued waiter.
func (p *Parking) Close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
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
	items []*Waiter
	head  int
}

func (q *wakeQueue) init() { q.cond = sync.NewCond(&q.mu) }

func (q *wakeQueue) push(w *Waiter) {
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

// pop waits for waiters and appends to batch up to its capacity of them
// (at least one), oldest first; it returns false once stop is closed and
// the queue is empty. Waiters are left for other workers when fewer
// than twice the batch wait, so that every worker gets a share of a
// wake.
func (q *wakeQueue) pop(stop chan struct{}, batch []*Waiter) ([]*Waiter, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.head == len(q.items) {
		select {
		case <-stop:
			return batch, false
		default:
		}
		q.cond.Wait()
	}
	n := len(q.items) - q.head
	if room := cap(batch) - len(batch); n > room {
		n = room
	}
	if n > 1 && n*2 > len(q.items)-q.head {
		n = (len(q.items) - q.head + 1) / 2
	}
	n = max(n, 1)
	batch = append(batch, q.items[q.head:q.head+n]...)
	clear(q.items[q.head : q.head+n])
	q.head += n
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	} else {
		q.cond.Signal() // more for another worker
	}
	return batch, true
}

// wakeAll wakes every worker waiting in pop. It holds the lock so that
// a worker between its check of stop and its Wait cannot miss it.
func (q *wakeQueue) wakeAll() {
	q.mu.Lock()
	q.cond.Broadcast()
	q.mu.Unlock()
}

var (
	_ pubsub.Watcher = (*Waiter)(nil)
	_ parkedRequest  = (*netloop.Parked)(nil)
)
