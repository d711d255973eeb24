package netloop

import (
	"bytes"
	"net"
)

// Request is one parsed HTTP/1.1 request. Its byte slices point into the
// connection's input and are valid only until the handler returns; copy
// what must outlive the call. A Request is owned by one connection and is
// not safe for concurrent use.
type Request struct {
	// Method is the request method, a token, e.g. "GET".
	Method []byte
	// Target is the request-target exactly as received: origin-form
	// ("/p?q"), absolute-form ("http://h/p?q"), authority-form (CONNECT)
	// or "*" (OPTIONS).
	Target []byte
	// Path is the target's path ("/p"), empty for authority-form and "*".
	Path []byte
	// Query is the target's query without the "?", possibly empty.
	Query []byte
	// Host is the authority the request is for: from an absolute-form
	// target if present, else the Host field. May be empty on HTTP/1.0.
	Host []byte
	// ProtoMinor is the minor version of HTTP/1.x (0 or 1; higher minors
	// are treated as 1).
	ProtoMinor int
	// Body is the whole request body, decoded from chunked framing when
	// it was chunked. Empty when there is none.
	Body []byte
	// RemoteAddr is the peer's address.
	RemoteAddr net.Addr

	fields   []Field
	keepOpen bool
}

// Field is one header field. Name keeps the case it was sent with; Value
// has surrounding whitespace removed.
type Field struct {
	Name, Value []byte
}

// Fields returns the request's header fields in the order received.
// The slice must not be modified.
func (r *Request) Fields() []Field { return r.fields }

// Header returns the value of the first field named name (compared
// without regard to case), or nil.
func (r *Request) Header(name string) []byte {
	for i := range r.fields {
		if equalFold(r.fields[i].Name, name) {
			return r.fields[i].Value
		}
	}
	return nil
}

// IsHead reports whether the method is HEAD.
func (r *Request) IsHead() bool { return string(r.Method) == "HEAD" }

func (r *Request) reset() {
	*r = Request{fields: r.fields[:0]}
}

func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c, d := b[i], s[i]
		if c == d {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// hasToken reports whether the comma-separated list v holds token tok.
func hasToken(v []byte, tok string) bool {
	for len(v) > 0 {
		var item []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			item, v = v[:i], v[i+1:]
		} else {
			item, v = v, nil
		}
		if equalFold(bytes.Trim(item, " \t"), tok) {
			return true
		}
	}
	return false
}
