package templates

import (
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file holds the compiled pages' versions of the functions that
// html/template's contextual escaping adds to the end of a pipeline
// (_html_template_htmlescaper and the others). Each appends to a byte
// slice what html/template's function returns for the same input; the
// differential tests and FuzzEscapers check that they agree. The
// escapers for JavaScript are in jsescape.go.

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
