package netloop

import (
	"bytes"
	"errors"
	"strconv"
)

// Handler answers requests. ServeHTTP runs on the connection's goroutine
// and must not block for long: a netpoll connection waits while it runs.
type Handler interface {
	ServeHTTP(w *Response, r *Request)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(w *Response, r *Request)

// ServeHTTP calls f(w, r).
func (f HandlerFunc) ServeHTTP(w *Response, r *Request) { f(w, r) }

// ErrBadHeader is returned when a response header name or value is not
// valid on the wire.
var ErrBadHeader = errors.New("netloop: invalid response header")

// ErrResponseDone is returned by writes after the response has been
// completed or the connection has failed.
var ErrResponseDone = errors.New("netloop: response already finished")

// Response builds the answer to one request. The body is buffered and sent
// with a Content-Length when the handler returns; a handler that calls
// Flush, or writes more than the connection's output cap, streams the rest
// (chunked on HTTP/1.1, until close on HTTP/1.0). A Response is owned by
// its connection and is not safe for concurrent use.
type Response struct {
	s       *session
	status  int
	header  []byte // serialized "Name: value\r\n" lines set by the handler
	body    []byte
	length  int64   // declared Content-Length, -1 if none
	sent    bool    // the head has been written
	chunked bool    // streaming with chunked framing
	noBody  bool    // HEAD, 1xx, 204, 304: no body on the wire
	close   bool    // close the connection after this response
	err     error   // first write error on a streamed response
	park    *Parked // set by Park
}

func (w *Response) reset(s *session) {
	*w = Response{s: s, status: 200, header: w.header[:0], body: w.body[:0], length: -1}
}

// SetStatus sets the status code sent with the head (default 200). It has
// no effect once the head has been sent. Codes outside 100–999 are
// replaced by 500.
func (w *Response) SetStatus(code int) {
	if w.sent {
		return
	}
	if code < 100 || code > 999 {
		code = 500
	}
	w.status = code
}

// Status returns the status code set so far.
func (w *Response) Status() int { return w.status }

// AddHeader adds a header field. Fields the server manages (Date,
// Content-Length, Transfer-Encoding, Connection) are rejected, as are
// names that are not tokens and values with control characters.
func (w *Response) AddHeader(name, value string) error {
	if w.sent {
		return ErrResponseDone
	}
	if !ValidHeaderName(name) || !ValidHeaderValue(value) || managedHeader(name) {
		return ErrBadHeader
	}
	w.header = append(w.header, name...)
	w.header = append(w.header, ": "...)
	w.header = append(w.header, value...)
	w.header = append(w.header, "\r\n"...)
	return nil
}

// SetHeader replaces every header field named name with one field.
func (w *Response) SetHeader(name, value string) error {
	if w.sent {
		return ErrResponseDone
	}
	if !ValidHeaderName(name) || !ValidHeaderValue(value) || managedHeader(name) {
		return ErrBadHeader
	}
	w.DelHeader(name)
	return w.AddHeader(name, value)
}

// DelHeader removes every header field named name.
func (w *Response) DelHeader(name string) {
	if w.sent {
		return
	}
	out := w.header[:0]
	for rest := w.header; len(rest) > 0; {
		end := bytes.Index(rest, []byte("\r\n")) + 2
		line := rest[:end]
		rest = rest[end:]
		colon := bytes.IndexByte(line, ':')
		if colon == len(name) && equalFold(line[:colon], name) {
			continue
		}
		out = append(out, line...)
	}
	w.header = out
}

// HeaderValue returns the value of the first header field named name
// set so far, and whether there is one.
func (w *Response) HeaderValue(name string) (string, bool) {
	for rest := w.header; len(rest) > 0; {
		end := bytes.Index(rest, []byte("\r\n"))
		line := rest[:end]
		rest = rest[end+2:]
		if colon := bytes.IndexByte(line, ':'); colon == len(name) && equalFold(line[:colon], name) {
			return string(bytes.TrimLeft(line[colon+1:], " ")), true
		}
	}
	return "", false
}

// Body returns the body written and not yet sent. It must not be kept
// past the handler's return.
func (w *Response) Body() []byte { return w.body }

// SetBody replaces the body written and not yet sent with b, which the
// Response then owns. It reports false when the head has been sent.
func (w *Response) SetBody(b []byte) bool {
	if w.sent {
		return false
	}
	w.body = b
	return true
}

// HeaderFields returns the number of header fields set and their size in
// bytes as sent, so that callers can cap them.
func (w *Response) HeaderFields() (n, size int) {
	return bytes.Count(w.header, []byte("\r\n")), len(w.header)
}

// Reset discards the status, headers and body set so far. It reports
// false when the head has already been sent and nothing can be undone.
func (w *Response) Reset() bool {
	if w.sent {
		return false
	}
	w.status, w.header, w.body, w.length = 200, w.header[:0], w.body[:0], -1
	return true
}

// ResetBody discards the body written so far, keeping status and
// headers. It reports false when the head has already been sent.
func (w *Response) ResetBody() bool {
	if w.sent {
		return false
	}
	w.body, w.length = w.body[:0], -1
	return true
}

// Abort gives up on a response whose head has been sent: the connection
// is closed after what was already written, without completing the body's
// framing, so the client sees a broken response rather than a complete
// but truncated one.
func (w *Response) Abort() {
	w.close = true
	if w.err == nil {
		w.err = ErrResponseDone
	}
}

// Sent reports whether the head has been sent.
func (w *Response) Sent() bool { return w.sent }

// BodyLen returns the number of body bytes written and not yet sent.
func (w *Response) BodyLen() int { return len(w.body) }

// SetContentLength declares the body's length in advance, so that a
// large body is streamed with a Content-Length instead of chunked.
func (w *Response) SetContentLength(n int64) {
	if !w.sent && n >= 0 {
		w.length = n
	}
}

// SetClose asks for the connection to be closed after this response.
func (w *Response) SetClose() { w.close = true }

// A SavedResponse is a copy of a buffered response's status, header
// fields and body, which Replay gives to another request. It is
// immutable and safe to share between goroutines.
type SavedResponse struct {
	status int
	header []byte
	body   []byte
}

// Save copies the response built so far. It reports false when the
// response cannot be replayed: its head has gone out, it declared a
// length it has not written, or it asked for the connection to close.
func (w *Response) Save() (SavedResponse, bool) {
	if w.sent || w.close || w.err != nil || (w.length >= 0 && w.length != int64(len(w.body))) {
		return SavedResponse{}, false
	}
	return SavedResponse{
		status: w.status,
		header: append([]byte(nil), w.header...),
		body:   append([]byte(nil), w.body...),
	}, true
}

// Replay replaces the status, header fields and body set so far with a
// saved response's. It reports false when the head has been sent.
func (w *Response) Replay(r SavedResponse) bool {
	if w.sent {
		return false
	}
	w.status, w.length = r.status, -1
	w.header = append(w.header[:0], r.header...)
	w.body = append(w.body[:0], r.body...)
	return true
}

func managedHeader(name string) bool {
	switch len(name) {
	case 4:
		return equalFold([]byte(name), "date")
	case 10:
		return equalFold([]byte(name), "connection")
	case 14:
		return equalFold([]byte(name), "content-length")
	case 17:
		return equalFold([]byte(name), "transfer-encoding")
	}
	return false
}

// Write appends p to the body.
func (w *Response) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.body = append(w.body, p...)
	if len(w.body) >= w.s.srv.cfg.MaxOutputBytes {
		w.Flush()
	}
	return len(p), w.err
}

