package netloop

import (
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
)

// connState is where a connection stands between requests.
type connState uint8

const (
	stIdle    connState = iota // between requests, nothing pending
	stHead                     // part of a request head has arrived
	stBody                     // reading a Content-Length body
	stChunked                  // reading a chunked body
	stParked                   // the handler parked the request; see Parked
	stClosing                  // the last response is queued; close after flushing
	stLinger                   // half-closed; discarding input until the peer closes
	stClosed
)

// session is the HTTP/1.1 state of one connection: the parser state kept
// between reads, the request being read and the response being written.
// It implements Stream.
type session struct {
	srv *Server
	c   Conn

	// gone is set by Hangup: the transport has closed the connection.
	// Whoever holds mu when it is set finishes the hang-up as it
	// unlocks (see unlock and reap).
	gone atomic.Bool

	// mu guards every field below. Input holds it while it parses and
	// runs the handler, Resume while it runs a parked request's handler;
	// the timer wheel and Shutdown only TryLock it. Every holder releases
	// it with unlock.
	mu       sync.Mutex
	state    connState
	pend     []byte    // input not consumed yet: the unfinished part of a request
	x        *exchange // the request in progress; nil between requests
	head     []byte    // copy of a head whose body spans several reads
	curHead  []byte    // the head of the request being dispatched
	parked   *Parked
	body     []byte // body bytes copied as they arrive
	left     int64  // Content-Length bytes still to read
	out      []byte // response bytes not yet handed to c
	bodyOut  int64  // body bytes of the current response written
	timed    bool   // the current phase's deadline is set
	sent100  bool   // 100 Continue was sent for the current request
	writeErr bool   // a write failed: the connection is dead
	carrying bool   // a task is queued to flush and go on after a Resume
	holding  bool   // Resume runs a handler: flush keeps bytes for that task

	deadline atomic.Int64 // unix nanoseconds; read by the wheel
	slot     int64        // wheel slot tick; guarded by the wheel's mu
}

func (s *session) cfg() *Config { return &s.srv.cfg }

// exchange is the state of one request in progress: its parser, framing,
// the request and its response. A connection holds one only while it
// reads or answers a request; an idle or parked connection gives it back,
// so that tens of thousands of waiting connections do not each keep one.
type exchange struct {
	hp   headParser
	fr   framing
	cd   chunkDecoder
	req  Request
	resp Response
}

var exchanges = sync.Pool{New: func() any { return new(exchange) }}

// acquire gives the session an exchange if it has none.
func (s *session) acquire() {
	if s.x == nil {
		s.x = exchanges.Get().(*exchange)
	}
}

// release gives the exchange back once no request is in progress: the
// connection is idle with nothing pending, parked, or done.
func (s *session) release() {
	x := s.x
	if x == nil {
		return
	}
	switch s.state {
	case stIdle:
		if len(s.pend) > 0 {
			return
		}
	case stParked, stLinger, stClosed:
	default:
		return
	}
	s.x = nil
	// Keep the buffers (within bounds) for the next request, and nothing
	// that points into this connection's input.
	x.hp.reset()
	x.fr, x.cd = framing{}, chunkDecoder{}
	fields := x.req.fields[:0]
	if cap(fields) > 64 {
		fields = nil
	}
	x.req = Request{fields: fields}
	header, body := x.resp.header[:0], x.resp.body[:0]
	if cap(header) > 4<<10 {
		header = nil
	}
	if cap(body) > 64<<10 {
		body = nil
	}
	x.resp = Response{header: header, body: body}
	exchanges.Put(x)
}

// Input implements Stream.
func (s *session) Input(p []byte) {
	s.mu.Lock()
	defer s.unlock()
	defer s.recoverConn()
	switch s.state {
	case stLinger, stClosing, stClosed:
		return // discarded
	case stParked:
		// A pipelined request behind a parked one waits its turn, within
		// the limits of a request head.
		if len(s.pend)+len(p) > s.cfg().MaxHeaderBytes+s.cfg().MaxRequestLine {
			pk := s.parked
			s.parked = nil
			s.fail(431)
			s.settle()
			pk.hangup()
			return
		}
		s.pend = append(s.pend, p...)
		return
	}
	data, pended := p, len(s.pend) > 0
	if pended {
		s.pend = append(s.pend, p...)
		data = s.pend
	}
	n := s.process(data)
	if s.state >= stClosing {
		s.pend = s.pend[:0]
	} else if rest := data[n:]; pended {
		s.pend = s.pend[:copy(s.pend, rest)]
	} else if len(rest) > 0 {
		s.pend = append(s.pend[:0], rest...)
	}
	if len(s.pend) == 0 && cap(s.pend) > 4<<10 {
		s.pend = nil
	}
	s.settle()
}

