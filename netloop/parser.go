package netloop

import (
	"bytes"
	"math"
)

// span is a half-open byte range [s, e) relative to the start of a
// request's pending bytes.
type span struct{ s, e int32 }

func (sp span) of(base []byte) []byte { return base[sp.s:sp.e:sp.e] }

type fieldSpan struct{ name, value span }

// headParser splits a request head into lines incrementally: bytes
// already split are not scanned again when more arrive, so a head sent a
// byte at a time costs linear time. All offsets are relative to the first
// pending byte of the request.
type headParser struct {
	scan    int  // offset of the first byte not yet split into a line
	start   int  // offset of the request line (after one tolerated CRLF)
	gotLine bool // the request line has been split
	hdrLen  int  // bytes of header lines so far
	method  span
	target  span
	minor   int
	fields  []fieldSpan
}

func (p *headParser) reset() {
	*p = headParser{fields: p.fields[:0]}
}

// parse advances over the complete lines of data, which holds the
// request's pending bytes from its start. It returns done with the head's
// length once the empty line is found, or a non-zero status on error.
func (p *headParser) parse(data []byte, cfg *Config) (end int, done bool, status int) {
	for {
		rest := data[p.scan:]
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			return 0, false, p.checkPartial(rest, cfg)
		}
		if nl == 0 || rest[nl-1] != '\r' {
			return 0, false, 400 // bare LF
		}
		line := rest[: nl-1 : nl-1]
		ls := p.scan
		p.scan += nl + 1
		if !p.gotLine {
			if len(line) == 0 && ls == 0 {
				p.start = p.scan // one empty line before the request line is tolerated
				continue
			}
			if len(line) > cfg.MaxRequestLine {
				return 0, false, 414
			}
			if st := p.requestLine(line, int32(ls)); st != 0 {
				return 0, false, st
			}
			p.gotLine = true
			continue
		}
		p.hdrLen += nl + 1
		if p.hdrLen > cfg.MaxHeaderBytes {
			return 0, false, 431
		}
		if len(line) == 0 {
			return p.scan, true, 0
		}
		if len(p.fields) >= cfg.MaxHeaderFields {
			return 0, false, 431
		}
		f, st := fieldLine(line, int32(ls))
		if st != 0 {
			return 0, false, st
		}
		p.fields = append(p.fields, f)
	}
}

// checkPartial judges an unterminated line: too long, or holding a CR
// that is not followed by LF.
func (p *headParser) checkPartial(rest []byte, cfg *Config) int {
	if !p.gotLine {
		if len(rest) > cfg.MaxRequestLine+1 {
			return 414
		}
	} else if p.hdrLen+len(rest) > cfg.MaxHeaderBytes+1 {
		return 431
	}
	if i := bytes.IndexByte(rest, '\r'); i >= 0 && i+1 < len(rest) {
		return 400 // bare CR
	}
	return 0
}

// requestLine checks method SP request-target SP HTTP-version.
func (p *headParser) requestLine(line []byte, off int32) int {
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 {
		return 400
	}
	if !isToken(line[:sp1]) {
		return 400
	}
	rest := line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	if sp2 <= 0 {
		return 400
	}
	target, version := rest[:sp2], rest[sp2+1:]
	for _, c := range target {
		if !uriChar[c] {
			return 400
		}
	}
	// HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive.
	if len(version) != 8 || string(version[:5]) != "HTTP/" || version[6] != '.' ||
		!isDigit(version[5]) || !isDigit(version[7]) {
		return 400
	}
	if version[5] != '1' {
		return 505
	}
	p.minor = int(version[7] - '0')
	if p.minor > 1 {
		p.minor = 1
	}
	p.method = span{off, off + int32(sp1)}
	ts := off + int32(sp1) + 1
	p.target = span{ts, ts + int32(sp2)}
	return 0
}

// fieldLine checks field-name ":" OWS field-value OWS.
func fieldLine(line []byte, off int32) (fieldSpan, int) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return fieldSpan{}, 400 // no colon, empty name, or obs-fold's leading space
	}
	if !isToken(line[:colon]) {
		return fieldSpan{}, 400 // whitespace before the colon lands here too
	}
	vs, ve := colon+1, len(line)
	for vs < ve && (line[vs] == ' ' || line[vs] == '\t') {
		vs++
	}
	for ve > vs && (line[ve-1] == ' ' || line[ve-1] == '\t') {
		ve--
	}
	for _, c := range line[vs:ve] {
		if !valueChar[c] {
			return fieldSpan{}, 400
		}
	}
	return fieldSpan{
		name:  span{off, off + int32(colon)},
		value: span{off + int32(vs), off + int32(ve)},
	}, 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// framing is what a request head says about its body and connection.
type framing struct {
	contentLength int64 // -1 when absent
	chunked       bool
	keepAlive     bool
	expect100     bool
}