// WriteString appends s to the body.
func (w *Response) WriteString(s string) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	w.body = append(w.body, s...)
	if len(w.body) >= w.s.srv.cfg.MaxOutputBytes {
		w.Flush()
	}
	return len(s), w.err
}

// Flush sends the head, if not yet sent, and the body written so far.
func (w *Response) Flush() error {
	if w.err != nil {
		return w.err
	}
	s := w.s
	if !w.sent {
		if w.length < 0 {
			if s.x.req.ProtoMinor == 1 {
				w.chunked = true
			} else {
				w.close = true
			}
		}
		s.writeHead(w, -1)
	}
	s.writeBody(w, w.body)
	w.body = w.body[:0]
	w.err = s.flush()
	return w.err
}

// finish completes the response after the handler returns.
func (w *Response) finish() {
	s := w.s
	if !w.sent {
		s.writeHead(w, int64(len(w.body)))
		s.writeBody(w, w.body)
	} else {
		s.writeBody(w, w.body)
		if w.chunked && !w.noBody && w.err == nil {
			s.out = append(s.out, "0\r\n\r\n"...)
		}
	}
	if w.length >= 0 && w.sent && !w.noBody && w.written() != w.length {
		// The handler broke its own declared length: the framing is
		// wrong, so the connection cannot be reused.
		w.close = true
	}
	w.body = w.body[:0]
}

func (w *Response) written() int64 { return w.s.bodyOut }

var statusText = map[int]string{
	100: "Continue", 101: "Switching Protocols",
	200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 206: "Partial Content",
	301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
	307: "Temporary Redirect", 308: "Permanent Redirect",
	400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
	405: "Method Not Allowed", 408: "Request Timeout", 409: "Conflict", 410: "Gone",
	411: "Length Required", 413: "Content Too Large", 414: "URI Too Long",
	415: "Unsupported Media Type", 416: "Range Not Satisfiable", 417: "Expectation Failed",
	429: "Too Many Requests", 431: "Request Header Fields Too Large",
	500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
	503: "Service Unavailable", 504: "Gateway Timeout", 505: "HTTP Version Not Supported",
}

// StatusText returns the reason phrase for code, or "" if unknown.
func StatusText(code int) string { return statusText[code] }

// statusLines caches "HTTP/1.1 NNN Reason\r\n" for known codes.
var statusLines = func() map[int]string {
	m := make(map[int]string, len(statusText))
	for code, text := range statusText {
		m[code] = "HTTP/1.1 " + strconv.Itoa(code) + " " + text + "\r\n"
	}
	return m
}()

func appendStatusLine(b []byte, code int) []byte {
	if l, ok := statusLines[code]; ok {
		return append(b, l...)
	}
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(code), 10)
	return append(b, " \r\n"...)
}
