package netloop

import (
	"log/slog"
	"sync"
	"sync/atomic"
)

// This file holds a session's state and the exchange it borrows for each
// request. Its reading side is in input.go, its writing side in
// output.go, and how it ends (deadlines, closing, hang-up) in closing.go.

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

	deadline atomic.Int64 // a monotonic time (package monotime); read by the wheel
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

var _ Stream = (*session)(nil)

// logger is the default logger for servers without one.
var logger = slog.Default()
