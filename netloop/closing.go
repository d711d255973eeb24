package netloop

import (
	"fmt"
	"math"
	"runtime/debug"
)

// This file holds how a session ends: the deadline of each state, the
// half-close that lets a client read its last response, closing, and
// the hang-up protocol between the transport and the holder of mu.

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
		s.releaseParked()
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
