package netloop

import (
	"errors"
	"sync"
	"sync/atomic"
)

// Parked is a request whose handler returned without answering, to be
// answered later by Resume: a long poll waiting for an event. While parked
// the connection holds a copy of the request (its head and body) and no
// goroutine, handler or timer of its own; input that arrives meanwhile is
// kept for after the answer.
//
// Resume and Cancel may be called from any goroutine, once; OnHangup's
// callback runs at most once, when the client goes away before the
// request is answered. Each parked request ends one way: Resume returns
// nil, Cancel closes it, or the callback runs (a Resume that raced with
// the hang-up then returns ErrNotParked). Parked is safe for concurrent
// use.
type Parked struct {
	s       *session
	raw     []byte // head then body
	headLen int
	state   atomic.Int32 // parkWaiting, parkDone or parkGone

	mu       sync.Mutex
	onHangup func() // mu guards onHangup
}

const (
	parkWaiting = iota
	parkDone
	parkGone
)

// ErrNotParked is returned by Resume when the request was already
// answered or its client has gone.
var ErrNotParked = errors.New("netloop: request is no longer parked")

// Park detaches the response from the handler: when the handler returns,
// nothing is sent and the connection waits, holding the request, until
// Resume answers it. What the handler wrote is discarded. Park must be
// called before anything has been flushed; it returns nil otherwise.
func (w *Response) Park() *Parked {
	if w.sent || w.park != nil {
		return nil
	}
	w.park = &Parked{s: w.s}
	return w.park
}

// Unpark undoes Park before the handler returns: the response is sent as
// usual. A Resume that raced with it gets ErrNotParked.
func (w *Response) Unpark() {
	if p := w.park; p != nil {
		p.state.CompareAndSwap(parkWaiting, parkDone)
		w.park = nil
	}
}

// park keeps the request of a handler that called Park.
func (s *session) park(p *Parked, r *Request) {
	head := s.curHead
	p.raw = make([]byte, 0, len(head)+len(r.Body))
	p.raw = append(append(p.raw, head...), r.Body...)
	p.headLen = len(head)
	// A parked connection may wait for minutes, and a server may hold
	// tens of thousands: keep only the copy above (settle gives the
	// exchange back), and let Resume build the request and response anew.
	s.x.resp.body = s.x.resp.body[:0]
	if len(s.out) == 0 { // answers to earlier pipelined requests may wait in out
		s.out = nil
	}
	s.head, s.body, s.curHead = nil, nil, nil
	s.state = stParked
	s.parked = p
}

// releaseParked lets go of the buffers a parked connection has emptied:
// the answers to requests pipelined before the parked one, once flushed,
// and the unfinished input of a request whose head came in pieces. A
// parked connection may wait for minutes, and a server may hold tens of
// thousands. s.mu is held.
func (s *session) releaseParked() {
	if len(s.out) == 0 {
		s.out = nil
	}
	if len(s.pend) == 0 {
		s.pend = nil
	}
}

// drowsy reports whether the connection may sleep (npConn.doze): its
// request is parked, and no input or output waits. It does not wait for
// mu: whoever holds it is busy with the connection.
func (s *session) drowsy() bool {
	if !s.mu.TryLock() {
		return false
	}
	defer s.unlock()
	return s.state == stParked && len(s.pend) == 0 && len(s.out) == 0 && !s.carrying && !s.gone.Load()
}

// OnHangup registers f to run if the client disconnects (or the server
// closes the connection) while the request is parked. It runs at once if
// that has already happened.
func (p *Parked) OnHangup(f func()) {
	p.mu.Lock()
	if p.state.Load() == parkGone {
		p.mu.Unlock()
		f()
		return
	}
	p.onHangup = f
	p.mu.Unlock()
}

func (p *Parked) hangup() {
	if p.state.CompareAndSwap(parkWaiting, parkGone) {
		p.lost()
	}
}

// Resume answers the parked request: it rebuilds the request and calls h
// as a handler would be called. h may call Park again. Resume sends the
// answer itself when the transport can write it without waiting (netpoll:
// the socket takes it at once, as it takes a long poll's small answer);
// what is left, and input that arrived meanwhile, a task of the
// connection's own sends and serves, so that Resume returns once h has
// and a client that does not read, or pipelines slow requests, delays no
// other connection's resumption. While another goroutine serves the
// connection, the resumption itself is left to that task, and h runs
// later, unless the client goes (or the server drops the request)
// before the task starts: Resume has returned nil by then, and the
// owner is not told again. Resume returns ErrNotParked when the request
// was already answered or its client had gone; in the second case the
// OnHangup callback has run.
func (p *Parked) Resume(h Handler) error {
	if !p.state.CompareAndSwap(parkWaiting, parkDone) {
		return ErrNotParked
	}
	s := p.s
	if !s.mu.TryLock() {
		// Another goroutine serves the connection: Input flushing earlier
		// answers to a client that does not read, say. Rather than wait
		// for it, leave the resumption to a task of the connection's own.
		if s.gone.Load() {
			p.lost()
			return ErrNotParked
		}
		s.srv.workers.spawn(func() {
			s.mu.Lock()
			s.resume(p, h)
		})
		return nil
	}
	if err := s.resume(p, h); err != nil {
		p.lost()
		return err
	}
	return nil
}

