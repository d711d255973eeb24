package netloop

import (
	"fmt"
	"runtime/debug"
)

// This file holds a session's reading side: input parsed into requests
// and their bodies as it arrives, and each complete request handed to
// the handler.

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
