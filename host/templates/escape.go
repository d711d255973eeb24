package templates

import (
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file holds the compiled pages' versions of the functions that
// html/template's contextual escaping adds to the end of a pipeline
// (_html_template_htmlescaper and the others). Each appends to a byte
// slice what html/template's function returns for the same input; the
// differential tests and FuzzEscapers check that they agree.

// contentType is the kind of trusted content a value is typed as: one of
// html/template's string types, or plain text.
type contentType uint8

const (
	contentPlain contentType = iota
	contentCSS
	contentHTML
	contentHTMLAttr
	contentJS
	contentJSStr
	contentURL
	contentSrcset
)

// escaper is a function at the end of an escaped pipeline.
type escaper uint8

const (
	escHTML            escaper = iota + 1 // _html_template_htmlescaper: HTML text
	escAttr                               // _html_template_attrescaper: quoted attribute value
	escRCDATA                             // _html_template_rcdataescaper: <title>, <textarea>
	escNospace                            // _html_template_nospaceescaper: unquoted attribute value
	escComment                            // _html_template_commentescaper: HTML comment (drops the value)
	escURLFilter                          // _html_template_urlfilter: refuses unsafe schemes
	escURLNormalizer                      // _html_template_urlnormalizer: URL up to the query
	escURLEscaper                         // _html_template_urlescaper: URL query or fragment
	escJSVal                              // _html_template_jsvalescaper: JS expression
	escJSStr                              // _html_template_jsstrescaper: JS string
	escJSRegexp                           // _html_template_jsregexpescaper: JS regular expression
	escJSTmplLit                          // _html_template_jstmpllitescaper: JS template literal
	escBuiltinHTML                        // html, the text/template built-in
	escBuiltinJS                          // js
	escBuiltinURLQuery                    // urlquery
)

// escapersByName are the escapers the compiler supports, by the name
// they have in an escaped template. The rest (CSS, attribute names,
// srcset) make a page render with html/template.
var escapersByName = map[string]escaper{
	"_html_template_htmlescaper":      escHTML,
	"_html_template_attrescaper":      escAttr,
	"_html_template_rcdataescaper":    escRCDATA,
	"_html_template_nospaceescaper":   escNospace,
	"_html_template_commentescaper":   escComment,
	"_html_template_urlfilter":        escURLFilter,
	"_html_template_urlnormalizer":    escURLNormalizer,
	"_html_template_urlescaper":       escURLEscaper,
	"_html_template_jsvalescaper":     escJSVal,
	"_html_template_jsstrescaper":     escJSStr,
	"_html_template_jsregexpescaper":  escJSRegexp,
	"_html_template_jstmpllitescaper": escJSTmplLit,
}

// builtinEscapers are text/template's escaping built-ins, which
// html/template keeps at the end of a pipeline in place of an
// equivalent escaper of its own.
var builtinEscapers = map[string]escaper{
	"html":     escBuiltinHTML,
	"js":       escBuiltinJS,
	"urlquery": escBuiltinURLQuery,
}

// failsafe replaces a value that cannot be made safe where it lands.
const failsafe = "ZgotmplZ"

// escapeText is the text escaper e is given for v, and its content
// type. html/template's escapers see nil as no text and its typed
// strings as typed content; text/template's built-ins print v as fmt
// does, and nil as "<no value>". ok is false for a pointer, which both
// would dereference first.
func escapeText(e escaper, v any) (s string, t contentType, ok bool) {
	switch e {
	case escComment:
		return "", contentPlain, true // the value is dropped unseen
	case escBuiltinHTML, escBuiltinJS, escBuiltinURLQuery:
		if v == nil {
			return "<no value>", contentPlain, true
		}
		s, ok := sprint(v)
		return s, contentPlain, ok
	}
	switch x := v.(type) {
	case nil:
		return "", contentPlain, true
	case string:
		return x, contentPlain, true
	case template.HTML:
		return string(x), contentHTML, true
	case template.CSS:
		return string(x), contentCSS, true
	case template.HTMLAttr:
		return string(x), contentHTMLAttr, true
	case template.JS:
		return string(x), contentJS, true
	case template.JSStr:
		return string(x), contentJSStr, true
	case template.URL:
		return string(x), contentURL, true
	case template.Srcset:
		return string(x), contentSrcset, true
	}
	s, ok = sprint(v)
	return s, contentPlain, ok
}

// appendEscaped appends s, of content type t, as escaper e writes it. ok
// is false where the compiled page cannot match html/template (HTML
// content that would need its tags stripped).
func appendEscaped(dst []byte, e escaper, s string, t contentType) (_ []byte, ok bool) {
	switch e {
	case escHTML:
		if t == contentHTML {
			return append(dst, s...), true
		}
		return appendHTML(dst, s, true), true
	case escAttr:
		if t == contentHTML {
			return dst, false
		}
		return appendHTML(dst, s, true), true
	case escRCDATA:
		return appendHTML(dst, s, t != contentHTML), true
	case escNospace:
		if s == "" {
			return append(dst, failsafe...), true
		}
		if t == contentHTML {
			return dst, false
		}
		return appendNospace(dst, s), true
	case escComment:
		return dst, true
	case escURLFilter:
		if t != contentURL && !safeURL(s) {
			return append(dst, "#"+failsafe...), true
		}
		return append(dst, s...), true
	case escURLNormalizer:
		return appendURL(dst, s, true), true
	case escURLEscaper:
		return appendURL(dst, s, t == contentURL), true
	case escJSStr:
		if t == contentJSStr {
			return appendJSReplaced(dst, s, &jsStrNormTable), true
		}
		return appendJSReplaced(dst, s, &jsStrTable), true
	case escJSRegexp:
		n := len(dst)
		dst = appendJSReplaced(dst, s, &jsRegexpTable)
		if len(dst) == n {
			dst = append(dst, "(?:)"...)
		}
		return dst, true
	case escJSTmplLit:
		return appendJSReplaced(dst, s, &jsTmplLitTable), true
	case escBuiltinHTML:
		return appendBuiltinHTML(dst, s), true
	case escBuiltinJS:
		return append(dst, template.JSEscapeString(s)...), true
	case escBuiltinURLQuery:
		return append(dst, url.QueryEscape(s)...), true
	case escJSVal:
		return appendJSVal(dst, s)
	}
	return dst, false
}

// htmlEscapes are the replacements of the bytes that HTML text and
// attribute values escape; '&' is left alone for HTML content, whose
// entities are already escaped.
var htmlEscapes = [128]string{
	0:    "\uFFFD",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'>':  "&gt;",
}

// appendHTML escapes s for HTML text or a quoted attribute value; amp
// says whether '&' is escaped. Every byte replaced is ASCII, so bytes of
// other runes, valid or not, are copied as they are.
func appendHTML(dst []byte, s string, amp bool) []byte {
	from := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			continue
		}
		r := htmlEscapes[c]
		if r == "" || c == '&' && !amp {
			continue
		}
		dst = append(dst, s[from:i]...)
		dst = append(dst, r...)
		from = i + 1
	}
	return append(dst, s[from:]...)
}

