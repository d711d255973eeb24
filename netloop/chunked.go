package netloop

import "bytes"

// chunkDecoder decodes a chunked request body (RFC 9112 §7.1)
// incrementally. It consumes whole chunk lines only, so an unfinished
// line stays with the caller until more bytes arrive; chunk data is
// consumed as it comes.
type chunkDecoder struct {
	state    chunkState
	left     int64 // data bytes left in the current chunk
	total    int64 // data bytes so far
	extBytes int   // chunk-extension bytes so far
	trailers int   // trailer fields so far
	trlBytes int   // trailer section bytes so far
}

type chunkState uint8

const (
	chunkSize    chunkState = iota // expecting a chunk-size line
	chunkData                      // inside chunk data
	chunkDataEnd                   // expecting the CRLF after chunk data
	chunkTrailer                   // expecting a trailer line or the final CRLF
	chunkDone
)

// maxChunkLine bounds one chunk-size line, extensions included.
const maxChunkLine = 4 << 10

// decode consumes framing and data from in, appending data to *body. It
// returns the bytes consumed, whether the body is complete, and a status
// on error.
func (d *chunkDecoder) decode(in []byte, body *[]byte, cfg *Config) (n int, done bool, status int) {
	for n < len(in) {
		switch d.state {
		case chunkSize, chunkTrailer:
			rest := in[n:]
			nl := bytes.IndexByte(rest, '\n')
			if nl < 0 {
				if len(rest) > maxChunkLine {
					return n, false, 400
				}
				if i := bytes.IndexByte(rest, '\r'); i >= 0 && i+1 < len(rest) {
					return n, false, 400 // bare CR
				}
				return n, false, 0
			}
			if nl == 0 || rest[nl-1] != '\r' || nl > maxChunkLine {
				return n, false, 400
			}
			line := rest[:nl-1]
			n += nl + 1
			if d.state == chunkTrailer {
				if len(line) == 0 {
					d.state = chunkDone
					return n, true, 0
				}
				d.trailers++
				d.trlBytes += nl + 1
				if d.trailers > cfg.MaxHeaderFields || d.trlBytes > cfg.MaxHeaderBytes {
					return n, false, 431
				}
				if _, st := fieldLine(line, 0); st != 0 {
					return n, false, st
				}
				continue
			}
			size, st := d.sizeLine(line, cfg)
			if st != 0 {
				return n, false, st
			}
			if size == 0 {
				d.state = chunkTrailer
				continue
			}
			if size > cfg.MaxBodyBytes-d.total {
				return n, false, 413
			}
			d.total += size
			d.left = size
			d.state = chunkData
		case chunkData:
			k := int64(len(in) - n)
			if k > d.left {
				k = d.left
			}
			*body = append(*body, in[n:n+int(k)]...)
			n += int(k)
			d.left -= k
			if d.left == 0 {
				d.state = chunkDataEnd
			}
		case chunkDataEnd:
			if len(in)-n < 2 {
				if in[n] != '\r' {
					return n, false, 400
				}
				return n, false, 0
			}
			if in[n] != '\r' || in[n+1] != '\n' {
				return n, false, 400
			}
			n += 2
			d.state = chunkSize
		case chunkDone:
			return n, true, 0
		}
	}
	return n, d.state == chunkDone, 0
}

// sizeLine parses chunk-size [ chunk-ext ]: 1*HEXDIG of at most 16
// digits, then optionally BWS ";" extensions free of control characters.
func (d *chunkDecoder) sizeLine(line []byte, cfg *Config) (int64, int) {
	i := 0
	var size uint64
	for i < len(line) && hexVal[line[i]] >= 0 {
		size = size<<4 | uint64(hexVal[line[i]])
		i++
	}
	if i == 0 || i > 16 {
		return 0, 400
	}
	if i < len(line) {
		if !validChunkExt(line[i:]) {
			return 0, 400
		}
		d.extBytes += len(line) - i
		if d.extBytes > cfg.MaxChunkExtBytes {
			return 0, 400
		}
	}
	if size > 1<<62 {
		return 0, 413
	}
	return int64(size), 0
}

// validChunkExt checks chunk-ext (RFC 9112 §7.1.1):
//
//	*( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] )
//
// where ext-name is a token and ext-val a token or a quoted-string.
func validChunkExt(b []byte) bool {
	ws := func() {
		for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
			b = b[1:]
		}
	}
	token := func() bool {
		n := 0
		for n < len(b) && tokenChar[b[n]] {
			n++
		}
		b = b[n:]
		return n > 0
	}
	for len(b) > 0 {
		ws()
		if len(b) == 0 || b[0] != ';' {
			return false
		}
		b = b[1:]
		ws()
		if !token() {
			return false
		}
		ws()
		if len(b) == 0 || b[0] != '=' {
			continue
		}
		b = b[1:]
		ws()
		if len(b) > 0 && b[0] == '"' {
			if !quotedString(&b) {
				return false
			}
		} else if !token() {
			return false
		}
	}
	return true
}

// quotedString consumes a quoted-string from the front of *b.
func quotedString(b *[]byte) bool {
	s := (*b)[1:]
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			*b = s[i+1:]
			return true
		case c == '\\':
			i++
			if i == len(s) || !valueChar[s[i]] {
				return false
			}
		case !valueChar[c]:
			return false
		}
	}
	return false
}
