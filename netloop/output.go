package netloop

import (
	"strconv"
)

// This file holds a session's writing side: a response's head and body
// queued with its framing, the bytes handed to the connection, and the
// answer to a request that cannot be served.

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