// process handles the requests in data, which starts at the first
// unconsumed byte, and returns how many bytes it consumed.
func (s *session) process(data []byte) int {
	cfg := s.cfg()
	n := 0
	for n < len(data) {
		switch s.state {
		case stIdle:
			s.state = stHead
			s.acquire()
			s.x.hp.reset()
			s.timed = false
			fallthrough
		case stHead:
			base := data[n:]
			end, done, st := s.x.hp.parse(base, cfg)
			if st != 0 {
				s.fail(st)
				return len(data)
			}
			if !done {
				return n
			}
			s.x.req.reset()
			fr, st := s.x.hp.analyze(base, &s.x.req, cfg)
			if st != 0 {
				s.fail(st)
				return len(data)
			}
			s.x.fr = fr
			s.curHead = base[:end]
			n += end
			s.sent100 = false
			switch {
			case fr.chunked:
				s.body = s.body[:0]
				s.x.cd = chunkDecoder{}
				k, done, st := s.x.cd.decode(data[n:], &s.body, cfg)
				if st != 0 {
					s.fail(st)
					return len(data)
				}
				n += k
				if done {
					s.x.req.Body = s.body
					s.dispatch()
					continue
				}
				s.keepHead(base[:end])
				s.state = stChunked
				s.timed = false
				s.continue100()
				return n
			case fr.contentLength > 0:
				cl := fr.contentLength
				if avail := int64(len(data) - n); avail < cl {
					s.keepHead(base[:end])
					s.body = append(s.body[:0], data[n:]...)
					s.left = cl - avail
					s.state = stBody
					s.timed = false
					s.continue100()
					return len(data)
				}
				s.x.req.Body = data[n : n+int(cl) : n+int(cl)]
				n += int(cl)
				s.dispatch()
			default:
				s.dispatch()
			}
		case stBody:
			k := int64(len(data) - n)
			if k > s.left {
				k = s.left
			}
			s.body = append(s.body, data[n:n+int(k)]...)
			n += int(k)
			s.left -= k
			if s.left == 0 {
				s.x.req.Body = s.body
				s.dispatch()
			}
		case stChunked:
			k, done, st := s.x.cd.decode(data[n:], &s.body, cfg)
			n += k
			if st != 0 {
				s.fail(st)
				return len(data)
			}
			if !done {
				return n
			}
			s.x.req.Body = s.body
			s.dispatch()
		case stParked:
			return n // what follows waits for the parked request's answer
		default:
			return len(data)
		}
	}
	return n
}

// keepHead copies a head whose body has not fully arrived, so that the
// request can outlive the input buffer, and points the request at it.
func (s *session) keepHead(head []byte) {
	s.head = append(s.head[:0], head...)
	s.curHead = s.head
	s.x.req.reset()
	s.x.hp.analyze(s.head, &s.x.req, s.cfg())
}

func (s *session) continue100() {
	if s.x.fr.expect100 && !s.sent100 {
		s.out = append(s.out, "HTTP/1.1 100 Continue\r\n\r\n"...)
		s.sent100 = true
	}
}

// start readies the request just parsed, and a fresh response, for a
// handler.
func (s *session) start() (*Response, *Request) {
	r := &s.x.req
	r.RemoteAddr = s.c.RemoteAddr()
	r.keepOpen = s.x.fr.keepAlive && !s.srv.draining.Load()
	w := &s.x.resp
	w.reset(s)
	s.bodyOut = 0
	w.noBody = r.IsHead()
	return w, r
}

// dispatch runs the handler on the complete request and queues its
// response.
func (s *session) dispatch() {
	w, r := s.start()
	s.serve(w, r)
	if w.park != nil {
		s.park(w.park, r)
		return
	}
	s.complete()
}

