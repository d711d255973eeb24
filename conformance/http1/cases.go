package http1

import (
	"fmt"
	"strings"
)

// Case is one raw-request conformance case: bytes sent to the server on a
// fresh connection and the responses the server must produce for them.
type Case struct {
	// Name identifies the case; it is unique and usable as a t.Run name.
	Name string
	// Source names where the idea for the case comes from, such as an RFC
	// section, a test table of another HTTP implementation or a published
	// bug class.
	Source string
	// Input is the exact byte sequence written by the client. The runner
	// appends a sentinel request or a probe to it (see Wire).
	Input string
	// Want lists the final responses the server must send for Input, in
	// order.
	Want []Resp
	// Close reports that the server must close the connection after the
	// last response in Want and must never act on any byte after it.
	Close bool
	// Optional100 allows an interim "100 Continue" response before any
	// response in Want. Without it, an interim response is a failure.
	Optional100 bool
}

// Resp describes one expected final response.
type Resp struct {
	// Status is the exact expected status code.
	Status int
	// Body, if non-empty, is the exact expected response body.
	Body string
	// NoBody marks the response to a HEAD request, which carries no body
	// whatever its framing headers say.
	NoBody bool
}

// host is the Host field used by most cases.
const host = "Host: t.test\r\n"

// helloBody is the body of the demo site's "GET /" response.
const helloBody = "Hello, world"

// req builds a request with the given method, target and version, a Host
// field, extra header lines (each ending in CRLF) and a body.
func req(method, target, headers, body string) string {
	return method + " " + target + " HTTP/1.1\r\n" + host + headers + "\r\n" + body
}

// get builds a plain HTTP/1.1 GET request with a Host field.
func get(target string) string { return req("GET", target, "", "") }

// raw builds a request from a request line and header lines without adding
// a Host field.
func raw(line, headers, body string) string { return line + "\r\n" + headers + "\r\n" + body }

// post builds an HTTP/1.1 POST to /echo with extra header lines and a body.
func post(headers, body string) string { return req("POST", "/echo", headers, body) }

// chunked builds an HTTP/1.1 POST to /echo whose body is the given chunked
// framing.
func chunked(framing string) string { return post("Transfer-Encoding: chunked\r\n", framing) }

// clPost builds an HTTP/1.1 POST to /echo with a correct Content-Length.
func clPost(body string) string {
	return post(fmt.Sprintf("Content-Length: %d\r\n", len(body)), body)
}

// echo is the expected response of the /echo route.
func echo(method, target, body string) Resp {
	return Resp{Status: 200, Body: method + " " + target + "\n" + body}
}

// hello is the expected response of "GET /".
func hello() Resp { return Resp{Status: 200, Body: helloBody} }

// status is an expected response whose body is not checked.
func status(code int) Resp { return Resp{Status: code} }

// headResp is the expected response to a HEAD request.
func headResp(code int) Resp { return Resp{Status: code, NoBody: true} }

// table accumulates cases.
type table []Case

// ok adds a case after which the connection stays open.
func (t *table) ok(name, src, in string, want ...Resp) {
	*t = append(*t, Case{Name: name, Source: src, Input: in, Want: want})
}

// closes adds a case after whose last response the server must close.
func (t *table) closes(name, src, in string, want ...Resp) {
	*t = append(*t, Case{Name: name, Source: src, Input: in, Want: want, Close: true})
}

// reject adds a case that must be answered with one error status and a
// close.
func (t *table) reject(name, src, in string, code int) {
	t.closes(name, src, in, status(code))
}

// add100 adds a case that may see an interim 100 Continue.
func (t *table) add100(name, src, in string, close bool, want ...Resp) {
	*t = append(*t, Case{Name: name, Source: src, Input: in, Want: want, Close: close, Optional100: true})
}

// Cases returns the full conformance table. Every call returns a fresh
// slice, so callers may modify it.
func Cases() []Case {
	var all []Case
	for _, section := range []func() table{
		basicCases,
		requestLineCases,
		methodCases,
		targetCases,
		versionCases,
		headerCases,
		hostCases,
		contentLengthCases,
		transferEncodingCases,
		chunkCases,
		chunkExtCases,
		lineEndingCases,
		limitCases,
		expectCases,
		connectionCases,
		pipelineCases,
		headCases,
		absoluteFormCases,
		smugglingCases,
	} {
		all = append(all, section()...)
	}
	return all
}

// basicCases covers the demo-site contract itself: routes, methods and
// simple bodies.
func basicCases() table {
	var t table
	t.ok("basic-get-root", "Http11Probe COMP-BASELINE", get("/"), hello())
	t.ok("basic-get-echo", "demo-site contract", get("/echo"), echo("GET", "/echo", ""))
	t.ok("basic-get-echo-query", "demo-site contract", get("/echo?a=1&b=two"), echo("GET", "/echo?a=1&b=two", ""))
	t.ok("basic-not-found", "demo-site contract", get("/nope"), status(404))
	t.ok("basic-post-content-length", "Http11Probe COMP-POST-CL-BODY", req("POST", "/echo?x=1", "Content-Length: 5\r\n", "hello"), echo("POST", "/echo?x=1", "hello"))
	t.ok("basic-post-content-length-zero", "Http11Probe COMP-POST-CL-ZERO", post("Content-Length: 0\r\n", ""), echo("POST", "/echo", ""))
	// A request with neither Content-Length nor Transfer-Encoding has an
	// empty body (RFC 9112 §6.3 item 8), so nothing after it is body.
	t.ok("basic-post-no-framing", "RFC 9112 §6.3; Http11Probe COMP-POST-NO-CL-NO-TE", post("", ""), echo("POST", "/echo", ""))
	t.ok("basic-put-echo", "demo-site contract", req("PUT", "/echo", "Content-Length: 3\r\n", "abc"), echo("PUT", "/echo", "abc"))
	t.ok("basic-delete-echo", "demo-site contract", req("DELETE", "/echo", "", ""), echo("DELETE", "/echo", ""))
	t.ok("basic-trace-echo", "Http11Probe COMP-METHOD-TRACE", req("TRACE", "/echo", "", ""), echo("TRACE", "/echo", ""))
	t.ok("basic-query-percent-verbatim", "demo-site contract: target verbatim", get("/echo?q=%41%20b+c"), echo("GET", "/echo?q=%41%20b+c", ""))
	t.ok("basic-query-empty", "demo-site contract: target verbatim", get("/echo?"), echo("GET", "/echo?", ""))
	t.ok("basic-query-subdelims", "RFC 3986 §3.4", get("/echo?a=/b?c=:@!$&'()*+,;="), echo("GET", "/echo?a=/b?c=:@!$&'()*+,;=", ""))
	t.ok("basic-get-with-body", "Http11Probe COMP-GET-WITH-CL-BODY", req("GET", "/echo", "Content-Length: 5\r\n", "hello"), echo("GET", "/echo", "hello"))
	t.ok("basic-options-with-body", "Http11Probe SMUG-OPTIONS-CL-BODY", req("OPTIONS", "/echo", "Content-Length: 5\r\n", "hello"), echo("OPTIONS", "/echo", "hello"))
	t.ok("basic-binary-body", "demo-site contract: body verbatim", clPost("\x00\x01\r\n\xff"), echo("POST", "/echo", "\x00\x01\r\n\xff"))
	return t
}