// lost runs the owner's hang-up callback, once: from hangup, or from a
// Resume that took the request from its parked state and found it
// could not be answered after all (its client had gone, or the server
// dropped the request for a flood of input behind it), when the
// hang-up, finding the request no longer waiting, told no one.
func (p *Parked) lost() {
	p.mu.Lock()
	f := p.onHangup
	p.onHangup = nil
	p.mu.Unlock()
	if f != nil {
		f()
	}
}

// resume is Resume with s.mu held; it releases it. It returns
// ErrNotParked when the connection has closed or no longer holds p.
func (s *session) resume(p *Parked, h Handler) error {
	defer s.unlock()
	defer s.recoverConn()
	if s.gone.Load() || s.state != stParked || s.parked != p {
		return ErrNotParked
	}
	s.parked = nil
	cfg := s.cfg()
	s.acquire()
	s.x.hp.reset()
	if _, done, st := s.x.hp.parse(p.raw[:p.headLen], cfg); !done || st != 0 {
		s.fail(500)
		s.carryOn()
		return nil
	}
	s.x.req.reset()
	fr, _ := s.x.hp.analyze(p.raw[:p.headLen], &s.x.req, cfg)
	s.x.fr = fr
	s.x.req.Body = p.raw[p.headLen:]
	s.curHead = p.raw[:p.headLen]
	w, r := s.start()
	lent := s.borrowOut()
	s.holding = true
	s.servePanicSafe(h, w, r)
	if w.park != nil {
		s.holding = false
		np := w.park
		np.s = s
		// Parked again: keep the same copy of the request.
		np.raw, np.headLen = p.raw, p.headLen
		s.state, s.parked, s.curHead = stParked, np, nil
		s.x.resp.body = s.x.resp.body[:0]
		s.giveBackOut(lent)
		s.releaseParked()
		s.release()
		return nil
	}
	s.complete()
	s.holding = false
	if s.sendNow() {
		// All of it went, and no input waits: the connection needs no
		// task of its own, and the goroutine that resumes the next
		// waiter sends that one's answer too.
		s.settle()
		s.giveBackOut(lent)
		return nil
	}
	s.carryOn()
	return nil
}

// resumeOut lends output buffers to resumed requests: a parked connection
// holds none, and an answer sent at once (sendNow) needs one only while
// it is written, so a wake of many waiters reuses a few buffers instead
// of making one per waiter.
var resumeOut = sync.Pool{New: func() any {
	b := make([]byte, 0, 2<<10)
	return &b
}}

// borrowOut lends s an output buffer if it has none, and returns the
// loan for giveBackOut (nil when s had a buffer). s.mu is held.
func (s *session) borrowOut() *[]byte {
	if s.out != nil {
		return nil
	}
	b := resumeOut.Get().(*[]byte)
	s.out = (*b)[:0]
	return b
}

// giveBackOut returns the buffer borrowOut lent once s has sent
// everything in it; while bytes wait in it for the connection's task,
// the buffer stays with the connection. s.mu is held.
func (s *session) giveBackOut(lent *[]byte) {
	if lent == nil || len(s.out) > 0 || s.out == nil {
		return
	}
	if cap(s.out) <= 16<<10 {
		*lent = s.out[:0]
		resumeOut.Put(lent)
	}
	s.out = nil
}

// trySender is implemented by a Conn that can write without waiting:
// TrySend writes as much of p as the socket takes at once and returns
// how many bytes that was. Its caller holds nothing else queued on the
// connection, so the bytes go out in order.
type trySender interface {
	TrySend(p []byte) (int, error)
}

// sendNow writes the answer Resume left in out, on the resuming
// goroutine, when the connection can take it at once: a resumed long
// poll's answer is small and its socket's buffer empty, so sending it
// here spares a task and a goroutine switch per waiter. It reports
// whether nothing is left for the connection's task: everything was
// sent and no pipelined input waits. What does not fit at once (a
// client that does not read, a large answer) is left to the task, so
// a slow client still holds no goroutine that other clients wait for.
// s.mu is held.
func (s *session) sendNow() bool {
	ts, ok := s.c.(trySender)
	if !ok || len(s.pend) > 0 || s.carrying || s.writeErr || s.gone.Load() {
		return false
	}
	if len(s.out) > 0 {
		n, err := ts.TrySend(s.out)
		if n > 0 {
			s.out = s.out[:copy(s.out, s.out[n:])]
		}
		if err != nil || len(s.out) > 0 {
			return false // the task's Send waits for the rest, or fails
		}
	}
	return true
}

// carryOn queues the connection's task that sends what Resume left in
// out and goes on with input that arrived while the request was parked.
// s.mu is held.
func (s *session) carryOn() {
	if s.carrying {
		return
	}
	s.carrying = true
	s.srv.carried.Add(1)
	s.srv.workers.spawn(s.goOn)
}

// goOn is the task carryOn queues.
func (s *session) goOn() {
	s.mu.Lock()
	defer s.unlock()
	defer s.recoverConn()
	s.carrying = false
	if s.state == stClosed || s.gone.Load() {
		return
	}
	if s.state == stIdle && len(s.pend) > 0 && !s.writeErr {
		data := s.pend
		s.pend = nil
		n := s.process(data)
		if s.state < stClosing {
			s.pend = append(s.pend[:0], data[n:]...)
		}
	}
	s.settle()
}

// Cancel forgets the parked request without answering it and closes the
// connection.
func (p *Parked) Cancel() {
	if !p.state.CompareAndSwap(parkWaiting, parkDone) {
		return
	}
	p.s.c.Close()
}