// analyze fills r from the head in base (the request's pending bytes) and
// decides the body's framing, applying the strict policy.
func (p *headParser) analyze(base []byte, r *Request, cfg *Config) (fr framing, status int) {
	r.Method = p.method.of(base)
	r.Target = p.target.of(base)
	r.ProtoMinor = p.minor
	r.fields = r.fields[:0]
	fr.contentLength = -1
	var host, te []byte
	hosts, tes := 0, 0
	var connClose, connKeep bool
	for _, fs := range p.fields {
		f := Field{Name: fs.name.of(base), Value: fs.value.of(base)}
		r.fields = append(r.fields, f)
		switch len(f.Name) {
		case 4:
			if equalFold(f.Name, "host") {
				hosts++
				host = f.Value
			}
		case 6:
			if equalFold(f.Name, "expect") {
				if !equalFold(f.Value, "100-continue") {
					return fr, 417
				}
				fr.expect100 = true
			}
		case 10:
			if equalFold(f.Name, "connection") {
				connClose = connClose || hasToken(f.Value, "close")
				connKeep = connKeep || hasToken(f.Value, "keep-alive")
			}
		case 14:
			if equalFold(f.Name, "content-length") {
				n, ok := parseContentLength(f.Value)
				if !ok || fr.contentLength >= 0 && fr.contentLength != n {
					return fr, 400
				}
				fr.contentLength = n
			}
		case 17:
			if equalFold(f.Name, "transfer-encoding") {
				tes++
				te = f.Value
			}
		}
	}
	// Transfer-Encoding is judged after every field is seen, so that
	// the answer does not depend on field order: its presence with a
	// Content-Length, on HTTP/1.0 or twice is malformed whatever its
	// value; a single coding other than chunked is merely unsupported.
	if tes > 0 {
		switch {
		case fr.contentLength >= 0 || p.minor == 0 || tes > 1:
			return fr, 400
		case equalFold(te, "chunked"):
			fr.chunked = true
		case isToken(te):
			return fr, 501
		default:
			return fr, 400
		}
	}
	if p.minor == 1 && hosts != 1 || hosts > 1 {
		return fr, 400
	}
	if hosts == 1 && !validHost(host) {
		return fr, 400
	}
	if st := splitTarget(r, host); st != 0 {
		return fr, st
	}
	if p.minor == 1 {
		fr.keepAlive = !connClose
	} else {
		fr.keepAlive = connKeep && !connClose
		fr.expect100 = false
	}
	if fr.contentLength > cfg.MaxBodyBytes {
		return fr, 413
	}
	return fr, 0
}

// parseContentLength parses 1*DIGIT into a non-negative int64.
func parseContentLength(v []byte) (int64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range v {
		if !isDigit(c) {
			return 0, false
		}
		// Checked before the multiplication, which would otherwise wrap:
		// 18446744073709551620 would read as 4.
		d := int64(c - '0')
		if n > (math.MaxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// validHost checks a Host value: empty, or uri-host [":" port] where
// an IP-literal is written in brackets.
func validHost(h []byte) bool {
	if len(h) == 0 {
		return true
	}
	for _, c := range h {
		if !hostChar[c] {
			return false
		}
	}
	if h[0] == '[' {
		end := bytes.IndexByte(h, ']')
		if end < 2 || bytes.IndexByte(h[1:end], '[') >= 0 {
			return false
		}
		h = h[end+1:]
		if len(h) == 0 {
			return true
		}
		if h[0] != ':' {
			return false
		}
		return allDigits(h[1:])
	}
	if bytes.ContainsAny(h, "[]") {
		return false
	}
	if i := bytes.IndexByte(h, ':'); i >= 0 {
		return i > 0 && allDigits(h[i+1:])
	}
	return true
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// splitTarget classifies the request-target and fills Path, Query and
// Host from it.
func splitTarget(r *Request, host []byte) int {
	t := r.Target
	r.Host = host
	switch {
	case len(t) > 0 && t[0] == '/':
		r.Path, r.Query = splitQuery(t)
	case len(t) == 1 && t[0] == '*':
		if string(r.Method) != "OPTIONS" {
			return 400
		}
	case hasSchemePrefix(t):
		rest := t[bytes.Index(t, []byte("://"))+3:]
		slash := bytes.IndexAny(rest, "/?")
		auth := rest
		if slash >= 0 {
			auth = rest[:slash]
		}
		if len(auth) == 0 || !validHost(auth) || bytes.IndexByte(auth, '@') >= 0 {
			return 400
		}
		r.Host = auth
		if slash < 0 {
			r.Path = []byte("/")
		} else if rest[slash] == '?' {
			r.Path = []byte("/")
			r.Query = rest[slash+1:]
		} else {
			r.Path, r.Query = splitQuery(rest[slash:])
		}
	default:
		return 400
	}
	return 0
}

func splitQuery(t []byte) (path, query []byte) {
	if i := bytes.IndexByte(t, '?'); i >= 0 {
		return t[:i], t[i+1:]
	}
	return t, nil
}

func hasSchemePrefix(t []byte) bool {
	return len(t) > 7 && equalFold(t[:7], "http://") || len(t) > 8 && equalFold(t[:8], "https://")
}