// requestLineCases covers the request-line grammar of RFC 9112 §3:
// method SP request-target SP HTTP-version CRLF, with single spaces.
func requestLineCases() table {
	var t table
	// Exactly one empty line before a request line is tolerated (RFC 9112
	// §2.2 allows ignoring "at least one"); policy: more than one → 400.
	t.ok("reqline-one-leading-crlf", "RFC 9112 §2.2; Go net/http TestTolerateCRLFBeforeRequestLine; Http11Probe COMP-LEADING-CRLF", "\r\n"+get("/echo"), echo("GET", "/echo", ""))
	t.reject("reqline-two-leading-crlf", "RFC 9112 §2.2 (policy: only one empty line)", "\r\n\r\n"+get("/echo"), 400)
	t.reject("reqline-leading-bare-lf", "RFC 9112 §2.2: bare LF", "\n"+get("/echo"), 400)
	t.reject("reqline-leading-bare-cr", "RFC 9112 §2.2: bare CR", "\r"+get("/echo"), 400)
	t.reject("reqline-leading-space", "RFC 9112 §3; picohttpparser test.c", " "+get("/echo"), 400)
	t.reject("reqline-leading-nul", "picohttpparser test.c: NUL", "\x00"+get("/echo"), 400)
	t.reject("reqline-double-space-after-method", "Http11Probe RFC9112-3-MULTI-SP-REQUEST-LINE", raw("GET  /echo HTTP/1.1", host, ""), 400)
	t.reject("reqline-double-space-before-version", "RFC 9112 §3", raw("GET /echo  HTTP/1.1", host, ""), 400)
	t.reject("reqline-tab-separator", "Http11Probe COMP-REQUEST-LINE-TAB", raw("GET\t/echo\tHTTP/1.1", host, ""), 400)
	t.reject("reqline-trailing-space", "Http11Probe COMP-VERSION-WHITESPACE", raw("GET /echo HTTP/1.1 ", host, ""), 400)
	t.reject("reqline-missing-target", "Http11Probe RFC9112-3-MISSING-TARGET", raw("GET HTTP/1.1", host, ""), 400)
	t.reject("reqline-missing-version", "Http11Probe RFC9112-2.3-HTTP09-REQUEST", raw("GET /echo", host, ""), 400)
	t.reject("reqline-method-only", "llhttp strict: invalid", raw("GET", host, ""), 400)
	t.reject("reqline-bare-lf-terminator", "Http11Probe RFC9112-2.2-BARE-LF-REQUEST-LINE", "GET /echo HTTP/1.1\n"+host+"\r\n", 400)
	t.reject("reqline-bare-cr-terminator", "Http11Probe RFC9112-3-CR-ONLY-LINE-ENDING", "GET /echo HTTP/1.1\r"+host+"\r\n", 400)
	t.reject("reqline-cr-cr-lf", "RFC 9112 §2.2: bare CR", "GET /echo HTTP/1.1\r\r\n"+host+"\r\n", 400)
	t.reject("reqline-binary-garbage", "Http11Probe MAL-BINARY-GARBAGE (TLS record header)", "\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 400)
	t.reject("reqline-only-spaces", "RFC 9112 §3", "   \r\n\r\n", 400)
	return t
}

// methodCases covers method = token (RFC 9110 §9.1, §5.6.2).
func methodCases() table {
	var t table
	// Methods are case-sensitive: "get" is simply another method.
	t.ok("method-lowercase", "RFC 9110 §9.1; Http11Probe COMP-METHOD-CASE", req("get", "/echo", "", ""), echo("get", "/echo", ""))
	t.ok("method-unknown-token", "Http11Probe COMP-UNKNOWN-METHOD", req("FOOBAR", "/echo", "", ""), echo("FOOBAR", "/echo", ""))
	t.ok("method-all-tchars", "RFC 9110 §5.6.2 tchar", req("!#$%&'*+-.^_`|~09AZaz", "/echo", "", ""), echo("!#$%&'*+-.^_`|~09AZaz", "/echo", ""))
	long := strings.Repeat("M", 200)
	t.ok("method-long-token", "llhttp strict: method", req(long, "/echo", "", ""), echo(long, "/echo", ""))
	for _, m := range []struct{ name, method string }{
		{"paren", "GE(T"},
		{"brace", "GE{T"},
		{"at", "GE@T"},
		{"colon", "GE:T"},
		{"quote", "GE\"T"},
		{"comma", "GE,T"},
		{"slash", "GE/T"},
		{"bracket", "GE[T"},
		{"nul", "GE\x00T"},
		{"ctl", "GE\x01T"},
		{"del", "GE\x7fT"},
		{"high-byte", "G\xc3\x89T"},
	} {
		t.reject("method-invalid-"+m.name, "RFC 9110 §9.1 token; picohttpparser test.c", raw(m.method+" /echo HTTP/1.1", host, ""), 400)
	}
	// Policy: authority-form is not served (no proxying), so CONNECT's
	// target form is rejected like any other unsupported form.
	t.reject("method-connect-authority-form", "RFC 9112 §3.2.3; Http11Probe COMP-METHOD-CONNECT (policy: 400)", raw("CONNECT t.test:443 HTTP/1.1", host, ""), 400)
	return t
}

// targetCases covers request-target forms (RFC 9112 §3.2).
func targetCases() table {
	var t table
	// Policy: the asterisk form is valid only with OPTIONS; the demo site
	// has no route for it, so it answers 404 and keeps the connection.
	t.ok("target-asterisk-options", "RFC 9112 §3.2.4; Http11Probe COMP-OPTIONS-STAR", raw("OPTIONS * HTTP/1.1", host, ""), status(404))
	t.reject("target-asterisk-get", "RFC 9112 §3.2.4; Http11Probe COMP-ASTERISK-WITH-GET", raw("GET * HTTP/1.1", host, ""), 400)
	t.reject("target-asterisk-post", "RFC 9112 §3.2.4", raw("POST * HTTP/1.1", host+"Content-Length: 0\r\n", ""), 400)
	t.reject("target-asterisk-suffix", "RFC 9112 §3.2", raw("OPTIONS *x HTTP/1.1", host, ""), 400)
	t.reject("target-relative", "RFC 9112 §3.2.1", raw("GET echo HTTP/1.1", host, ""), 400)
	t.reject("target-query-only", "RFC 9112 §3.2.1", raw("GET ?a=1 HTTP/1.1", host, ""), 400)
	t.reject("target-authority-form-with-get", "RFC 9112 §3.2.3", raw("GET t.test:80 HTTP/1.1", host, ""), 400)
	t.reject("target-fragment", "Http11Probe RFC9112-3.2-FRAGMENT-IN-TARGET", raw("GET /echo#frag HTTP/1.1", host, ""), 400)
	t.reject("target-fragment-after-query", "RFC 9112 §3.2", raw("GET /echo?a=1#x HTTP/1.1", host, ""), 400)
	t.reject("target-space", "Http11Probe COMP-SPACE-IN-TARGET", raw("GET /echo?a b HTTP/1.1", host, ""), 400)
	t.reject("target-nul", "Http11Probe MAL-NUL-IN-URL", raw("GET /echo?\x00 HTTP/1.1", host, ""), 400)
	t.reject("target-ctl", "picohttpparser test.c: CTL", raw("GET /echo?\x01 HTTP/1.1", host, ""), 400)
	t.reject("target-unit-separator", "RFC 9112 §3.2: CTL", raw("GET /echo?\x1f HTTP/1.1", host, ""), 400)
	t.reject("target-del", "RFC 9112 §3.2: CTL", raw("GET /echo?\x7f HTTP/1.1", host, ""), 400)
	t.reject("target-tab-inside", "RFC 9112 §3", raw("GET /ec\tho HTTP/1.1", host, ""), 400)
	t.reject("target-bare-cr", "RFC 9112 §2.2", raw("GET /echo\r HTTP/1.1", host, ""), 400)
	// Percent-escapes are passed verbatim: decoding is the handler's job.
	t.ok("target-percent-nul-verbatim", "Http11Probe MAL-URL-PERCENT-NULL", get("/echo?%00"), echo("GET", "/echo?%00", ""))
	t.ok("target-percent-crlf-verbatim", "Http11Probe MAL-URL-PERCENT-CRLF", get("/echo?%0d%0a"), echo("GET", "/echo?%0d%0a", ""))
	return t
}

// versionCases covers HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112
// §2.3). Policy: a well-formed version with major ≠ 1 gets 505, checked
// before method and target semantics; a malformed one gets 400.
func versionCases() table {
	var t table
	t.closes("version-http10-no-host", "Http11Probe COMP-HTTP10-NO-HOST; Go net/http TestServerValidatesHostHeader", raw("GET /echo HTTP/1.0", "", ""), echo("GET", "/echo", ""))
	// A higher minor version is handled as HTTP/1.1 (RFC 9110 §2.5).
	t.ok("version-http12", "RFC 9110 §2.5; Http11Probe COMP-HTTP12-VERSION", raw("GET /echo HTTP/1.2", host, ""), echo("GET", "/echo", ""))
	t.reject("version-http12-needs-host", "RFC 9110 §2.5; RFC 9112 §3.2", raw("GET /echo HTTP/1.2", "", ""), 400)
	t.reject("version-http20", "Go net/http TestServerValidatesHostHeader", raw("GET / HTTP/2.0", host, ""), 505)
	t.reject("version-http30", "Go net/http TestServerValidatesHostHeader", raw("GET / HTTP/3.0", host, ""), 505)
	t.reject("version-http31", "RFC 9110 §15.6.6", raw("GET / HTTP/3.1", host, ""), 505)
	t.reject("version-http09", "Go net/http TestServerValidatesHostHeader", raw("GET / HTTP/0.9", host, ""), 505)
	t.reject("version-http99", "RFC 9110 §15.6.6", raw("GET / HTTP/9.9", host, ""), 505)
	t.reject("version-h2-preface", "Http11Probe MAL-H2-PREFACE; RFC 9113 §3.4", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505)
	for _, v := range []struct{ name, version string }{
		{"lowercase", "http/1.1"},
		{"mixed-case", "Http/1.1"},
		{"suffix", "HTTP/1.1x"},
		{"leading-zero-major", "HTTP/01.1"},
		{"leading-zero-minor", "HTTP/1.01"},
		{"two-digit-major", "HTTP/10.0"},
		{"missing-minor", "HTTP/1"},
		{"missing-minor-digit", "HTTP/1."},
		{"missing-dot", "HTTP/11"},
		{"three-parts", "HTTP/1.1.1"},
		{"space-after-slash", "HTTP/ 1.1"},
		{"https-name", "HTTPS/1.1"},
		{"letters", "HTTP/a.b"},
		{"comma", "HTTP/1,1"},
	} {
		t.reject("version-malformed-"+v.name, "RFC 9112 §2.3; Http11Probe RFC9112-2.3-INVALID-VERSION", raw("GET /echo "+v.version, host, ""), 400)
	}
	return t
}

// headerCases covers field-line syntax (RFC 9112 §5, RFC 9110 §5.5).
func headerCases() table {
	var t table
	line := "GET /echo HTTP/1.1"
	t.reject("hdr-space-before-colon", "RFC 9112 §5.1; Http11Probe RFC9110-5.6.2-SP-BEFORE-COLON", raw(line, "Host : t.test\r\n", ""), 400)
	t.reject("hdr-space-before-colon-other", "RFC 9112 §5.1", raw(line, host+"X-A : b\r\n", ""), 400)
	t.reject("hdr-tab-before-colon", "RFC 9112 §5.1", raw(line, host+"X-A\t: b\r\n", ""), 400)
	t.reject("hdr-obs-fold-space", "RFC 9112 §5.2; Http11Probe RFC9112-5.1-OBS-FOLD", raw(line, host+"X-A: a\r\n b\r\n", ""), 400)
	t.reject("hdr-obs-fold-tab", "RFC 9112 §5.2", raw(line, host+"X-A: a\r\n\tb\r\n", ""), 400)
	t.reject("hdr-whitespace-only-line", "Http11Probe MAL-WHITESPACE-ONLY-LINE", raw(line, host+" \r\n", ""), 400)
	t.reject("hdr-leading-space-first-line", "Go net/http badRequestTests; Http11Probe COMP-WHITESPACE-BEFORE-HEADERS", raw(line, " "+host, ""), 400)
	t.reject("hdr-leading-tab-first-line", "Go net/http badRequestTests", raw(line, "\t"+host, ""), 400)
	t.reject("hdr-empty-name", "Http11Probe RFC9112-5-EMPTY-HEADER-NAME; picohttpparser test.c", raw(line, host+": v\r\n", ""), 400)
	t.reject("hdr-no-colon", "Http11Probe RFC9112-5-HEADER-NO-COLON", raw(line, host+"X-A b\r\n", ""), 400)
	t.reject("hdr-name-space-inside", "RFC 9110 §5.1 token", raw(line, host+"X A: b\r\n", ""), 400)
	for _, n := range []struct{ name, field string }{
		{"brace", "X{A}"},
		{"paren", "X(A)"},
		{"quote", "X\"A"},
		{"slash", "X/A"},
		{"at", "X@A"},
		{"bracket", "X[A]"},
		{"equals", "X=A"},
		{"nul", "X\x00A"},
		{"ctl", "X\x01A"},
		{"del", "X\x7fA"},
		{"high-byte", "X\xc3\xa9A"},
	} {
		t.reject("hdr-name-invalid-"+n.name, "RFC 9110 §5.1 token; picohttpparser test.c; Http11Probe RFC9112-5-INVALID-HEADER-NAME", raw(line, host+n.field+": v\r\n", ""), 400)
	}
	t.ok("hdr-name-all-tchars", "RFC 9110 §5.6.2 tchar", raw(line, host+"!#$%&'*+-.^_`|~09AZaz: v\r\n", ""), echo("GET", "/echo", ""))
	for _, v := range []struct{ name, value string }{
		{"nul", "a\x00b"},
		{"bare-cr", "a\rb"},
		{"soh", "a\x01b"},
		{"unit-separator", "a\x1fb"},
		{"vtab", "a\x0bb"},
		{"formfeed", "a\x0cb"},
		{"escape", "a\x1bb"},
		{"del", "a\x7fb"},
		{"trailing-nul", "ab\x00"},
	} {
		t.reject("hdr-value-invalid-"+v.name, "RFC 9110 §5.5; Http11Probe MAL-CONTROL-CHARS-HEADER / MAL-NUL-IN-HEADER-VALUE; HTTP Garden: CTL in field values", raw(line, host+"X-A: "+v.value+"\r\n", ""), 400)
	}
	t.ok("hdr-value-htab-inside", "RFC 9110 §5.5", raw(line, host+"X-A: a\tb\r\n", ""), echo("GET", "/echo", ""))
	t.ok("hdr-value-obs-text", "RFC 9110 §5.5 obs-text", raw(line, host+"X-A: caf\xc3\xa9 \xff\x80\r\n", ""), echo("GET", "/echo", ""))
	t.ok("hdr-value-empty", "RFC 9110 §5.5", raw(line, host+"X-A:\r\n", ""), echo("GET", "/echo", ""))
	t.ok("hdr-value-only-ows", "RFC 9110 §5.5", raw(line, host+"X-A: \t \r\n", ""), echo("GET", "/echo", ""))
	t.ok("hdr-value-colon", "RFC 9112 §5", raw(line, host+"X-A: a:b::c\r\n", ""), echo("GET", "/echo", ""))
	t.ok("hdr-no-space-after-colon", "RFC 9112 §5", raw(line, "Host:t.test\r\nX-A:b\r\n", ""), echo("GET", "/echo", ""))
	t.ok("hdr-name-case-insensitive", "RFC 9110 §5.1", raw(line, "hOsT: t.test\r\n", ""), echo("GET", "/echo", ""))
	t.ok("hdr-duplicate-ordinary", "RFC 9110 §5.3", raw(line, host+"X-A: 1\r\nX-A: 2\r\n", ""), echo("GET", "/echo", ""))
	t.ok("hdr-long-name", "Http11Probe MAL-LONG-HEADER-NAME (under the limit)", raw(line, host+strings.Repeat("N", 1000)+": v\r\n", ""), echo("GET", "/echo", ""))
	return t
}

// hostCases covers the Host requirement (RFC 9112 §3.2, RFC 9110 §7.2).
// Policy: HTTP/1.1 needs exactly one Host line whose value is empty or
// uri-host [":" port]; an HTTP/1.0 request may omit it, but a Host it does
// send follows the same rules.
func hostCases() table {
	var t table
	line := "GET /echo HTTP/1.1"
	src := "Go net/http TestServerValidatesHostHeader"
	t.reject("host-missing", "RFC 9112 §3.2; Http11Probe RFC9112-7.1-MISSING-HOST", raw(line, "", ""), 400)
	t.reject("host-duplicate-different", "Http11Probe RFC9110-5.4-DUPLICATE-HOST; "+src, raw(line, "Host: a.test\r\nHost: b.test\r\n", ""), 400)
	t.reject("host-duplicate-same", "Http11Probe COMP-DUPLICATE-HOST-SAME", raw(line, host+host, ""), 400)
	// Percent-encoding in a host is refused: "a%2eb" and "a.b" would name
	// the same host to one parser and different hosts to another.
	t.reject("host-pct-encoded", "RFC 3986 §3.2.2 (policy: no pct-encoded hosts)", raw(line, "Host: a%2etest\r\n", ""), 400)
	// RFC 9112 §3.2 allows an empty Host when the URI has no authority.
	t.ok("host-empty", "RFC 9112 §3.2; Http11Probe COMP-HOST-EMPTY-VALUE; "+src, raw(line, "Host:\r\n", ""), echo("GET", "/echo", ""))
	for _, h := range []struct{ name, value string }{
		{"ipv4", "1.2.3.4"},
		{"port", "t.test:8080"},
		{"ipv6", "[::1]"},
		{"ipv6-port", "[::1]:80"},
		{"underscore-hyphen", "foo-bar_baz.test"},
		{"trailing-ows", "t.test \t"},
	} {
		t.ok("host-valid-"+h.name, src, raw(line, "Host: "+h.value+"\r\n", ""), echo("GET", "/echo", ""))
	}
	for _, h := range []struct{ name, value string }{
		{"ctl", "\x06"},
		{"high-byte", "\xff"},
		{"open-brace", "{"},
		{"close-brace", "}"},
		{"space-inside", "a b.test"},
		{"path", "t.test/echo"},
		{"query", "t.test?x"},
		{"userinfo", "user@t.test"},
		{"comma-list", "a.test, b.test"},
		{"port-letters", "t.test:abc"},
		{"unclosed-bracket", "[::1"},
	} {
		t.reject("host-invalid-"+h.name, src+"; Http11Probe COMP-HOST-WITH-PATH / COMP-HOST-WITH-USERINFO / SMUG-MULTIPLE-HOST-COMMA", raw(line, "Host: "+h.value+"\r\n", ""), 400)
	}
	t.reject("host-http10-duplicate", src, raw("GET /echo HTTP/1.0", "Host: a.test\r\nHost: b.test\r\n", ""), 400)
	t.reject("host-http10-invalid", src, raw("GET /echo HTTP/1.0", "Host: \xff\r\n", ""), 400)
	return t
}

// contentLengthCases covers Content-Length = 1*DIGIT (RFC 9110 §8.6, RFC
// 9112 §6.3). Policy: surrounding OWS is allowed and leading zeros are
// decimal; identical duplicate Content-Length *lines* are accepted as one
// value, but any comma-separated list, even "5, 5", is rejected with 400.
func contentLengthCases() table {
	var t table
	withCL := func(v, body string) string { return post("Content-Length: "+v+"\r\n", body) }
	t.ok("cl-leading-zeros", "Http11Probe SMUG-CL-LEADING-ZEROS", withCL("005", "hello"), echo("POST", "/echo", "hello"))
	t.ok("cl-leading-zero-is-decimal", "Http11Probe SMUG-CL-LEADING-ZEROS-OCTAL", withCL("010", "0123456789"), echo("POST", "/echo", "0123456789"))
	t.ok("cl-double-zero", "Http11Probe SMUG-CL-DOUBLE-ZERO", withCL("00", ""), echo("POST", "/echo", ""))
	t.ok("cl-surrounding-ows", "RFC 9110 §5.5; Http11Probe SMUG-CL-TRAILING-SPACE / SMUG-CL-EXTRA-LEADING-SP", withCL("  5 \t", "hello"), echo("POST", "/echo", "hello"))
	t.ok("cl-tab-before-value", "Http11Probe MAL-CL-TAB-BEFORE-VALUE", post("Content-Length:\t5\r\n", "hello"), echo("POST", "/echo", "hello"))
	t.ok("cl-duplicate-lines-identical", "RFC 9110 §8.6 (policy: identical lines accepted)", post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"), echo("POST", "/echo", "hello"))
	t.closes("cl-http10", "RFC 9112 §6.3", raw("POST /echo HTTP/1.0", "Content-Length: 5\r\n", "hello"), echo("POST", "/echo", "hello"))
	for _, v := range []struct{ name, value, src string }{
		{"plus", "+5", "Http11Probe RFC9112-6.1-CL-PLUS-SIGN; HTTP Garden: CL parsed with int()"},
		{"minus-one", "-1", "Http11Probe SMUG-CL-NEGATIVE; HTTP Garden: negative Content-Length"},
		{"minus-zero", "-0", "Http11Probe SMUG-CL-NEGATIVE-ZERO"},
		{"hex", "0x5", "Http11Probe SMUG-CL-HEX-PREFIX; HTTP Garden: strtoll base 0"},
		{"underscore", "5_0", "Http11Probe SMUG-CL-UNDERSCORE; HTTP Garden: Python int() accepts underscores"},
		{"internal-space", "5 0", "Http11Probe SMUG-CL-INTERNAL-SPACE"},
		{"empty", "", "Http11Probe MAL-CL-EMPTY; HTTP Garden: empty Content-Length treated as 0"},
		{"alpha", "abc", "Http11Probe RFC9112-6.1-CL-NON-NUMERIC"},
		{"trailing-alpha", "5a", "llhttp strict: content-length"},
		{"decimal-point", "5.0", "RFC 9110 §8.6"},
		{"exponent", "5e0", "RFC 9110 §8.6"},
		{"fullwidth-digit", "\uff15", "RFC 9110 §8.6: DIGIT is ASCII"},
		{"nbsp-prefix", "\xa05", "HTTP Garden: \\xa0 stripped as whitespace"},
		{"vtab-prefix", "\x0b5", "RFC 9110 §5.5: CTL"},
		{"nul-suffix", "5\x00", "RFC 9110 §5.5: NUL"},
		{"overflow-20-digits", "99999999999999999999", "Http11Probe MAL-CL-OVERFLOW; HTTP Garden: Content-Length overflow"},
		{"overflow-int64-plus-one", "9223372036854775808", "RFC 9110 §8.6: overflow"},
		{"overflow-wraps-uint64", "18446744073709551620", "RFC 9110 §8.6: overflow (2^64 + 4, which a wrapping parser reads as 4)"},
		{"comma-same", "5, 5", "Http11Probe SMUG-CL-COMMA-SAME (policy: lists rejected)"},
		{"comma-same-no-space", "5,5", "RFC 9110 §8.6 (policy: lists rejected)"},
		{"comma-different", "5, 6", "Http11Probe SMUG-CL-COMMA-DIFFERENT"},
		{"comma-triple", "5, 5, 5", "Http11Probe SMUG-CL-COMMA-TRIPLE"},
		{"trailing-comma", "5,", "RFC 9110 §5.6.1"},
		{"quoted", "\"5\"", "RFC 9110 §8.6"},
	} {
		t.reject("cl-invalid-"+v.name, v.src, withCL(v.value, "hello"), 400)
	}
	t.reject("cl-duplicate-lines-different", "Http11Probe SMUG-DUPLICATE-CL; Go net/http badRequestTests", post("Content-Length: 5\r\nContent-Length: 10\r\n", "helloworld"), 400)
	t.reject("cl-duplicate-lines-one-invalid", "llhttp strict: content-length", post("Content-Length: 5\r\nContent-Length: x\r\n", "hello"), 400)
	t.reject("cl-name-space-before-colon", "RFC 9112 §5.1", post("Content-Length : 5\r\n", "hello"), 400)
	return t
}

// transferEncodingCases covers Transfer-Encoding (RFC 9112 §6.1, §7).
//
// Policy (the implementation follows this table):
//   - exactly one Transfer-Encoding line whose value, after removing
//     surrounding OWS, is "chunked" in any letter case → chunked body;
//   - a value that is a single valid token other than "chunked" (gzip,
//     identity, xchunked, ...) → 501, the server does not implement it;
//   - anything else → 400: empty values, lists (even "chunked, chunked"
//     or "gzip, chunked"), parameters, quoted strings, bytes outside
//     tchar, and two or more Transfer-Encoding lines;
//   - Transfer-Encoding together with Content-Length → 400 whatever the
//     Transfer-Encoding value;
//   - Transfer-Encoding in an HTTP/1.0 request → 400 whatever the value.
func transferEncodingCases() table {
	var t table
	withTE := func(v string) string { return post("Transfer-Encoding: "+v+"\r\n", "5\r\nhello\r\n0\r\n\r\n") }
	t.ok("te-chunked", "Http11Probe COMP-CHUNKED-BODY", chunked("5\r\nhello\r\n0\r\n\r\n"), echo("POST", "/echo", "hello"))
	t.ok("te-chunked-multi", "Http11Probe COMP-CHUNKED-MULTI", chunked("5\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\n\r\n"), echo("POST", "/echo", "hello world"))
	t.ok("te-chunked-empty", "Http11Probe COMP-CHUNKED-EMPTY", chunked("0\r\n\r\n"), echo("POST", "/echo", ""))
	t.ok("te-chunked-capitalised", "Http11Probe SMUG-TE-CASE-MISMATCH", withTE("Chunked"), echo("POST", "/echo", "hello"))
	t.ok("te-chunked-uppercase", "RFC 9112 §7: coding names are case-insensitive", withTE("CHUNKED"), echo("POST", "/echo", "hello"))
	// OWS around a field value is not part of the value (RFC 9110 §5.5),
	// so these are plain "chunked".
	t.ok("te-chunked-trailing-space", "RFC 9110 §5.5; Http11Probe SMUG-TE-TRAILING-SPACE", withTE("chunked "), echo("POST", "/echo", "hello"))
	t.ok("te-chunked-leading-tab", "RFC 9110 §5.5; Http11Probe SMUG-TE-TAB-BEFORE-VALUE", post("Transfer-Encoding:\tchunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), echo("POST", "/echo", "hello"))
	t.ok("te-chunked-trailing-tab", "RFC 9110 §5.5", withTE("chunked\t"), echo("POST", "/echo", "hello"))
	t.ok("te-chunked-on-get", "RFC 9112 §6.1", req("GET", "/echo", "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), echo("GET", "/echo", "hello"))
	for _, v := range []struct{ name, value, src string }{
		{"gzip", "gzip", "Go net/http TestUnsupportedTransferEncodingsReturn501; Http11Probe COMP-UNKNOWN-TE-501"},
		{"identity", "identity", "Http11Probe SMUG-TE-IDENTITY (identity was removed in RFC 7230)"},
		{"xchunked", "xchunked", "Http11Probe SMUG-TE-XCHUNKED"},
		{"chunkedx", "chunkedx", "llhttp strict: transfer-encoding"},
		{"chunk", "chunk", "RFC 9112 §7"},
		{"deflate", "deflate", "RFC 9112 §7"},
		{"fugazi", "fugazi", "Go net/http TestUnsupportedTransferEncodingsReturn501"},
	} {
		t.reject("te-unknown-"+v.name, v.src, withTE(v.value), 501)
	}
	for _, v := range []struct{ name, value, src string }{
		{"chunked-chunked", "chunked, chunked", "Http11Probe SMUG-TE-DOUBLE-CHUNKED; HTTP Garden: duplicate chunked"},
		{"gzip-chunked", "gzip, chunked", "RFC 9112 §6.1 (policy: only the single coding chunked)"},
		{"chunked-gzip", "chunked, gzip", "Http11Probe SMUG-TE-NOT-FINAL-CHUNKED; RFC 9112 §6.3"},
		{"identity-chunked", "identity, chunked", "llhttp strict: transfer-encoding"},
		{"leading-comma", ", chunked", "Http11Probe SMUG-TE-LEADING-COMMA; HTTP Garden: \",chunked\""},
		{"trailing-comma", "chunked,", "Http11Probe SMUG-TE-TRAILING-COMMA"},
		{"only-comma", ",", "RFC 9110 §5.6.1"},
		{"empty", "", "Http11Probe SMUG-TE-EMPTY-VALUE"},
		{"quoted", "\"chunked\"", "Go net/http TestUnsupportedTransferEncodingsReturn501 (policy: not a token → 400)"},
		{"params", "chunked;q=1", "Http11Probe SMUG-CHUNKED-WITH-PARAMS"},
		{"internal-space", "chun ked", "RFC 9112 §7"},
		{"space-separated", "chunked chunked", "RFC 9112 §7"},
		{"vtab", "\x0bchunked", "Http11Probe SMUG-TE-VTAB"},
		{"formfeed", "\x0cchunked", "Http11Probe SMUG-TE-FORMFEED"},
		{"nul", "chunked\x00", "Http11Probe SMUG-TE-NULL"},
		{"nbsp", "\xa0chunked", "HTTP Garden: \\xa0 stripped as whitespace"},
		{"nel", "chunked\xc2\x85", "HTTP Garden: \\x85 stripped as whitespace"},
	} {
		t.reject("te-malformed-"+v.name, v.src, withTE(v.value), 400)
	}
	t.reject("te-two-lines-chunked", "Http11Probe SMUG-TE-DUPLICATE-HEADERS; HTTP Garden: duplicate Transfer-Encoding", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), 400)
	t.reject("te-two-lines-chunked-gzip", "RFC 9112 §6.1 (policy: one line)", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n", "5\r\nhello\r\n0\r\n\r\n"), 400)
	t.reject("te-two-lines-gzip-chunked", "RFC 9112 §6.1 (policy: one line)", post("Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), 400)
	t.reject("te-two-lines-empty-chunked", "llhttp strict: transfer-encoding", post("Transfer-Encoding:\r\nTransfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), 400)
	t.reject("te-http10", "RFC 9112 §6.1; Http11Probe SMUG-TE-HTTP10", raw("POST /echo HTTP/1.0", "Transfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), 400)
	t.reject("te-http10-gzip", "RFC 9112 §6.1 (policy: HTTP/1.0 check first)", raw("POST /echo HTTP/1.0", "Transfer-Encoding: gzip\r\n", ""), 400)
	t.reject("te-obs-fold", "Http11Probe SMUG-TE-OBS-FOLD", post("Transfer-Encoding:\r\n chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), 400)
	t.reject("te-space-before-colon", "Http11Probe SMUG-TE-SP-BEFORE-COLON", post("Transfer-Encoding : chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), 400)
	t.reject("te-tab-before-colon", "RFC 9112 §5.1", post("Transfer-Encoding\t: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), 400)
	t.reject("te-with-cl", "RFC 9112 §6.1; Http11Probe SMUG-CL-TE-BOTH; hertz#1490", post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), 400)
	t.reject("te-with-cl-te-first", "RFC 9112 §6.1", post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n"), 400)
	t.reject("te-with-cl-zero", "RFC 9112 §6.1", post("Content-Length: 0\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"), 400)
	t.reject("te-unknown-with-cl", "Http11Probe SMUG-TE-XCHUNKED (policy: CL+TE → 400 first)", post("Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n", "hello"), 400)
	// A field named Transfer_Encoding is just another field: the request
	// has no body, so the chunked bytes are the next (invalid) request.
	t.closes("te-underscore-name-ignored", "Http11Probe SMUG-TRANSFER_ENCODING", post("Transfer_Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), echo("POST", "/echo", ""), status(400))
	return t
}

// chunkCases covers chunk framing: chunk-size = 1*HEXDIG, CRLF after the
// size line and after the data, last-chunk and trailer section (RFC 9112
// §7.1). Policy: at most 16 hex digits, counted with leading zeros.
func chunkCases() table {
	var t table
	t.ok("chunk-uppercase-hex", "Http11Probe COMP-CHUNKED-HEX-UPPERCASE", chunked("A\r\n0123456789\r\n0\r\n\r\n"), echo("POST", "/echo", "0123456789"))
	t.ok("chunk-lowercase-hex", "RFC 9112 §7.1", chunked("a\r\n0123456789\r\n0\r\n\r\n"), echo("POST", "/echo", "0123456789"))
	t.ok("chunk-leading-zeros", "RFC 9112 §7.1", chunked("0005\r\nhello\r\n000\r\n\r\n"), echo("POST", "/echo", "hello"))
	t.ok("chunk-16-digits", "picohttpparser test.c (size limit)", chunked("0000000000000005\r\nhello\r\n0\r\n\r\n"), echo("POST", "/echo", "hello"))
	t.ok("chunk-data-contains-crlf", "RFC 9112 §7.1", chunked("4\r\n\r\n\r\n\r\n0\r\n\r\n"), echo("POST", "/echo", "\r\n\r\n"))
	inner := "GET /echo?inner HTTP/1.1\r\nHost: t.test\r\n\r\n"
	t.ok("chunk-data-contains-request", "RFC 9112 §7.1: data is opaque", chunked(fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(inner), inner)), echo("POST", "/echo", inner))
	t.ok("chunk-many-one-byte", "Go net/http TestChunkReaderTooMuchOverhead (accepted variant)", chunked(strings.Repeat("1\r\nX\r\n", 1000)+"0\r\n\r\n"), echo("POST", "/echo", strings.Repeat("X", 1000)))
	t.ok("chunk-trailer", "Http11Probe COMP-CHUNKED-TRAILER-VALID", chunked("5\r\nhello\r\n0\r\nX-Trailer: v\r\n\r\n"), echo("POST", "/echo", "hello"))
	t.ok("chunk-trailers-two", "RFC 9112 §7.1.2", chunked("5\r\nhello\r\n0\r\nX-A: 1\r\nX-B: 2\r\n\r\n"), echo("POST", "/echo", "hello"))
	// Policy: trailer fields never change framing; a Content-Length,
	// Transfer-Encoding or Host in the trailer section is ignored.
	t.ok("chunk-trailer-content-length", "Http11Probe SMUG-TRAILER-CL; RFC 9110 §6.5.1", chunked("5\r\nhello\r\n0\r\nContent-Length: 50\r\n\r\n"), echo("POST", "/echo", "hello"))
	t.ok("chunk-trailer-transfer-encoding", "Http11Probe SMUG-TRAILER-TE", chunked("5\r\nhello\r\n0\r\nTransfer-Encoding: chunked\r\n\r\n"), echo("POST", "/echo", "hello"))
	t.ok("chunk-trailer-host", "Http11Probe SMUG-TRAILER-HOST", chunked("5\r\nhello\r\n0\r\nHost: other.test\r\n\r\n"), echo("POST", "/echo", "hello"))
	for _, v := range []struct{ name, framing, src string }{
		{"17-digits-zeros", "00000000000000005\r\nhello\r\n0\r\n\r\n", "wasmweb policy: at most 16 hex digits"},
		{"17-digits-f", "fffffffffffffffff\r\nhello\r\n0\r\n\r\n", "picohttpparser test.c; Http11Probe MAL-CHUNK-SIZE-OVERFLOW"},
		{"hex-prefix", "0x5\r\nhello\r\n0\r\n\r\n", "Http11Probe SMUG-CHUNK-HEX-PREFIX; HTTP Garden: strtol chunk size"},
		{"plus", "+5\r\nhello\r\n0\r\n\r\n", "Http11Probe SMUG-CHUNK-SIZE-PLUS"},
		{"minus", "-1\r\nhello\r\n0\r\n\r\n", "Http11Probe SMUG-CHUNK-NEGATIVE"},
		{"underscore", "1_0\r\n0123456789abcdef\r\n0\r\n\r\n", "Http11Probe SMUG-CHUNK-UNDERSCORE"},
		{"leading-space", " 5\r\nhello\r\n0\r\n\r\n", "Http11Probe SMUG-CHUNK-LEADING-SP"},
		{"trailing-space", "5 \r\nhello\r\n0\r\n\r\n", "Http11Probe SMUG-CHUNK-SIZE-TRAILING-OWS"},
		{"trailing-tab", "5\t\r\nhello\r\n0\r\n\r\n", "RFC 9112 §7.1"},
		{"empty", "\r\nhello\r\n0\r\n\r\n", "RFC 9112 §7.1: 1*HEXDIG"},
		{"non-hex", "g\r\nhello\r\n0\r\n\r\n", "picohttpparser test.c"},
		{"trailing-garbage", "5x\r\nhello\r\n0\r\n\r\n", "picohttpparser test.c"},
		{"nul", "5\x00\r\nhello\r\n0\r\n\r\n", "RFC 9112 §7.1"},
		{"data-too-long", "3\r\nhello\r\n0\r\n\r\n", "Http11Probe SMUG-CHUNK-SPILL"},
		{"data-too-short", "5\r\nhel\r\n0\r\n\r\n", "llhttp strict: transfer-encoding"},
		{"missing-crlf-after-data", "5\r\nhello0\r\n\r\n", "Http11Probe SMUG-CHUNK-MISSING-TRAILING-CRLF"},
		{"bare-lf-after-data", "5\r\nhello\n0\r\n\r\n", "Go net/http TestChunkInvalidInputs (CVE-2025-22871); picohttpparser test.c"},
		{"bare-cr-after-data", "5\r\nhello\rX0\r\n\r\n", "Http11Probe SMUG-CHUNK-BARE-CR-TERM; picohttpparser test.c"},
		{"size-line-bare-lf", "5\nhello\r\n0\r\n\r\n", "Http11Probe SMUG-CHUNK-LF-TERM"},
		{"size-line-bare-cr", "5\rhello\r\n0\r\n\r\n", "RFC 9112 §2.2"},
		{"last-chunk-bare-lf", "5\r\nhello\r\n0\n\r\n", "Go net/http TestChunkInvalidInputs"},
		{"final-crlf-bare-lf", "5\r\nhello\r\n0\r\n\n", "Http11Probe SMUG-CHUNK-LF-TRAILER"},
		{"final-crlf-bare-cr", "5\r\nhello\r\n0\r\n\rX", "HTTP Garden: \\r\\n\\rX"},
		{"trailer-space-before-colon", "5\r\nhello\r\n0\r\nX-T : v\r\n\r\n", "RFC 9112 §7.1.2, §5.1"},
		{"trailer-obs-fold", "5\r\nhello\r\n0\r\nX-T: v\r\n w\r\n\r\n", "RFC 9112 §7.1.2, §5.2"},
		{"trailer-bare-lf", "5\r\nhello\r\n0\r\nX-T: v\n\r\n", "RFC 9112 §2.2"},
		{"trailer-nul", "5\r\nhello\r\n0\r\nX-T: v\x00\r\n\r\n", "RFC 9110 §5.5"},
		{"trailer-no-colon", "5\r\nhello\r\n0\r\nX-T v\r\n\r\n", "RFC 9112 §5"},
		{"invalid-then-request", "zz\r\nGET /echo?SMUGGLED HTTP/1.1\r\nHost: t.test\r\n\r\n", "Http11Probe SMUG-CHUNK-INVALID-SIZE-DESYNC; HTTP Garden: resync after invalid chunk"},
	} {
		t.reject("chunk-invalid-"+v.name, v.src, chunked(v.framing), 400)
	}
	// Without a last chunk the next request's bytes are read as a chunk
	// size, which is invalid.
	t.reject("chunk-missing-last-chunk", "Http11Probe COMP-CHUNKED-NO-FINAL", chunked("5\r\nhello\r\n"), 400)
	return t
}

// chunkExtCases covers chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS
// ext-val ] ) (RFC 9112 §7.1.1). Policy: a chunk line (size plus
// extensions) longer than 4 KiB → 400.
func chunkExtCases() table {
	var t table
	body := func(ext string) string { return chunked("5" + ext + "\r\nhello\r\n0\r\n\r\n") }
	t.ok("ext-name", "Http11Probe COMP-CHUNKED-EXTENSION", body(";foo"), echo("POST", "/echo", "hello"))
	t.ok("ext-name-value", "RFC 9112 §7.1.1", body(";foo=bar"), echo("POST", "/echo", "hello"))
	t.ok("ext-quoted-value", "RFC 9112 §7.1.1", body(";foo=\"b a;r\""), echo("POST", "/echo", "hello"))
	t.ok("ext-quoted-escape", "RFC 9110 §5.6.4", body(";foo=\"a\\\"b\""), echo("POST", "/echo", "hello"))
	t.ok("ext-several", "RFC 9112 §7.1.1", body(";a=1;b;c=\"x\""), echo("POST", "/echo", "hello"))
	t.ok("ext-on-last-chunk", "RFC 9112 §7.1.1", chunked("5\r\nhello\r\n0;end=1\r\n\r\n"), echo("POST", "/echo", "hello"))
	t.ok("ext-3k", "wasmweb policy: chunk line up to 4 KiB", body(";a="+strings.Repeat("v", 3000)), echo("POST", "/echo", "hello"))
	t.reject("ext-5k", "Go net/http TestChunkReaderTooMuchOverhead (CVE-2023-39326); wasmweb policy: 4 KiB", body(";a="+strings.Repeat("v", 5000)), 400)
	t.reject("ext-64k", "Http11Probe MAL-CHUNK-EXT-64K", body(";a="+strings.Repeat("v", 65536)), 400)
	for _, v := range []struct{ name, ext, src string }{
		{"bare-semicolon", ";", "Http11Probe SMUG-CHUNK-BARE-SEMICOLON"},
		{"invalid-token", ";a@b", "Http11Probe SMUG-CHUNK-EXT-INVALID-TOKEN"},
		{"empty-value", ";a=", "RFC 9112 §7.1.1"},
		{"bare-lf", ";a\nb", "Http11Probe SMUG-CHUNK-EXT-LF; Kestrel CVE-2025-55315"},
		{"bare-cr", ";a\rb", "Http11Probe SMUG-CHUNK-EXT-CR"},
		{"nul", ";a\x00", "RFC 9112 §7.1.1"},
		{"ctl", ";a=\x01", "Http11Probe SMUG-CHUNK-EXT-CTRL"},
		{"del", ";a=\x7f", "RFC 9112 §7.1.1"},
		{"quoted-lf", ";a=\"x\ny\"", "fasthttp#1899"},
		{"quoted-cr", ";a=\"x\ry\"", "RFC 9110 §5.6.4"},
		{"unterminated-quote", ";a=\"x", "RFC 9110 §5.6.4"},
	} {
		t.reject("ext-invalid-"+v.name, v.src, body(v.ext), 400)
	}
	return t
}

// lineEndingCases covers CRLF-only framing of the head (RFC 9112 §2.2).
// Policy: a bare LF or bare CR anywhere in the head → 400.
func lineEndingCases() table {
	var t table
	t.reject("le-all-bare-lf", "picohttpparser test.c; RFC 9112 §2.2", "GET /echo HTTP/1.1\nHost: t.test\n\n", 400)
	t.reject("le-header-bare-lf", "Http11Probe RFC9112-2.2-BARE-LF-HEADER", "GET /echo HTTP/1.1\r\nHost: t.test\nX-A: b\r\n\r\n", 400)
	t.reject("le-end-of-head-bare-lf", "RFC 9112 §2.2", "GET /echo HTTP/1.1\r\nHost: t.test\r\n\n", 400)
	t.reject("le-end-of-head-lf-crlf", "RFC 9112 §2.2", "GET /echo HTTP/1.1\r\nHost: t.test\n\r\n", 400)
	t.reject("le-end-of-head-cr-x", "HTTP Garden: header block ending in \\r\\n\\rX", "GET /echo HTTP/1.1\r\nHost: t.test\r\n\rX", 400)
	t.reject("le-end-of-head-cr-only", "RFC 9112 §2.2", "GET /echo HTTP/1.1\r\nHost: t.test\r\n\r", 400)
	t.reject("le-header-cr-cr-lf", "RFC 9112 §2.2", "GET /echo HTTP/1.1\r\nHost: t.test\r\r\n\r\n", 400)
	t.reject("le-header-cr-terminator", "RFC 9112 §2.2", "GET /echo HTTP/1.1\r\nHost: t.test\rX-A: b\r\n\r\n", 400)
	t.reject("le-lf-cr", "RFC 9112 §2.2", "GET /echo HTTP/1.1\n\rHost: t.test\r\n\r\n", 400)
	return t
}

// limitCases covers the server's default size limits: request line 8 KiB
// (414), header block 64 KiB (431), 100 header fields (431, counting every
// field line including Host) and body 10 MiB (413, from Content-Length
// before any body is read).
func limitCases() table {
	var t table
	q7k := "/echo?" + strings.Repeat("a", 7000)
	t.ok("limit-request-line-7k", "Http11Probe COMP-LONG-URL-OK", get(q7k), echo("GET", q7k, ""))
	t.reject("limit-request-line-9k", "Http11Probe MAL-LONG-URL; RFC 9112 §3", get("/echo?"+strings.Repeat("a", 9000)), 414)
	t.reject("limit-request-line-64k", "RFC 9110 §15.5.15", get("/echo?"+strings.Repeat("a", 65536)), 414)
	// Policy: the request-line limit applies whatever part is long.
	t.reject("limit-long-method", "Http11Probe MAL-LONG-METHOD (policy: 414)", req(strings.Repeat("M", 9000), "/echo", "", ""), 414)
	pad := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "X-Pad-%03d: %s\r\n", i, strings.Repeat("p", 984))
		}
		return b.String()
	}
	t.ok("limit-header-block-60k", "nginx-like default; Tornado MaxHeaderSizeTest (under)", req("GET", "/echo", pad(60), ""), echo("GET", "/echo", ""))
	t.reject("limit-header-block-70k", "RFC 6585 §5; Tornado MaxHeaderSizeTest; Go net/http TestServerValidatesHeaders", req("GET", "/echo", pad(70), ""), 431)
	t.reject("limit-header-value-70k", "Http11Probe MAL-LONG-HEADER-VALUE", req("GET", "/echo", "X-Big: "+strings.Repeat("v", 70000)+"\r\n", ""), 431)
	t.reject("limit-header-name-70k", "Http11Probe MAL-LONG-HEADER-NAME", req("GET", "/echo", strings.Repeat("N", 70000)+": v\r\n", ""), 431)
	fields := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, "X-F-%d: v\r\n", i)
		}
		return b.String()
	}
	t.ok("limit-fields-100", "wasmweb default: 100 fields", req("GET", "/echo", fields(99), ""), echo("GET", "/echo", ""))
	t.reject("limit-fields-101", "Http11Probe MAL-MANY-HEADERS", req("GET", "/echo", fields(100), ""), 431)
	t.reject("limit-fields-10000-tiny", "Tornado CVE-2025-67725 (repeated header lines)", req("GET", "/echo", strings.Repeat("a: b\r\n", 10000), ""), 431)
	t.reject("limit-body-cl-over", "Http11Probe MAL-POST-CL-HUGE-NO-BODY; Go net/http TestRequestLimit", post("Content-Length: 10485761\r\n", ""), 413)
	t.reject("limit-body-cl-max-int64", "RFC 9110 §15.5.14", post("Content-Length: 9223372036854775807\r\n", ""), 413)
	return t
}

// expectCases covers Expect: 100-continue (RFC 9110 §10.1.1). A server may
// omit the interim response when it already has the body, so these cases
// accept an optional 100 Continue, except where none is allowed.
func expectCases() table {
	var t table
	t.add100("expect-cl-body", "RFC 9110 §10.1.1", post("Expect: 100-continue\r\nContent-Length: 5\r\n", "hello"), false, echo("POST", "/echo", "hello"))
	t.add100("expect-mixed-case", "RFC 9110 §10.1.1: case-insensitive", post("Expect: 100-Continue\r\nContent-Length: 5\r\n", "hello"), false, echo("POST", "/echo", "hello"))
	t.add100("expect-chunked", "RFC 9110 §10.1.1", post("Expect: 100-continue\r\nTransfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"), false, echo("POST", "/echo", "hello"))
	t.add100("expect-no-body", "RFC 9110 §10.1.1", req("GET", "/echo", "Expect: 100-continue\r\n", ""), false, echo("GET", "/echo", ""))
	t.add100("expect-then-next-request", "Http11Probe SMUG-EXPECT-100-CL-DESYNC", post("Expect: 100-continue\r\nContent-Length: 5\r\n", "hello")+get("/echo?next"), false, echo("POST", "/echo", "hello"), echo("GET", "/echo?next", ""))
	t.add100("expect-pipelined-two", "RFC 9110 §10.1.1; RFC 9112 §9.3", post("Expect: 100-continue\r\nContent-Length: 1\r\n", "a")+post("Expect: 100-continue\r\nContent-Length: 1\r\n", "b"), false, echo("POST", "/echo", "a"), echo("POST", "/echo", "b"))
	// An error decided from the head is sent instead of 100 Continue.
	t.reject("expect-body-too-large", "RFC 9110 §10.1.1; Http11Probe SMUG-EXPECT-100-CL", post("Expect: 100-continue\r\nContent-Length: 10485761\r\n", ""), 413)
	t.reject("expect-invalid-cl", "RFC 9110 §10.1.1", post("Expect: 100-continue\r\nContent-Length: +5\r\n", "hello"), 400)
	// A server MUST ignore 100-continue in an HTTP/1.0 request.
	t.closes("expect-http10", "RFC 9110 §10.1.1; Http11Probe COMP-NO-1XX-HTTP10", raw("POST /echo HTTP/1.0", "Expect: 100-continue\r\nContent-Length: 5\r\n", "hello"), echo("POST", "/echo", "hello"))
	return t
}

// connectionCases covers persistence (RFC 9112 §9.3, §9.6).
func connectionCases() table {
	var t table
	t.closes("conn-close", "RFC 9112 §9.6; Http11Probe COMP-CONNECTION-CLOSE", req("GET", "/echo", "Connection: close\r\n", ""), echo("GET", "/echo", ""))
	t.closes("conn-close-uppercase", "RFC 9110 §7.6.1: case-insensitive", req("GET", "/echo", "Connection: CLOSE\r\n", ""), echo("GET", "/echo", ""))
	t.closes("conn-close-in-list", "RFC 9110 §7.6.1", req("GET", "/echo", "Connection: keep-alive, close\r\n", ""), echo("GET", "/echo", ""))
	t.closes("conn-close-second-line", "RFC 9110 §7.6.1", req("GET", "/echo", "Connection: keep-alive\r\nConnection: close\r\n", ""), echo("GET", "/echo", ""))
	t.closes("conn-close-stops-pipeline", "RFC 9112 §9.6", req("GET", "/echo?first", "Connection: close\r\n", "")+get("/echo?second"), echo("GET", "/echo?first", ""))
	t.closes("conn-close-post", "RFC 9112 §9.6", post("Connection: close\r\nContent-Length: 5\r\n", "hello"), echo("POST", "/echo", "hello"))
	t.ok("conn-keepalive-http11", "RFC 9112 §9.3", req("GET", "/echo", "Connection: keep-alive\r\n", ""), echo("GET", "/echo", ""))
	t.ok("conn-other-option", "RFC 9110 §7.6.1", req("GET", "/echo", "Connection: x-custom\r\nX-Custom: 1\r\n", ""), echo("GET", "/echo", ""))
	// Policy: Upgrade is not supported and is ignored.
	t.ok("conn-upgrade-ignored", "Http11Probe COMP-UPGRADE-UNKNOWN (policy: ignored)", req("GET", "/echo", "Connection: Upgrade\r\nUpgrade: websocket\r\n", ""), echo("GET", "/echo", ""))
	t.closes("conn-http10-default-close", "RFC 9112 §9.3; Http11Probe COMP-HTTP10-DEFAULT-CLOSE", raw("GET / HTTP/1.0", "", ""), hello())
	t.closes("conn-http10-default-close-pipelined", "RFC 9112 §9.3", raw("GET /echo?a HTTP/1.0", "", "")+raw("GET /echo?b HTTP/1.0", "", ""), echo("GET", "/echo?a", ""))
	t.ok("conn-http10-keepalive", "RFC 9112 §9.3; Tornado KeepAliveTest", raw("GET /echo HTTP/1.0", "Connection: keep-alive\r\n", ""), echo("GET", "/echo", ""))
	t.ok("conn-http10-keepalive-mixed-case", "RFC 9110 §7.6.1", raw("GET /echo HTTP/1.0", "Connection: Keep-Alive\r\n", ""), echo("GET", "/echo", ""))
	t.ok("conn-http10-keepalive-post", "Tornado KeepAliveTest", raw("POST /echo HTTP/1.0", "Connection: keep-alive\r\nContent-Length: 5\r\n", "hello"), echo("POST", "/echo", "hello"))
	t.closes("conn-http10-keepalive-then-close", "Tornado KeepAliveTest", raw("GET /echo?a HTTP/1.0", "Connection: keep-alive\r\n", "")+raw("GET /echo?b HTTP/1.0", "", ""), echo("GET", "/echo?a", ""), echo("GET", "/echo?b", ""))
	t.closes("conn-http10-post-no-length", "RFC 9112 §6.3", raw("POST /echo HTTP/1.0", "", ""), echo("POST", "/echo", ""))
	return t
}

// pipelineCases covers pipelined requests answered in order (RFC 9112
// §9.3.2), with bodies split exactly where their framing says.
func pipelineCases() table {
	var t table
	t.ok("pipe-two-gets", "RFC 9112 §9.3.2; llhttp strict: pipelining", get("/echo?1")+get("/echo?2"), echo("GET", "/echo?1", ""), echo("GET", "/echo?2", ""))
	t.ok("pipe-get-root-echo-404", "Tornado KeepAliveTest", get("/")+get("/echo")+get("/nope"), hello(), echo("GET", "/echo", ""), status(404))
	t.ok("pipe-404-keeps-open", "RFC 9112 §9.3", get("/nope")+get("/echo"), status(404), echo("GET", "/echo", ""))
	t.ok("pipe-post-cl-then-get", "llhttp strict: pipelining", clPost("hello")+get("/echo?after"), echo("POST", "/echo", "hello"), echo("GET", "/echo?after", ""))
	t.ok("pipe-chunked-then-get", "llhttp strict: pipelining", chunked("5\r\nhello\r\n0\r\n\r\n")+get("/echo?after"), echo("POST", "/echo", "hello"), echo("GET", "/echo?after", ""))
	t.ok("pipe-chunked-trailer-then-get", "RFC 9112 §7.1.2", chunked("5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n")+get("/echo?after"), echo("POST", "/echo", "hello"), echo("GET", "/echo?after", ""))
	t.ok("pipe-get-post-get", "RFC 9112 §9.3.2", get("/echo?1")+clPost("abc")+get("/echo?3"), echo("GET", "/echo?1", ""), echo("POST", "/echo", "abc"), echo("GET", "/echo?3", ""))
	t.ok("pipe-one-crlf-between", "RFC 9112 §2.2; Tornado KeepAliveTest (extra CRLF)", get("/echo?1")+"\r\n"+get("/echo?2"), echo("GET", "/echo?1", ""), echo("GET", "/echo?2", ""))
	t.closes("pipe-two-crlf-between", "RFC 9112 §2.2 (policy: only one empty line)", get("/echo?1")+"\r\n\r\n"+get("/echo?2"), echo("GET", "/echo?1", ""), status(400))
	t.closes("pipe-error-stops", "Http11Probe SMUG-PIPELINE-SAFE; RFC 9112 §9.3.2", get("/echo?1")+raw("GET /echo?2 HTTP/1.1", "X-A : b\r\n"+host, "")+get("/echo?3"), echo("GET", "/echo?1", ""), status(400))
	t.closes("pipe-505-stops", "RFC 9110 §15.6.6", get("/echo?1")+raw("GET /echo?2 HTTP/2.0", host, "")+get("/echo?3"), echo("GET", "/echo?1", ""), status(505))
	t.ok("pipe-http10-keepalive-then-http11", "RFC 9112 §9.3", raw("GET /echo?a HTTP/1.0", "Connection: keep-alive\r\n", "")+get("/echo?b"), echo("GET", "/echo?a", ""), echo("GET", "/echo?b", ""))

	var in strings.Builder
	var want []Resp
	for i := 0; i < 100; i++ {
		target := fmt.Sprintf("/echo?n=%d", i)
		in.WriteString(get(target))
		want = append(want, echo("GET", target, ""))
	}
	t.ok("pipe-100-gets", "Tornado KeepAliveTest; reliability §6 item 10", in.String(), want...)

	in.Reset()
	want = nil
	for i := 0; i < 50; i++ {
		b := fmt.Sprintf("body-%d", i)
		if i%2 == 0 {
			in.WriteString(clPost(b))
		} else {
			in.WriteString(chunked(fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(b), b)))
		}
		want = append(want, echo("POST", "/echo", b))
	}
	t.ok("pipe-50-mixed-bodies", "RFC 9112 §6.3, §9.3.2", in.String(), want...)
	return t
}

// headCases covers HEAD responses without content (RFC 9110 §9.3.2).
func headCases() table {
	var t table
	t.ok("head-root", "Http11Probe COMP-HEAD-NO-BODY", req("HEAD", "/", "", ""), headResp(200))
	t.ok("head-echo", "RFC 9110 §9.3.2", req("HEAD", "/echo?x", "", ""), headResp(200))
	t.ok("head-not-found", "RFC 9110 §9.3.2", req("HEAD", "/nope", "", ""), headResp(404))
	t.closes("head-http10", "RFC 9110 §9.3.2", raw("HEAD / HTTP/1.0", "", ""), headResp(200))
	t.ok("head-pipelined", "Tornado KeepAliveTest (HEAD)", req("HEAD", "/", "", "")+req("HEAD", "/echo", "", "")+get("/"), headResp(200), headResp(200), hello())
	// HEAD may carry content; its Content-Length still frames the request.
	t.ok("head-with-cl-body", "Http11Probe SMUG-HEAD-CL-BODY", req("HEAD", "/echo", "Content-Length: 5\r\n", "hello")+get("/echo?after"), headResp(200), echo("GET", "/echo?after", ""))
	return t
}

// absoluteFormCases covers absolute-form targets (RFC 9112 §3.2.2): the
// target's authority wins over Host, but HTTP/1.1 still needs a Host line.
// Policy: userinfo in the authority → 400 (RFC 9110 §4.2.4).
func absoluteFormCases() table {
	var t table
	line := func(target string) string { return "GET " + target + " HTTP/1.1" }
	t.ok("abs-echo", "Http11Probe COMP-ABSOLUTE-FORM", raw(line("http://t.test/echo?a=1"), host, ""), echo("GET", "http://t.test/echo?a=1", ""))
	t.ok("abs-port", "RFC 9112 §3.2.2", raw(line("http://t.test:8080/echo"), host, ""), echo("GET", "http://t.test:8080/echo", ""))
	t.ok("abs-root", "RFC 9112 §3.2.2", raw(line("http://t.test/"), host, ""), hello())
	t.reject("abs-pct-encoded-host", "RFC 3986 §3.2.2 (policy: no pct-encoded hosts)", raw(line("http://t%2etest/echo"), host, ""), 400)
	t.ok("abs-not-found", "RFC 9112 §3.2.2", raw(line("http://t.test/nope"), host, ""), status(404))
	t.ok("abs-host-mismatch", "RFC 9112 §3.2.2; Http11Probe SMUG-ABSOLUTE-URI-HOST-MISMATCH", raw(line("http://a.test/echo"), "Host: b.test\r\n", ""), echo("GET", "http://a.test/echo", ""))
	t.ok("abs-post", "RFC 9112 §3.2.2", raw("POST http://t.test/echo HTTP/1.1", host+"Content-Length: 2\r\n", "hi"), echo("POST", "http://t.test/echo", "hi"))
	t.closes("abs-http10", "RFC 9112 §3.2.2", raw("GET http://t.test/echo HTTP/1.0", "", ""), echo("GET", "http://t.test/echo", ""))
	t.reject("abs-missing-host", "RFC 9112 §3.2", raw(line("http://t.test/echo"), "", ""), 400)
	t.reject("abs-userinfo", "RFC 9110 §4.2.4 (policy: 400)", raw(line("http://user@t.test/echo"), host, ""), 400)
	t.reject("abs-fragment", "RFC 9112 §3.2", raw(line("http://t.test/echo#f"), host, ""), 400)
	t.reject("abs-space-in-authority", "RFC 9112 §3.2", raw(line("http://t .test/echo"), host, ""), 400)
	return t
}

// smugglingCases combines conflicting framing with a smuggled request,
// after the classic CL.TE, TE.CL and TE.TE desync attacks (RFC 9112
// §11.2). Every one must be refused before the inner request runs.
func smugglingCases() table {
	var t table
	smuggled := "GET /echo?SMUGGLED HTTP/1.1\r\nHost: t.test\r\n\r\n"
	clte := "0\r\n\r\n" + smuggled
	tecl := fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(smuggled), smuggled)
	cl := func(n int) string { return fmt.Sprintf("Content-Length: %d\r\n", n) }
	t.reject("smug-cl-te-get", "Http11Probe SMUG-CLTE-SMUGGLED-GET", post(cl(len(clte))+"Transfer-Encoding: chunked\r\n", clte), 400)
	t.reject("smug-cl-te-head", "Http11Probe SMUG-CLTE-SMUGGLED-HEAD", post(cl(len(clte))+"Transfer-Encoding: chunked\r\n", "0\r\n\r\nHEAD /echo?SMUGGLED HTTP/1.1\r\nHost: t.test\r\n\r\n"), 400)
	t.reject("smug-te-cl-get", "Http11Probe SMUG-TECL-SMUGGLED-GET", post("Transfer-Encoding: chunked\r\n"+cl(4), tecl), 400)
	t.reject("smug-cl-te-conn-close", "Http11Probe SMUG-CLTE-CONN-CLOSE", post("Connection: close\r\n"+cl(len(clte))+"Transfer-Encoding: chunked\r\n", clte), 400)
	t.reject("smug-cl-plus-with-te", "Http11Probe SMUG-CLTE-SMUGGLED-GET-CL-PLUS", post(fmt.Sprintf("Content-Length: +%d\r\nTransfer-Encoding: chunked\r\n", len(clte)), clte), 400)
	t.reject("smug-cl-alpha-with-te", "Http11Probe SMUG-CLTE-SMUGGLED-GET-CL-NON-NUMERIC", post("Content-Length: 1x\r\nTransfer-Encoding: chunked\r\n", clte), 400)
	t.reject("smug-te-obs-fold-with-cl", "Http11Probe SMUG-CLTE-SMUGGLED-GET-TE-OBS-FOLD", post(cl(len(clte))+"Transfer-Encoding:\r\n chunked\r\n", clte), 400)
	t.reject("smug-te-trailing-space-with-cl", "Http11Probe SMUG-CLTE-SMUGGLED-GET-TE-TRAILING-SPACE", post(cl(len(clte))+"Transfer-Encoding: chunked \r\n", clte), 400)
	t.reject("smug-te-leading-comma-with-cl", "Http11Probe SMUG-CLTE-SMUGGLED-GET-TE-LEADING-COMMA", post(cl(len(clte))+"Transfer-Encoding: , chunked\r\n", clte), 400)
	t.reject("smug-te-case-with-cl", "Http11Probe SMUG-CLTE-SMUGGLED-GET-TE-CASE-MISMATCH", post(cl(len(clte))+"Transfer-Encoding: CHUNKED\r\n", clte), 400)
	t.reject("smug-te-te-duplicate", "Http11Probe SMUG-TE-DUPLICATE-HEADERS-SMUGGLED-GET", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: x\r\n", clte), 400)
	t.reject("smug-te-te-cow", "HTTP request smuggling TE.TE obfuscation", post("Transfer-Encoding: chunked\r\nTransfer-encoding: cow\r\n", clte), 400)
	t.reject("smug-cl-cl-different", "Http11Probe SMUG-DUPLICATE-CL-SMUGGLED-GET", post(cl(len(clte))+cl(5), clte), 400)
	t.reject("smug-te-vtab-with-cl", "HTTP Garden: VT accepted as whitespace", post(cl(len(clte))+"Transfer-Encoding: \x0bchunked\r\n", clte), 400)
	t.reject("smug-te-name-bare-lf", "RFC 9112 §2.2", post(cl(len(clte))+"Transfer-Encoding\n: chunked\r\n", clte), 400)
	t.reject("smug-te-name-nbsp", "HTTP Garden: \\xa0 in field names", post("Transfer-Encoding\xa0: chunked\r\n", clte), 400)
	t.reject("smug-te-after-bare-lf", "RFC 9112 §2.2", post("X-A: b\nTransfer-Encoding: chunked\r\n", clte), 400)
	t.reject("smug-options-te-obs-fold", "Http11Probe SMUG-OPTIONS-TE-OBS-FOLD", req("OPTIONS", "/echo", "Transfer-Encoding:\r\n chunked\r\n", clte), 400)
	t.reject("smug-chunk-ext-lf", "Http11Probe SMUG-CHUNK-EXT-LF", chunked("5;a\nb\r\nhello\r\n0\r\n\r\n"+smuggled), 400)
	// CL 0 leaves the next bytes as a second request: both run, in order.
	t.ok("smug-cl-zero-body-is-next-request", "Http11Probe SMUG-CL0-BODY-POISON", req("GET", "/echo", "Content-Length: 0\r\n", "")+get("/echo?second"), echo("GET", "/echo", ""), echo("GET", "/echo?second", ""))
	// A body that looks like a request is echoed, never executed.
	inner := get("/echo?inner")
	t.ok("smug-get-body-is-not-request", "Http11Probe SMUG-GET-CL-BODY-DESYNC", req("GET", "/echo", cl(len(inner)), inner), echo("GET", "/echo", inner))
	t.ok("smug-options-body-is-not-request", "Http11Probe SMUG-OPTIONS-CL-BODY-DESYNC", req("OPTIONS", "/echo", cl(len(inner)), inner), echo("OPTIONS", "/echo", inner))
	// A body that swallows only a prefix leaves an invalid request line:
	// the server must not resynchronise on it.
	t.closes("smug-get-cl-prefix", "Http11Probe SMUG-GET-CL-PREFIX-DESYNC", req("GET", "/echo", cl(4), "GET /echo?x HTTP/1.1\r\n"+host+"\r\n"), echo("GET", "/echo", "GET "), status(400))
	t.ok("smug-cl-shorter-than-data", "RFC 9112 §6.3", req("POST", "/echo", cl(3), "abc")+get("/echo?second"), echo("POST", "/echo", "abc"), echo("GET", "/echo?second", ""))
	return t
}