// complete finishes the response the handler wrote and moves the
// connection to its next state.
func (s *session) complete() {
	r, w := &s.x.req, &s.x.resp
	if s.srv.draining.Load() {
		r.keepOpen = false // shutting down: this is the connection's last response
	}
	if w.err == nil {
		w.finish()
	}
	if !r.keepOpen || w.close || w.err != nil {
		s.state = stClosing
	} else {
		s.state = stIdle
	}
	s.timed = false
	if cap(s.body) > 64<<10 {
		s.body = nil
	}
	if cap(s.head) > 8<<10 {
		s.head = nil
	}
	if len(s.out) >= s.cfg().MaxOutputBytes {
		s.flush()
	}
}

// serve calls the server's handler, turning a panic into a 500 (or a
// closed connection when part of the response has gone out).
func (s *session) serve(w *Response, r *Request) {
	s.servePanicSafe(s.srv.h, w, r)
}

func (s *session) servePanicSafe(h Handler, w *Response, r *Request) {
	defer func() {
		if v := recover(); v != nil {
			s.srv.log.Error("netloop: handler panic", "method", string(r.Method),
				"target", string(r.Target), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if w.sent {
				w.close = true
				w.err = ErrResponseDone
				return
			}
			w.reset(s)
			w.park = nil
			w.noBody = r.IsHead()
			w.SetStatus(500)
			w.WriteString("Internal Server Error\n")
			w.close = true
		}
	}()
	h.ServeHTTP(w, r)
}

// writeHead queues the status line and header fields of w. bodyLen is
// the body's length when known (the handler has finished), else -1.
func (s *session) writeHead(w *Response, bodyLen int64) {
	b := appendStatusLine(s.out, w.status)
	b = append(b, s.srv.clock.date()...)
	b = append(b, w.header...)
	bodiless := w.status < 200 || w.status == 204 || w.status == 304
	if bodiless {
		w.noBody = true
	}
	switch {
	case w.status < 200 || w.status == 204:
	case w.chunked:
		b = append(b, "Transfer-Encoding: chunked\r\n"...)
	case w.length >= 0:
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, w.length, 10)
		b = append(b, "\r\n"...)
	case bodyLen >= 0 && w.status != 304:
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, bodyLen, 10)
		b = append(b, "\r\n"...)
	}
	if w.close || !s.x.req.keepOpen {
		w.close = true
		b = append(b, "Connection: close\r\n"...)
	} else if s.x.req.ProtoMinor == 0 {
		b = append(b, "Connection: keep-alive\r\n"...)
	}
	s.out = append(b, "\r\n"...)
	w.sent = true
}

// writeBody queues body bytes with the response's framing.
func (s *session) writeBody(w *Response, p []byte) {
	if len(p) == 0 || w.noBody {
		return
	}
	s.bodyOut += int64(len(p))
	if w.chunked {
		s.out = strconv.AppendInt(s.out, int64(len(p)), 16)
		s.out = append(s.out, "\r\n"...)
		s.out = append(s.out, p...)
		s.out = append(s.out, "\r\n"...)
		return
	}
	s.out = append(s.out, p...)
}

// flush hands queued bytes to the connection and sends them.
// While Resume runs a handler on a worker shared by many connections,
// nothing is sent: a client that does not read must not hold that
// worker, so the bytes wait for the connection's own task (carryOn).
func (s *session) flush() error {
	if s.writeErr {
		return ErrResponseDone
	}
	if len(s.out) == 0 || s.holding {
		return nil
	}
	err := s.c.Send(s.out, s.cfg().WriteTimeout)
	if cap(s.out) > 64<<10 {
		s.out = nil
	} else {
		s.out = s.out[:0]
	}
	if err != nil {
		s.writeErr = true
		return err
	}
	return nil
}

// fail answers a request that cannot be served with status and moves the
// connection to its closing state.
func (s *session) fail(status int) {
	text := StatusText(status)
	b := appendStatusLine(s.out, status)
	b = append(b, s.srv.clock.date()...)
	b = append(b, "Content-Type: text/plain; charset=utf-8\r\nContent-Length: "...)
	b = strconv.AppendInt(b, int64(len(text)+1), 10)
	b = append(b, "\r\nConnection: close\r\n\r\n"...)
	b = append(b, text...)
	s.out = append(b, '\n')
	s.state = stClosing
}

