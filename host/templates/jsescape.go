package templates

import (
	"html/template"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/wasmweb/wasmweb/host/internal/pagedata"
)

// This file holds the escapers of values written into JavaScript: as a
// JS value (JSON, or a typed string's own text), or inside a JS string,
// regular expression or template literal.

// jsTable maps ASCII bytes to their escapes in a JS string, regular
// expression or template literal.
type jsTable [128]string

// jsControls are the escapes of the control characters, in every JS
// context.
var jsControls = [0x20]string{
	`\u0000`, `\u0001`, `\u0002`, `\u0003`, `\u0004`, `\u0005`, `\u0006`, `\u0007`,
	`\u0008`, `\t`, `\n`, `\u000b`, `\f`, `\r`, `\u000e`, `\u000f`,
	`\u0010`, `\u0011`, `\u0012`, `\u0013`, `\u0014`, `\u0015`, `\u0016`, `\u0017`,
	`\u0018`, `\u0019`, `\u001a`, `\u001b`, `\u001c`, `\u001d`, `\u001e`, `\u001f`,
}

var jsStrTable, jsStrNormTable, jsRegexpTable, jsTmplLitTable = jsTables()

func jsTables() (str, strNorm, regexp, tmplLit jsTable) {
	for i, e := range jsControls {
		str[i], strNorm[i], regexp[i], tmplLit[i] = e, e, e, e
	}
	// HTML specials are hex-escaped so the result can also sit in an
	// attribute.
	for _, t := range []*jsTable{&str, &strNorm, &regexp, &tmplLit} {
		t['"'] = `\u0022`
		t['&'] = `\u0026`
		t['\''] = `\u0027`
		t['+'] = `\u002b`
		t['/'] = `\/`
		t['<'] = `\u003c`
		t['>'] = `\u003e`
	}
	for _, t := range []*jsTable{&str, &strNorm, &tmplLit} {
		t['`'] = `\u0060`
	}
	// strNorm keeps backslashes: the text is already a JS string's.
	str['\\'], tmplLit['\\'], regexp['\\'] = `\\`, `\\`, `\\`
	tmplLit['$'], tmplLit['{'], tmplLit['}'] = `\u0024`, `\u007b`, `\u007d`
	for _, c := range `$()*-.?[]^{|}` {
		regexp[c] = `\` + string(c)
	}
	return
}

// appendJSReplaced escapes s with table t, and the line and paragraph
// separators, which end a JS string.
func appendJSReplaced(dst []byte, s string, t *jsTable) []byte {
	from := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		var r string
		switch {
		case c < utf8.RuneSelf:
			r = t[c]
		case c == 0xe2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xa8 || s[i+2] == 0xa9):
			// U+2028 or U+2029; 0xe2 never continues another rune.
			r = `\u2028`
			if s[i+2] == 0xa9 {
				r = `\u2029`
			}
			dst = append(dst, s[from:i]...)
			dst = append(dst, r...)
			i += 2
			from = i + 1
			continue
		}
		if r == "" {
			continue
		}
		dst = append(dst, s[from:i]...)
		dst = append(dst, r...)
		from = i + 1
	}
	return append(dst, s[from:]...)
}

// appendJSVal writes v as a JS expression: JSON, padded with spaces
// where a number or keyword could run into the code around it. JS and
// JSStr content are written as they are. ok is false for a value that
// is not JSON data (or a number JSON cannot write).
func appendJSVal(dst []byte, v any) (_ []byte, ok bool) {
	switch x := v.(type) {
	case template.JS:
		return append(dst, x...), true
	case template.JSStr:
		dst = append(dst, '"')
		dst = append(dst, x...)
		return append(dst, '"'), true
	}
	start := len(dst)
	dst = append(dst, ' ')
	if dst, ok = appendJSON(dst, v); !ok {
		return dst, false
	}
	if isJSIdentPart(dst[start+1]) || isJSIdentPart(dst[len(dst)-1]) {
		return append(dst, ' '), true
	}
	copy(dst[start:], dst[start+1:])
	return dst[:len(dst)-1], true
}

func isJSIdentPart(c byte) bool {
	return c == '$' || c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// appendJSON writes JSON data as encoding/json does, with HTML
// characters escaped: objects with their keys sorted, numbers in the
// shortest form that reads back the same. ok is false for any other
// value.
func appendJSON(dst []byte, v any) (_ []byte, ok bool) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case string:
		return appendJSONString(dst, x), true
	case bool:
		return strconv.AppendBool(dst, x), true
	case float64:
		return appendJSONFloat(dst, x)
	case int:
		return strconv.AppendInt(dst, int64(x), 10), true
	case pagedata.Integer:
		return strconv.AppendInt(dst, int64(x), 10), true
	case byte:
		return strconv.AppendInt(dst, int64(x), 10), true
	case []any:
		if x == nil {
			return append(dst, "null"...), true
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, ok = appendJSON(dst, e); !ok {
				return dst, false
			}
		}
		return append(dst, ']'), true
	case map[string]any:
		if x == nil {
			return append(dst, "null"...), true
		}
		dst = append(dst, '{')
		for i, k := range sortedKeys(x) {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONString(dst, k)
			dst = append(dst, ':')
			if dst, ok = appendJSON(dst, x[k]); !ok {
				return dst, false
			}
		}
		return append(dst, '}'), true
	case template.HTML:
		return appendJSONString(dst, string(x)), true
	case template.CSS:
		return appendJSONString(dst, string(x)), true
	case template.HTMLAttr:
		return appendJSONString(dst, string(x)), true
	case template.JS:
		return appendJSONString(dst, string(x)), true
	case template.JSStr:
		return appendJSONString(dst, string(x)), true
	case template.URL:
		return appendJSONString(dst, string(x)), true
	case template.Srcset:
		return appendJSONString(dst, string(x)), true
	}
	return dst, false
}

// appendJSONFloat writes f as JSON (and JavaScript) numbers are written:
// plain up to 1e21 and down to 1e-6, with an exponent beyond.
func appendJSONFloat(dst []byte, f float64) (_ []byte, ok bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, false
	}
	format := byte('f')
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		format = 'e'
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		// A one-digit exponent has no leading zero: 1e-07 is 1e-7.
		b := dst[start:]
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			dst = dst[:len(dst)-1]
		}
	}
	return dst, true
}

// appendJSONString writes s as a JSON string that is also safe in HTML:
// <, > and & are escaped, as are the JS line separators; bytes that are
// not UTF-8 become U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	from := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[from:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			from = i
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		var esc string
		switch {
		case r == utf8.RuneError && w == 1:
			esc = `\ufffd`
		case r == '\u2028':
			esc = `\u2028`
		case r == '\u2029':
			esc = `\u2029`
		default:
			i += w
			continue
		}
		dst = append(dst, s[from:i]...)
		dst = append(dst, esc...)
		i += w
		from = i
	}
	dst = append(dst, s[from:]...)
	return append(dst, '"')
}