// appendBuiltinHTML is text/template's html built-in, which leaves '+'
// alone.
func appendBuiltinHTML(dst []byte, s string) []byte {
	from := 0
	for i := 0; i < len(s); i++ {
		var r string
		switch s[i] {
		case 0:
			r = "\uFFFD"
		case '"':
			r = "&#34;"
		case '\'':
			r = "&#39;"
		case '&':
			r = "&amp;"
		case '<':
			r = "&lt;"
		case '>':
			r = "&gt;"
		default:
			continue
		}
		dst = append(dst, s[from:i]...)
		dst = append(dst, r...)
		from = i + 1
	}
	return append(dst, s[from:]...)
}

// nospaceEscapes are the replacements in an unquoted attribute value:
// the HTML specials, white space, '=' and '`'.
var nospaceEscapes = [128]string{
	0:    "&#xfffd;",
	'\t': "&#9;",
	'\n': "&#10;",
	'\v': "&#11;",
	'\f': "&#12;",
	'\r': "&#13;",
	' ':  "&#32;",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'=':  "&#61;",
	'>':  "&gt;",
	'`':  "&#96;",
}

// appendNospace escapes s for an unquoted attribute value, where
// noncharacters (and bytes that are not UTF-8, read as U+FFFD) become
// numeric references.
func appendNospace(dst []byte, s string) []byte {
	from := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if r := nospaceEscapes[c]; r != "" {
				dst = append(dst, s[from:i]...)
				dst = append(dst, r...)
				from = i + 1
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		if 0xfdd0 <= r && r <= 0xfdef || 0xfff0 <= r && r <= 0xffff {
			dst = append(dst, s[from:i]...)
			dst = append(dst, "&#x"...)
			dst = strconv.AppendInt(dst, int64(r), 16)
			dst = append(dst, ';')
			from = i + w
		}
		i += w
	}
	return append(dst, s[from:]...)
}

// safeURL reports whether s is relative or has the scheme http, https
// or mailto.
func safeURL(s string) bool {
	scheme, _, ok := strings.Cut(s, ":")
	if !ok || strings.Contains(scheme, "/") {
		return true
	}
	return strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "mailto")
}

// urlKept says which bytes URL processing keeps as they are: those
// set to urlUnreserved always, those set to urlReserved when
// normalising.
var urlKept = func() (t [256]uint8) {
	for c := range t {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("-._~", byte(c)) >= 0:
			t[c] = urlUnreserved
		case strings.IndexByte("!#$&*+,/:;=?@[]", byte(c)) >= 0:
			t[c] = urlReserved
		}
	}
	return t
}()

const (
	urlUnreserved = 1
	urlReserved   = 2
)

// appendURL percent-encodes the bytes of s that cannot stand in a URL
// (norm) or in a query parameter (!norm). When normalising, an existing
// escape (a '%' and two hex digits) stays.
func appendURL(dst []byte, s string, norm bool) []byte {
	const hex = "0123456789abcdef"
	keep := uint8(urlUnreserved)
	if norm {
		keep |= urlReserved
	}
	from := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if urlKept[c]&keep != 0 || c == '%' && norm && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			continue
		}
		dst = append(dst, s[from:i]...)
		dst = append(dst, '%', hex[c>>4], hex[c&0xf])
		from = i + 1
	}
	return append(dst, s[from:]...)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

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