// settle flushes what the last input produced and arms the deadline of
// the state the connection is now in.
func (s *session) settle() {
	if len(s.out) > 0 || s.state == stClosing {
		if s.flush() != nil {
			s.closeNow()
			return
		}
	}
	now := s.srv.wheel.now()
	cfg := s.cfg()
	switch s.state {
	case stIdle:
		if s.srv.draining.Load() {
			s.closeNow()
			return
		}
		s.srv.wheel.schedule(s, now+int64(cfg.IdleTimeout))
	case stHead:
		if !s.timed {
			s.timed = true
			s.srv.wheel.schedule(s, now+int64(cfg.HeaderTimeout))
		}
	case stBody, stChunked:
		if !s.timed {
			s.timed = true
			s.srv.wheel.schedule(s, now+int64(cfg.BodyTimeout))
		}
	case stParked:
		// The handler that parked the request owns its deadline.
		s.deadline.Store(math.MaxInt64)
	case stClosing:
		s.linger()
	}
	s.release()
}

// linger half-closes the connection and keeps discarding input for a
// while, so that a client still sending reads the response rather than
// a reset.
func (s *session) linger() {
	if err := s.c.CloseWrite(); err != nil {
		s.closeNow()
		return
	}
	s.state = stLinger
	s.srv.wheel.schedule(s, s.srv.wheel.now()+int64(s.cfg().LingerTimeout))
}

func (s *session) closeNow() {
	if s.state != stClosed {
		s.state = stClosed
		s.c.Close()
	}
}

// expire is called by the wheel when the deadline has passed.
func (s *session) expire(now int64) {
	if !s.mu.TryLock() {
		// Input is running: it rearms the deadline when it returns.
		s.srv.wheel.schedule(s, now+int64(s.srv.wheel.tick))
		return
	}
	defer s.unlock()
	if s.deadline.Load() > now {
		s.srv.wheel.schedule(s, s.deadline.Load())
		return
	}
	switch s.state {
	case stHead, stBody, stChunked:
		s.pend = nil
		s.fail(408)
		s.settle()
	case stClosed, stParked:
	default:
		s.closeNow()
	}
}

// closeIfIdle closes the connection if it is between requests; it
// reports whether the connection is closed.
func (s *session) closeIfIdle() bool {
	if !s.mu.TryLock() {
		return false
	}
	defer s.unlock()
	if s.state == stIdle && len(s.pend) == 0 && len(s.out) == 0 && !s.carrying {
		s.closeNow()
	}
	return s.state == stClosed
}

// forceClose closes the connection whatever it is doing.
func (s *session) forceClose() {
	s.c.Close()
}

// Hangup implements Stream. It may run inside c.Close with mu held by
// the same goroutine, or while Input or Resume runs on another, so it
// never waits for mu: it marks the session gone, and whoever holds mu
// finishes the hang-up as it unlocks.
func (s *session) Hangup() {
	s.srv.forget(s)
	s.gone.Store(true)
	s.reap()
}

// unlock releases mu and finishes a hang-up that arrived while it was
// held. Every holder of mu releases it this way.
func (s *session) unlock() {
	s.mu.Unlock()
	if s.gone.Load() {
		s.reap()
	}
}

// reap forgets what a closed connection holds and tells a parked
// request's owner that its client is gone. It does nothing while another
// goroutine holds mu: that one calls reap again as it unlocks.
func (s *session) reap() {
	if !s.mu.TryLock() {
		return
	}
	p := s.parked
	s.parked = nil
	s.state = stClosed
	s.release()
	s.pend, s.head, s.body, s.out, s.curHead = nil, nil, nil, nil, nil
	s.mu.Unlock()
	if p != nil {
		p.hangup()
	}
}

// recoverConn, deferred by every goroutine that serves the session with
// mu held, turns a panic into a log line and a closed connection: a bug
// on one connection must not take the process down. The handler's own
// panics are caught earlier (servePanicSafe) and answered with 500.
func (s *session) recoverConn() {
	if v := recover(); v != nil {
		s.srv.log.Error("netloop: panic while serving a connection",
			"remote", s.c.RemoteAddr(), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		s.state = stClosed
		s.c.Close()
	}
}

var _ Stream = (*session)(nil)

// logger is the default logger for servers without one.
var logger = slog.Default()
