package abikit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/netip"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// cases is Run's table. Each name says the behaviour of abi/ABI.md that
// its case checks.
var cases = []kase{
	// 7.2 Request.
	{"request/fields-through-client", requestFields},
	{"request/fields-verbatim-on-the-wire", requestWire},
	{"request/absolute-form-target", requestAbsoluteForm},
	{"request/route-without-params", requestNoParams},
	{"request/1MiB-body", requestBigBody},
	{"request/ids-differ", requestIDs},
	{"request/HEAD-has-no-body", requestHead},
	{"args/query", argsQuery},
	{"args/urlencoded-body", argsURLEncoded},
	{"args/multipart-body-and-files", argsMultipart},
	{"args/body-that-is-not-a-form", argsNotForm},
	{"args/missing-required-argument-400", argsMissing},
	{"args/required-argument-present", argsRequired},
	{"args/invalid-utf8-400", argsBadUTF8},
	{"raw/outputs-length-query-and-error-codes", rawOutputsCase},
	{"raw/features", rawFeatures},
	{"features/core-bit", featuresCore},
	{"render/escaping-and-layout", renderEscaping},
	{"render/missing-and-failing", renderFailures},
	{"cookies/get", cookiesGet},
	{"cookies/set", cookiesSet},
	{"cookies/injection-refused", cookiesInjection},
	{"cookies/domain-scope-between-sites", cookiesDomainScope},
	{"cookies/host-cookie-names-refused", cookiesHostNames},
	{"signed/round-trip-and-rejections", signedCookies},
	{"user/sign-in-out-and-auth-required", userAuth},
	{"xsrf/host-checks-tokens", xsrfCheck},
	{"locale/cookie-accept-language-default-and-locale-set", localeChoice},
	{"locale/messages-plurals-dates-numbers", localeWriting},
	{"locale/templates", localeTemplates},
	{"locale/raw-outputs-and-invalid-arguments", rawLocaleOutputs},
	{"accounts/login-denied-locked-invalid-and-none", accountsLogin},
	{"signin/login-with-redirects-to-the-provider", signinLoginWith},
	{"signin/login-with-refusals", signinRefusals},
	{"signin/user-claims-only-for-provider-users", signinClaims},
	{"signin/host-paths", signinHostPaths},
	{"signin/auth-providers", signinProviders},

	// 7.3 Response.
	{"status/valid-codes", statusValid},
	{"status/invalid-codes-500", statusInvalid},
	{"headers/set-add-del", headersValid},
	{"headers/invalid-500-nothing-injected", headersInvalid},
	{"headers/100-fields-ok-101-fail", headersCount},
	{"headers/64KiB-ok-one-byte-more-fails", headersSize},
	{"write/empty", writeEmpty},
	{"write/1MiB-in-pieces", write1MiB},
	{"write/exactly-max-response-bytes", writeAtCap},
	{"write/one-write-past-cap-500", writePastCapOneWrite},
	{"write/past-cap-after-streaming-truncates", writePastCapStreamed},
	{"write/HEAD-buffered", writeHeadBuffered},
	{"write/HEAD-streamed", writeHeadStreamed},
	{"stream/head-changes-finished-body-continues-sdk", streamSDK},
	{"stream/head-changes-finished-body-continues-raw", streamRaw},
	{"redirect/default-302-body-discarded-cookie-kept", redirectDefault},
	{"redirect/statuses", redirectStatuses},
	{"redirect/invalid-status-500", redirectBadStatus},
	{"redirect/invalid-url-500", redirectBadURL},
	{"redirect/absolute-and-non-ascii-url", redirectOtherURLs},
	{"redirect/HEAD", redirectHead},
	{"redirect/calls-after-redirect", rawAfterRedirect},
	{"error/page-keeps-guest-headers", errorKeepsHeaders},
	{"error/message-hidden-without-debug", errorNoDebug},
	{"error/message-escaped-with-debug", errorDebug},
	{"error/invalid-status-500", errorBadStatus},
	{"error/unknown-status-text", errorUnknownText},
	{"error/HEAD", errorHead},
	{"error/calls-after-error", rawAfterError},
	{"raw/write-past-cap-500", rawWriteTooLarge},
	{"raw/unknown-header-op-500", rawHeaderOp},
	{"raw/invalid-status-then-valid-still-500", rawInvalidThenValid},
	{"json/write-json", jsonCase},
	{"log/answers", logAnswers},

	// Sections 3 and 4: dispatch and failures.
	{"dispatch/method-set-and-prepare", methodsCase},
	{"dispatch/route-methods-405", routeMethods},
	{"dispatch/panic-500-then-recovers", panicCase},
	{"dispatch/unrouted-404", unrouted},
}

const (
	requestPattern = "/abi/request/{a}/{b...}"
	emptySHA       = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

func ptr(s string) *string { return &s }

// requestFields checks every field of a request sent by the client,
// headers with several values and case-insensitive lookup, a value
// larger than the SDK's first buffer, and percent-decoded parameters.
func requestFields(t *testing.T, k *kit) {
	big := strings.Repeat("v", 10<<10)
	target := "/abi/request/x%2Fy/p/q%20r?z=1&lookup=X-MULTI&lookup=x-missing"
	r := k.do(t, request{target: target, header: http.Header{"X-Multi": {"a", "b"}, "X-Big": {big}}})
	r.want(t, 200)
	r.wantHeader(t, "Content-Type", "application/json; charset=UTF-8")
	var got RequestInfo
	r.decode(t, &got)
	want := RequestInfo{
		Method: "GET", Target: target, Path: "/abi/request/x%2Fy/p/q%20r",
		Query: "z=1&lookup=X-MULTI&lookup=x-missing", Host: k.base.Host,
		RemoteAddr: got.RemoteAddr, Protocol: "HTTP/1.1", Handler: "request",
		RequestID: got.RequestID, RoutePattern: requestPattern, BodyLen: 0, BodySHA256: emptySHA,
		HeaderNames: got.HeaderNames, Headers: got.Headers,
		Lookup: map[string][]string{"X-MULTI": {"a", "b"}, "x-missing": nil},
		Params: map[string]*string{"a": ptr("x/y"), "b": ptr("p/q r"), "missing": nil},
	}
	equalJSON(t, "request", got, want)
	if _, err := netip.ParseAddrPort(got.RemoteAddr); err != nil {
		t.Errorf("remote_addr %q is not ip:port: %v", got.RemoteAddr, err)
	}
	if got.RequestID == "" {
		t.Error("request_id is empty")
	}
	seen := map[string]bool{}
	for _, n := range got.HeaderNames {
		if n != strings.ToLower(n) || seen[n] {
			t.Errorf("header_names %q: %q is not lower-case or repeats", got.HeaderNames, n)
		}
		seen[n] = true
		if len(got.Headers[n]) == 0 {
			t.Errorf("header %q is listed but has no value", n)
		}
	}
	for _, n := range []string{"host", "x-multi", "x-big", "user-agent"} {
		if !seen[n] {
			t.Errorf("header_names %q lacks %q", got.HeaderNames, n)
		}
	}
	equalJSON(t, "x-multi", got.Headers["x-multi"], []string{"a", "b"})
	if v := got.Headers["x-big"]; len(v) != 1 || v[0] != big {
		t.Errorf("x-big: got %d values, want one of 10 KiB", len(v))
	}
	equalJSON(t, "host header", got.Headers["host"], []string{k.base.Host})
}

// requestWire sends a request byte for byte and checks that every field
// is what was sent: HTTP/1.0, the header names in order of first
// appearance, repeated names with mixed case, and the body.
func requestWire(t *testing.T, k *kit) {
	r := k.raw(t, "PUT /abi/request/%41/b/c%3F?q HTTP/1.0\r\nHost: Example.TEST\r\nX-A: 1\r\nx-b: 2\r\nX-a: 3\r\n"+
		"Content-Length: 3\r\nConnection: close\r\n\r\nabc")
	r.want(t, 200)
	var got RequestInfo
	r.decode(t, &got)
	want := RequestInfo{
		Method: "PUT", Target: "/abi/request/%41/b/c%3F?q", Path: "/abi/request/%41/b/c%3F", Query: "q",
		Host: "Example.TEST", RemoteAddr: got.RemoteAddr, Protocol: "HTTP/1.0", Handler: "request",
		RequestID: got.RequestID, RoutePattern: requestPattern, BodyLen: 3, BodySHA256: sha([]byte("abc")),
		HeaderNames: []string{"host", "x-a", "x-b", "content-length", "connection"},
		Headers: map[string][]string{"host": {"Example.TEST"}, "x-a": {"1", "3"}, "x-b": {"2"},
			"content-length": {"3"}, "connection": {"close"}},
		Lookup: map[string][]string{},
		Params: map[string]*string{"a": ptr("A"), "b": ptr("b/c?"), "missing": nil},
	}
	equalJSON(t, "request", got, want)
}

// requestAbsoluteForm checks an absolute-form target: the target is
// verbatim, the path is the target's path, and the host is the target's
// authority (RFC 9112 §3.2.2), not the Host field.
func requestAbsoluteForm(t *testing.T, k *kit) {
	r := k.raw(t, "GET http://abs.test/abi/request/1/2?x HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n")
	r.want(t, 200)
	var got RequestInfo
	r.decode(t, &got)
	if got.Target != "http://abs.test/abi/request/1/2?x" || got.Path != "/abi/request/1/2" || got.Query != "x" ||
		got.Host != "abs.test" {
		t.Errorf("target %q path %q query %q host %q; want the absolute-form target verbatim, its path, its query and abs.test",
			got.Target, got.Path, got.Query, got.Host)
	}
}

func requestNoParams(t *testing.T, k *kit) {
	r := k.get(t, "/abi/request")
	r.want(t, 200)
	var got RequestInfo
	r.decode(t, &got)
	if got.RoutePattern != "/abi/request" || got.Query != "" || got.Target != "/abi/request" {
		t.Errorf("route_pattern %q query %q target %q", got.RoutePattern, got.Query, got.Target)
	}
	equalJSON(t, "params", got.Params, map[string]*string{"a": nil, "b": nil, "missing": nil})
}

// requestBigBody sends 1 MiB, more than any first buffer of a guest.
func requestBigBody(t *testing.T, k *kit) {
	body := randomBytes(1 << 20)
	r := k.do(t, request{method: "POST", target: "/abi/request/a/b", body: body,
		header: http.Header{"Content-Type": {"application/octet-stream"}}})
	r.want(t, 200)
	var got RequestInfo
	r.decode(t, &got)
	if got.BodyLen != len(body) || got.BodySHA256 != sha(body) || got.Method != "POST" {
		t.Errorf("method %s body_len %d sha %s; want POST %d %s", got.Method, got.BodyLen, got.BodySHA256, len(body), sha(body))
	}
}

func requestIDs(t *testing.T, k *kit) {
	ids := map[string]bool{}
	for range 5 {
		var got RequestInfo
		r := k.get(t, "/abi/request")
		r.want(t, 200)
		r.decode(t, &got)
		if got.RequestID == "" || ids[got.RequestID] {
			t.Fatalf("request_id %q is empty or repeats", got.RequestID)
		}
		ids[got.RequestID] = true
	}
}

func requestHead(t *testing.T, k *kit) {
	r := k.raw(t, "HEAD /abi/request/a/b HTTP/1.1\r\nHost: abi.test\r\nConnection: close\r\n\r\n")
	r.want(t, 200)
	if _, rest := r.head(); rest != "" {
		t.Errorf("HEAD response has a body: %.100q", rest)
	}
}

func argsQuery(t *testing.T, k *kit) {
	r := k.get(t, "/abi/args?b=2&a=1&a=%20x%20&c&bad=%zz&sp=a+b&ctl=a%01b")
	r.want(t, 200)
	var got ArgsInfo
	r.decode(t, &got)
	query := map[string][]string{"a": {"1", "x"}, "b": {"2"}, "c": {""}, "ctl": {"a b"}, "sp": {"a b"}}
	want := ArgsInfo{
		Names: []string{"a", "b", "c", "ctl", "sp"},
		Query: query, All: query,
		Body:  map[string][]string{"a": nil, "b": nil, "c": nil, "ctl": nil, "sp": nil},
		Last:  map[string]string{"a": "x", "b": "2", "c": "", "ctl": "a b", "sp": "a b"},
		Files: map[string][]FileInfo{},
	}
	equalJSON(t, "args", got, want)
}

func argsURLEncoded(t *testing.T, k *kit) {
	r := k.do(t, request{method: "POST", target: "/abi/args?a=q1&q=only",
		header: http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=UTF-8"}},
		body:   []byte("a=b1&a=b2&z=%E2%98%83&e=")})
	r.want(t, 200)
	var got ArgsInfo
	r.decode(t, &got)
	want := ArgsInfo{
		Names: []string{"a", "e", "q", "z"},
		Query: map[string][]string{"a": {"q1"}, "e": nil, "q": {"only"}, "z": nil},
		Body:  map[string][]string{"a": {"b1", "b2"}, "e": {""}, "q": nil, "z": {"☃"}},
		All:   map[string][]string{"a": {"q1", "b1", "b2"}, "e": {""}, "q": {"only"}, "z": {"☃"}},
		Last:  map[string]string{"a": "b2", "e": "", "q": "only", "z": "☃"},
		Files: map[string][]FileInfo{},
	}
	equalJSON(t, "args", got, want)
}

// multipartForm builds the multipart body of argsMultipart.
func multipartForm(bin []byte) (body []byte, contentType string) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("a", "m1")
	w.WriteField("t", "  spaced\t ")
	part := func(field, filename, ctype string, data []byte) {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, field, filename))
		if ctype != "" {
			h.Set("Content-Type", ctype)
		}
		p, _ := w.CreatePart(h)
		p.Write(data)
	}
	part("up", "a.txt", "text/plain", []byte("hello"))
	part("up", "b.bin", "", bin)
	part("doc", "x.pdf", "application/pdf", []byte("pdf"))
	w.Close()
	return b.Bytes(), w.FormDataContentType()
}

func argsMultipart(t *testing.T, k *kit) {
	bin := randomBytes(1000)
	body, ctype := multipartForm(bin)
	r := k.do(t, request{method: "POST", target: "/abi/args?a=q", body: body,
		header: http.Header{"Content-Type": {ctype}, "X-Files": {"up, doc, none"}}})
	r.want(t, 200)
	var got ArgsInfo
	r.decode(t, &got)
	want := ArgsInfo{
		Names: []string{"a", "t"},
		Query: map[string][]string{"a": {"q"}, "t": nil},
		Body:  map[string][]string{"a": {"m1"}, "t": {"spaced"}},
		All:   map[string][]string{"a": {"q", "m1"}, "t": {"spaced"}},
		Last:  map[string]string{"a": "m1", "t": "spaced"},
		Files: map[string][]FileInfo{
			"up": {
				{Name: "a.txt", Type: "text/plain", Size: 5, SHA256: sha([]byte("hello"))},
				{Name: "b.bin", Type: "", Size: len(bin), SHA256: sha(bin)},
			},
			"doc":  {{Name: "x.pdf", Type: "application/pdf", Size: 3, SHA256: sha([]byte("pdf"))}},
			"none": {},
		},
	}
	equalJSON(t, "args", got, want)
}

func argsNotForm(t *testing.T, k *kit) {
	r := k.do(t, request{method: "POST", target: "/abi/args", body: []byte("a=1"),
		header: http.Header{"Content-Type": {"text/plain"}}})
	r.want(t, 200)
	var got ArgsInfo
	r.decode(t, &got)
	if len(got.Names) != 0 {
		t.Errorf("a text/plain body gave arguments %q", got.Names)
	}
}

func argsMissing(t *testing.T, k *kit) {
	r := k.do(t, request{target: "/abi/args?a=1", header: http.Header{"X-Require": {"nope"}}})
	r.want(t, 400)
	if bytes.Contains(r.body, []byte("Missing argument")) {
		t.Errorf("the message shows on a site without debug: %q", r.body)
	}
}

func argsRequired(t *testing.T, k *kit) {
	r := k.do(t, request{target: "/abi/args?a=%20v%20", header: http.Header{"X-Require": {"a"}}})
	r.want(t, 200)
	var got ArgsInfo
	r.decode(t, &got)
	if got.Required != "v" {
		t.Errorf("required = %q, want %q", got.Required, "v")
	}
}

func argsBadUTF8(t *testing.T, k *kit) {
	k.get(t, "/abi/args?a=%ff").want(t, 400)
}

// rawOutputsCase checks the (buf, buf_limit) -> len rule on every
// request field (buf_limit 0 asks for the length; a buffer one byte
// short is left untouched) and the error codes of the request functions.
func rawOutputsCase(t *testing.T, k *kit) {
	target := "/abi/raw/x%20y?case=outputs&raw=%20x%20&bad=%zz"
	r := k.raw(t, "GET "+target+" HTTP/1.1\r\nHost: raw.test\r\nX-A: 1\r\nx-a: 2\r\nConnection: close\r\n\r\n")
	r.want(t, 200)
	var got rawOutputs
	r.decode(t, &got)
	for _, f := range []string{"5", "9"} { // remote address, request id: any value, read correctly
		o := got.Fields[f]
		if o.Len0 <= 0 || o != out(o.Value) {
			t.Errorf("field %s: %+v", f, o)
		}
	}
	want := rawOutputs{
		Fields: map[string]rawOutput{
			"0": out("GET"), "1": out(target), "2": out("/abi/raw/x%20y"),
			"3": out("case=outputs&raw=%20x%20&bad=%zz"), "4": out("raw.test"), "5": got.Fields["5"],
			"6": out("HTTP/1.1"), "7": out(""), "8": out("raw"), "9": got.Fields["9"],
			"10": out("/abi/raw/{p}"),
		},
		Field11: -2, FieldNeg: -2,
		HeaderXA1: out("2"), HeaderXA2: -1, HeaderNeg: -1, HeaderMissing: -1,
		HeaderNames:  out("host\x00x-a\x00connection\x00"),
		ParamP:       out("x y"),
		ParamMissing: -1,
		ArgRaw:       out(" x "), ArgBad: -1, ArgNeg: -1, ArgSource0: -2, ArgSource4: -2,
		ArgNamesAll: out("case\x00raw\x00"), ArgNamesSource0: -2,
		FileMissing: -1,
		Features:    got.Features,
	}
	equalJSON(t, "raw outputs", got, want)
	if got.Features&1 == 0 {
		t.Errorf("host_features = %#x, FEATURE_CORE unset", got.Features)
	}
}

func rawFeatures(t *testing.T, k *kit) {
	r := k.get(t, "/abi/raw/f?case=features")
	r.want(t, 200)
	var got struct{ Features int64 }
	r.decode(t, &got)
	if got.Features&1 == 0 {
		t.Errorf("host_features = %#x, FEATURE_CORE unset", got.Features)
	}
}

func featuresCore(t *testing.T, k *kit) {
	r := k.get(t, "/abi/features")
	r.want(t, 200)
	var got struct{ Features uint64 }
	r.decode(t, &got)
	if got.Features&1 == 0 {
		t.Errorf("features = %#x, FEATURE_CORE unset", got.Features)
	}
}

func statusValid(t *testing.T, k *kit) {
	for _, code := range []int{200, 201, 299, 400, 404, 418, 500, 599} {
		r := k.get(t, "/abi/status?code="+strconv.Itoa(code))
		r.want(t, code)
		if string(r.body) != "status" {
			t.Errorf("%d: body %q", code, r.body)
		}
	}
}

func statusInvalid(t *testing.T, k *kit) {
	for _, code := range []int{199, 600, 100, 101, 0, -1, 1000, 1 << 31} {
		r := k.get(t, "/abi/status?code="+strconv.Itoa(code))
		if r.status != 500 {
			t.Errorf("status %d: got %s, want 500", code, r)
		}
	}
}

// headersURL is the request-target of the headers handler for ops.
func headersURL(ops [][]string) string {
	b, _ := json.Marshal(ops)
	return "/abi/headers?" + q("ops", string(b))
}

func headersValid(t *testing.T, k *kit) {
	ops := [][]string{
		{"set", "X-A", "1"}, {"add", "X-M", "a"}, {"add", "x-m", "b"},
		{"set", "X-S", "first"}, {"set", "x-s", "second"},
		{"add", "X-D", "gone"}, {"del", "x-d"},
		{"del", "Content-Length"}, {"del", "Date"}, {"del", "X-Never-Set"},
		{"set", "Content-Type", "text/plain"}, {"set", "X-Tab", "a\tb"},
		{"set", "X-Empty", ""}, {"set", "X-Utf8", "é"}, {"set", "!#$%&'*+-.^_`|~09az", "token"},
	}
	r := k.do(t, request{target: headersURL(ops)})
	r.want(t, 200)
	var got struct{ Results []int32 }
	r.decode(t, &got)
	equalJSON(t, "results", got.Results, make([]int32, len(ops)))
	r.wantHeader(t, "X-A", "1")
	r.wantHeader(t, "X-M", "a", "b")
	r.wantHeader(t, "X-S", "second")
	r.wantHeader(t, "X-D")
	r.wantHeader(t, "Content-Type", "text/plain")
	r.wantHeader(t, "X-Tab", "a\tb")
	r.wantHeader(t, "X-Empty", "")
	r.wantHeader(t, "X-Utf8", "é")
	r.wantHeader(t, "!#$%&'*+-.^_`|~09az", "token")
	r.wantHeader(t, "Content-Length", strconv.Itoa(len(r.body)))
}

// headersInvalid sends each invalid operation alone and checks the raw
// response: 500, one Content-Length, and nothing of the operation.
func headersInvalid(t *testing.T, k *kit) {
	for _, op := range [][]string{
		{"set", "X-Inj", "a\r\nX-Injected: evil"},
		{"set", "X-Inj", "a\nX-Injected: evil"},
		{"add", "X-Inj", "a\revil"},
		{"set", "X-Inj", "a\x00evil"},
		{"set", "X-Inj", "a\x7fevil"},
		{"set", "X-Inj", "a\x0bevil"},
		{"set", "X-Inj", " evil"},
		{"set", "X-Inj", "evil "},
		{"set", "X-Inj", "evil\t"},
		{"set", "Bad Name", "evil"},
		{"set", "X-Inj:", "evil"},
		{"set", "", "evil"},
		{"set", "X-Inj\r\nX-Injected", "evil"},
		{"set", "X-Inj\x00", "evil"},
		{"set", "Ünicode", "evil"},
		{"set", "Content-Length", "9999"},
		{"add", "content-length", "9999"},
		{"set", "Transfer-Encoding", "evil"},
		{"set", "Connection", "evil"},
		{"add", "DATE", "evil"},
		{"del", "Bad Name", "evil"},
	} {
		t.Run(fmt.Sprintf("%q", op), func(t *testing.T) {
			ops := [][]string{{"set", "X-Before", "1"}, op}
			r := k.raw(t, "GET "+headersURL(ops)+" HTTP/1.1\r\nHost: abi.test\r\nConnection: close\r\n\r\n")
			if r.status != 500 {
				t.Fatalf("got %s, want 500", r)
			}
			head, _ := r.head()
			lower := strings.ToLower(head)
			for _, bad := range []string{"evil", "x-inj", "9999", "transfer-encoding"} {
				if strings.Contains(lower, bad) {
					t.Errorf("%q reached the wire: %q", bad, head)
				}
			}
			if n := strings.Count(lower, "\r\ncontent-length:"); n != 1 {
				t.Errorf("%d Content-Length fields: %q", n, head)
			}
		})
	}
}

func headersCount(t *testing.T, k *kit) {
	ops := [][]string{}
	for i := range 100 {
		ops = append(ops, []string{"add", "X-H" + strconv.Itoa(i), "v"})
	}
	r := k.get(t, headersURL(ops))
	r.want(t, 200)
	for i := range 100 {
		if r.header.Get("X-H"+strconv.Itoa(i)) != "v" {
			t.Fatalf("X-H%d missing", i)
		}
	}
	ops = append(ops, []string{"add", "X-H100", "v"})
	if r := k.get(t, headersURL(ops)); r.status != 500 {
		t.Errorf("101 fields: %s, want 500", r)
	}
}

func headersSize(t *testing.T, k *kit) {
	// name, value and 4 bytes: 5 + 65527 + 4 = 64 KiB.
	r := k.get(t, headersURL([][]string{{"big", "X-Big", "65527"}}))
	r.want(t, 200)
	if v := r.header.Get("X-Big"); len(v) != 65527 {
		t.Errorf("X-Big has %d bytes, want 65527", len(v))
	}
	if r := k.get(t, headersURL([][]string{{"big", "X-Big", "65528"}})); r.status != 500 {
		t.Errorf("64 KiB + 1: %s, want 500", r)
	}
}

// wantPattern fails t unless r is 200 with n bytes of Pattern.
func wantPattern(t *testing.T, r *reply, n int) {
	t.Helper()
	r.want(t, 200)
	if !bytes.Equal(r.body, Pattern(n)) {
		t.Errorf("body: %d bytes, want %d bytes of the pattern", len(r.body), n)
	}
}

func writeEmpty(t *testing.T, k *kit) {
	r := k.get(t, "/abi/write?n=0")
	wantPattern(t, r, 0)
	r.wantHeader(t, "Content-Length", "0")
}

func write1MiB(t *testing.T, k *kit) {
	wantPattern(t, k.get(t, "/abi/write?n=1048576&m=10000"), 1<<20)
}

func writeAtCap(t *testing.T, k *kit) {
	wantPattern(t, k.get(t, fmt.Sprintf("/abi/write?n=%d&m=65536", MaxResponseBytes)), MaxResponseBytes)
}

func writePastCapOneWrite(t *testing.T, k *kit) {
	r := k.get(t, fmt.Sprintf("/abi/write?n=%d", MaxResponseBytes+1))
	r.want(t, 500)
	if len(r.body) > 10<<10 {
		t.Errorf("500 with a body of %d bytes", len(r.body))
	}
}

// writePastCapStreamed passes the cap after the head has gone out: the
// body outgrew the output buffer long before the cap, so the head and
// the first part of the body were sent (ABI.md §7.3) and the host cannot
// send 500 any more. It must close the connection, so the client must see
// a 200 whose body is cut short, never a complete response, and what it
// got of the body is what the guest wrote.
func writePastCapStreamed(t *testing.T, k *kit) {
	r := k.raw(t, fmt.Sprintf("GET /abi/write?n=%d&m=65536 HTTP/1.1\r\nHost: abi.test\r\nConnection: close\r\n\r\n", MaxResponseBytes+1))
	head, _ := r.head()
	if r.status != 200 {
		t.Fatalf("status %d: a body past the %d-byte output buffer is streamed, so a 200 head went out before the %d-byte cap was passed. Head: %q",
			r.status, OutputBuffer, MaxResponseBytes, head)
	}
	if r.bodyErr == nil {
		t.Errorf("%v: %d body bytes, body complete; want the body cut short (a chunked body without its last chunk). Head: %q",
			errNoTruncation, len(r.body), head)
	}
	if n := len(r.body); n < OutputBuffer || n > MaxResponseBytes || !bytes.Equal(r.body, Pattern(n)) {
		t.Errorf("the body cut short has %d bytes; want the guest's first bytes, at least the %d of the output buffer and at most the %d of the cap",
			n, OutputBuffer, MaxResponseBytes)
	}
}

func writeHeadBuffered(t *testing.T, k *kit) {
	r := k.raw(t, "HEAD /abi/write?n=1000 HTTP/1.1\r\nHost: abi.test\r\nConnection: close\r\n\r\n")
	r.want(t, 200)
	head, rest := r.head()
	if rest != "" {
		t.Errorf("HEAD response has a body of %d bytes", len(rest))
	}
	if !strings.Contains(head, "\r\nContent-Length: 1000") {
		t.Errorf("head lacks the GET's Content-Length 1000: %q", head)
	}
}

func writeHeadStreamed(t *testing.T, k *kit) {
	r := k.raw(t, "HEAD /abi/write?n=300000&m=65536 HTTP/1.1\r\nHost: abi.test\r\nConnection: close\r\n\r\n")
	r.want(t, 200)
	if _, rest := r.head(); rest != "" {
		t.Errorf("HEAD response has a body of %d bytes", len(rest))
	}
}

// streamTail is what stream and raw?case=stream append after the body:
// every head-changing call returned ERR_FINISHED.
const streamTail = "\n" + `{"error":-4,"header":-4,"redirect":-4,"set_status":-4}`

func wantStream(t *testing.T, r *reply, n int) {
	t.Helper()
	r.want(t, 200)
	r.wantHeader(t, "X-Late")
	want := string(Pattern(n)) + streamTail
	if string(r.body) != want {
		tail := r.body[min(len(r.body), n):]
		t.Errorf("body: %d bytes ending in %q; want %d bytes of the pattern and %q", len(r.body), tail, n, streamTail)
	}
}

func streamSDK(t *testing.T, k *kit) {
	wantStream(t, k.get(t, "/abi/stream?n=300000"), 300000)
}

func streamRaw(t *testing.T, k *kit) {
	wantStream(t, k.get(t, "/abi/raw/s?case=stream&n=300000"), 300000)
}

func redirectDefault(t *testing.T, k *kit) {
	r := k.get(t, "/abi/redirect?"+q("url", "/dest?x=1", "cookie", "sid=1; Path=/"))
	r.want(t, 302)
	r.wantHeader(t, "Location", "/dest?x=1")
	r.wantHeader(t, "Set-Cookie", "sid=1; Path=/")
	r.wantHeader(t, "X-After")
	if len(r.body) != 0 {
		t.Errorf("redirect body %q, want none", r.body)
	}
}

func redirectStatuses(t *testing.T, k *kit) {
	for _, code := range []int{301, 302, 303, 307, 308} {
		r := k.get(t, "/abi/redirect?"+q("url", "/d", "status", strconv.Itoa(code)))
		r.want(t, code)
		r.wantHeader(t, "Location", "/d")
	}
}

func redirectBadStatus(t *testing.T, k *kit) {
	for _, code := range []int{304, 200, 300, 305, 309, 404, -1} {
		r := k.get(t, "/abi/redirect?"+q("url", "/d", "status", strconv.Itoa(code)))
		if r.status != 500 || r.header.Get("Location") != "" {
			t.Errorf("status %d: %s, want 500 without Location", code, r)
		}
	}
}

func redirectBadURL(t *testing.T, k *kit) {
	for _, u := range []string{"", "/a b", "/a\r\nX-Injected: evil", "/a\nevil", "/a\x00evil", "/a\\evil", "/a\tevil", "/a\x7fevil", " /evil"} {
		t.Run(fmt.Sprintf("%q", u), func(t *testing.T) {
			r := k.raw(t, "GET /abi/redirect?"+q("url", u, "cookie", "c=1")+" HTTP/1.1\r\nHost: abi.test\r\nConnection: close\r\n\r\n")
			if r.status != 500 {
				t.Fatalf("got %s, want 500", r)
			}
			head, _ := r.head()
			if strings.Contains(head, "evil") || strings.Contains(strings.ToLower(head), "location") {
				t.Errorf("the URL reached the wire: %q", head)
			}
		})
	}
}

func redirectOtherURLs(t *testing.T, k *kit) {
	for _, u := range []string{"https://example.com/x?y=1#f", "/é", "//other.test/p", "?q"} {
		r := k.get(t, "/abi/redirect?"+q("url", u))
		r.want(t, 302)
		r.wantHeader(t, "Location", u)
	}
}

func redirectHead(t *testing.T, k *kit) {
	r := k.raw(t, "HEAD /abi/redirect?url=/d HTTP/1.1\r\nHost: abi.test\r\nConnection: close\r\n\r\n")
	r.want(t, 302)
	if _, rest := r.head(); rest != "" {
		t.Errorf("HEAD redirect has a body: %q", rest)
	}
}

// rawAfterRedirect checks the response of the raw after-redirect case;
// RunLogs checks the codes the calls returned.
func rawAfterRedirect(t *testing.T, k *kit) {
	r := k.get(t, "/abi/raw/r?case=after-redirect")
	r.want(t, 302)
	r.wantHeader(t, "Location", "/after")
	r.wantHeader(t, "X-Late")
	if len(r.body) != 0 {
		t.Errorf("body %q after a redirect", r.body)
	}
}

func rawAfterError(t *testing.T, k *kit) {
	r := k.get(t, "/abi/raw/e?case=after-error")
	r.want(t, 503)
	r.wantHeader(t, "X-Late")
	if bytes.Contains(r.body, []byte("late")) || bytes.Contains(r.body, []byte("down")) {
		t.Errorf("body %q", r.body)
	}
}

// wantErrorPage fails t unless r is the host's page for status.
func wantErrorPage(t *testing.T, r *reply, status int) {
	t.Helper()
	r.want(t, status)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q, want text/html", ct)
	}
	if text := http.StatusText(status); status != 418 && !bytes.Contains(r.body, []byte(text)) {
		t.Errorf("page %q lacks the status text %q", r.body, text)
	}
	if bytes.Contains(r.body, []byte("discarded")) || bytes.Contains(r.body, []byte("late")) {
		t.Errorf("page %q holds what the guest wrote", r.body)
	}
}

func errorKeepsHeaders(t *testing.T, k *kit) {
	r := k.get(t, "/abi/error?"+q("status", "405", "allow", "GET, HEAD"))
	wantErrorPage(t, r, 405)
	r.wantHeader(t, "Allow", "GET, HEAD")
	r = k.get(t, "/abi/error?"+q("status", "401", "www", `Basic realm="x"`))
	wantErrorPage(t, r, 401)
	r.wantHeader(t, "WWW-Authenticate", `Basic realm="x"`)
}

func errorNoDebug(t *testing.T, k *kit) {
	r := k.get(t, "/abi/error?"+q("status", "500", "msg", "secret-detail"))
	wantErrorPage(t, r, 500)
	if bytes.Contains(r.body, []byte("secret-detail")) {
		t.Errorf("the message shows without debug: %q", r.body)
	}
}

func errorDebug(t *testing.T, k *kit) {
	r := k.do(t, request{host: DebugHost, target: "/abi/error?" + q("status", "503", "msg", "<b>detail</b> & more")})
	wantErrorPage(t, r, 503)
	if !bytes.Contains(r.body, []byte("&lt;b&gt;detail&lt;/b&gt; &amp; more")) || bytes.Contains(r.body, []byte("<b>")) {
		t.Errorf("debug page %q, want the message HTML-escaped", r.body)
	}
}

func errorBadStatus(t *testing.T, k *kit) {
	for _, code := range []int{399, 600, 200, 302, 0} {
		r := k.get(t, "/abi/error?"+q("status", strconv.Itoa(code), "allow", "GET"))
		if r.status != 500 {
			t.Errorf("status %d: %s, want 500", code, r)
		}
	}
}

func errorUnknownText(t *testing.T, k *kit) {
	wantErrorPage(t, k.get(t, "/abi/error?status=499"), 499)
}

func errorHead(t *testing.T, k *kit) {
	r := k.raw(t, "HEAD /abi/error?status=404 HTTP/1.1\r\nHost: abi.test\r\nConnection: close\r\n\r\n")
	r.want(t, 404)
	if _, rest := r.head(); rest != "" {
		t.Errorf("HEAD error page has a body: %q", rest)
	}
}

func rawWriteTooLarge(t *testing.T, k *kit) {
	k.get(t, fmt.Sprintf("/abi/raw/w?case=write-too-large&n=%d", MaxResponseBytes+1)).want(t, 500)
}

func rawHeaderOp(t *testing.T, k *kit) {
	k.get(t, "/abi/raw/h?case=header-op").want(t, 500)
}

func rawInvalidThenValid(t *testing.T, k *kit) {
	k.get(t, "/abi/raw/i?case=invalid-then-valid").want(t, 500)
}

func jsonCase(t *testing.T, k *kit) {
	r := k.get(t, "/abi/json")
	r.want(t, 200)
	r.wantHeader(t, "Content-Type", "application/json; charset=UTF-8")
	want := `{"html":"\u003cscript\u003e\u0026'","list":[1,2],"n":42,"unicode":"héllo ☃"}`
	if string(r.body) != want {
		t.Errorf("body %s, want %s", r.body, want)
	}
}

func logAnswers(t *testing.T, k *kit) {
	r := k.get(t, "/abi/log?marker=http")
	r.want(t, 200)
	if !bytes.HasPrefix(r.body, []byte("logged ")) {
		t.Errorf("body %q", r.body)
	}
}

func methodsCase(t *testing.T, k *kit) {
	r := k.get(t, "/abi/methods")
	r.want(t, 200)
	if string(r.body) != "get GET" {
		t.Errorf("GET: %q", r.body)
	}
	r = k.do(t, request{method: "POST", target: "/abi/methods"})
	r.want(t, 200)
	if string(r.body) != "post" {
		t.Errorf("POST: %q", r.body)
	}
	r = k.raw(t, "HEAD /abi/methods HTTP/1.1\r\nHost: abi.test\r\nConnection: close\r\n\r\n")
	r.want(t, 200)
	r.wantHeader(t, "Content-Length", "8") // "get HEAD", not sent
	r = k.do(t, request{method: "DELETE", target: "/abi/methods"})
	wantErrorPage(t, r, 405)
	r.wantHeader(t, "Allow", "GET, HEAD, POST")
	wantErrorPage(t, k.do(t, request{target: "/abi/methods", header: http.Header{"X-Deny": {"1"}}}), 403)
}

func routeMethods(t *testing.T, k *kit) {
	r := k.get(t, "/abi/post-only")
	r.want(t, 405)
	r.wantHeader(t, "Allow", "POST")
	r = k.do(t, request{method: "POST", target: "/abi/post-only", body: []byte{}})
	r.want(t, 200)
	var got RequestInfo
	r.decode(t, &got)
	if got.Handler != "request" || got.RoutePattern != "/abi/post-only" {
		t.Errorf("handler %q route_pattern %q", got.Handler, got.RoutePattern)
	}
}

func panicCase(t *testing.T, k *kit) {
	for range 3 {
		r := k.get(t, "/abi/panic")
		r.want(t, 500)
		if bytes.Contains(r.body, []byte("deliberate")) {
			t.Errorf("the panic shows on a site without debug: %q", r.body)
		}
		k.get(t, "/abi/features").want(t, 200)
	}
}

func unrouted(t *testing.T, k *kit) {
	k.get(t, "/abi/nope").want(t, 404)
}

// renderEscaping renders a page with a layout; data lands escaped for its
// context, and a javascript: URL is neutralised.
func renderEscaping(t *testing.T, k *kit) {
	r := k.get(t, "/abi/render?name=page.html&v=%3Cb%3E%22x%22&url=javascript%3Aalert(1)")
	r.want(t, 200)
	if ct := r.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	want := `<!DOCTYPE html><title>Page</title><p>&lt;b&gt;&#34;x&#34;</p><a href="#ZgotmplZ" title="&lt;b&gt;&#34;x&#34;">link</a>`
	if got := strings.TrimSpace(string(r.body)); got != want {
		t.Errorf("rendered\n%s\nwant\n%s", got, want)
	}
}

// renderFailures: a page the site lacks is ERR_NOT_FOUND (the guest
// answers 404); a template that fails while running is a 500.
func renderFailures(t *testing.T, k *kit) {
	k.get(t, "/abi/render?name=nope.html").want(t, 404)
	k.get(t, "/abi/render?name=layouts/base.html").want(t, 404)
	r := k.get(t, "/abi/render?name=bad.html&v=x")
	r.want(t, 500)
	if strings.Contains(string(r.body), "bad.html") {
		t.Errorf("the 500 page shows template details: %s", r.body)
	}
}

func cookiesGet(t *testing.T, k *kit) {
	r := k.do(t, request{target: "/abi/cookies?get=b", header: http.Header{"Cookie": {"a=1; b=two; c=3"}}})
	r.want(t, 200)
	if string(r.body) != "two" {
		t.Errorf("cookie b = %q", r.body)
	}
	k.do(t, request{target: "/abi/cookies?get=zz", header: http.Header{"Cookie": {"a=1"}}}).want(t, 404)
	k.get(t, "/abi/cookies?get=a").want(t, 404)
}

func cookiesSet(t *testing.T, k *kit) {
	for _, tc := range []struct{ query, want string }{
		{"set=theme&value=dark", "theme=dark; Path=/; HttpOnly; SameSite=Lax"},
		{"set=theme&value=dark&maxage=3600&path=/app", "theme=dark; Path=/app; Max-Age=3600; HttpOnly; SameSite=Lax"},
		{"set=s&value=v&secure=1&script=1&samesite=None", "s=v; Path=/; Secure; SameSite=None"},
	} {
		r := k.get(t, "/abi/cookies?"+tc.query)
		r.want(t, 200)
		if got := r.header.Values("Set-Cookie"); len(got) != 1 || got[0] != tc.want {
			t.Errorf("%s: Set-Cookie %q, want %q", tc.query, got, tc.want)
		}
	}
}

// A cookie name or value that could forge a header is refused: 500, and
// nothing of it on the wire.
func cookiesInjection(t *testing.T, k *kit) {
	for _, q := range []string{
		"set=a&value=x%0d%0aX-Injected:%20yes",
		"set=a%0d%0aX-Injected:%20yes&value=x",
		"set=a&value=x%3b%20Domain%3devil.test",
		"set=a&value=with%20space",
		"set=a&value=v&samesite=None",
	} {
		r := k.raw(t, "GET /abi/cookies?"+q+" HTTP/1.1\r\nHost: abi.test\r\nConnection: close\r\n\r\n")
		r.want(t, 500)
		if strings.Contains(strings.ToLower(string(r.raw)), "x-injected") || strings.Contains(string(r.raw), "evil.test") || len(r.header.Values("Set-Cookie")) != 0 {
			t.Errorf("%s: injected on the wire:\n%s", q, r.raw)
		}
	}
}

// The conformance config's sites with sibling names: SiteAHost and its
// subdomains are site A's, SiteBHost is site B's.
const (
	SiteAHost = "a.example.com"
	SiteBHost = "b.example.com"
)

// cookiesDomainScope: a guest's cookie may name its request's host or a
// parent that its site owns, but never a parent shared with another site,
// a public suffix, an address or another site's name; a refused Domain
// fails the response (500) with no Set-Cookie on the wire, whether the
// guest asked by cookie_set, signed_cookie_set or a Set-Cookie header.
func cookiesDomainScope(t *testing.T, k *kit) {
	for _, tc := range []struct {
		host, domain string
		ok           bool
	}{
		{SiteAHost, SiteAHost, true},
		{"www." + SiteAHost, SiteAHost, true}, // a parent A serves
		{"www." + SiteAHost, ".WWW." + SiteAHost, true},
		{SiteAHost, "example.com", false}, // shared with B
		{"www." + SiteAHost, "example.com", false},
		{SiteAHost, "com", false}, // a public suffix
		{SiteAHost, "127.0.0.1", false},
		{SiteAHost, SiteBHost, false},
		{SiteBHost, "example.com", false},
		{SiteBHost, SiteAHost, false},
		{k.base.Host, k.base.Hostname(), false}, // the "*" site on the server's address
	} {
		for _, target := range []string{
			"/abi/cookies?" + q("set", "c", "value", "1", "domain", tc.domain),
			"/abi/signed?" + q("set", "1", "domain", tc.domain),
			"/abi/headers?" + q("ops", `[["add","Set-Cookie","c=1; Path=/; Domain=`+tc.domain+`"]]`),
		} {
			if tc.host == SiteBHost && !strings.HasPrefix(target, "/abi/cookies") {
				continue // B routes only cookies
			}
			r := k.do(t, request{host: tc.host, target: target})
			sc := r.header.Values("Set-Cookie")
			switch {
			case tc.ok && (r.status != 200 || len(sc) != 1 || !strings.Contains(strings.ToLower(sc[0]), "domain=")):
				t.Errorf("Host %s, %s: %d, Set-Cookie %q; want 200 and a cookie for the domain", tc.host, target, r.status, sc)
			case !tc.ok && (r.status != 500 || len(sc) != 0):
				t.Errorf("Host %s, %s: %d, Set-Cookie %q; want 500 and no cookie", tc.host, target, r.status, sc)
			}
		}
	}
}

// cookiesHostNames: the host's own cookies (the XSRF token, the user and
// the locale choice) are not the guest's to set, with or without a
// __Host- or __Secure- prefix; names of its own are.
func cookiesHostNames(t *testing.T, k *kit) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"_xsrf", false}, {"wasmweb_user", false}, {"wasmweb_locale", false},
		{"wasmweb_signin", false}, {"wasmweb_claims", false},
		{"__Host-_xsrf", false}, {"__Secure-wasmweb_user", false},
		{"_XSRF", true}, {"xsrf", true},
	} {
		for _, target := range []string{
			"/abi/cookies?" + q("set", tc.name, "value", "00"),
			"/abi/signed?" + q("set", "00", "name", tc.name),
			"/abi/headers?" + q("ops", `[["add","Set-Cookie","`+tc.name+`=00; Path=/"]]`),
		} {
			r := k.get(t, target)
			sc := r.header.Values("Set-Cookie")
			if set := r.status == 200 && len(sc) == 1 && strings.HasPrefix(sc[0], tc.name+"="); set != tc.ok || !tc.ok && len(sc) != 0 {
				t.Errorf("%s: %d, Set-Cookie %q; want the cookie set: %v", target, r.status, sc, tc.ok)
			}
		}
	}
}

// signedCookies: a value signed by the host comes back; tampering, another
// name or another site's verification fail.
func signedCookies(t *testing.T, k *kit) {
	r := k.get(t, "/abi/signed?set=ada")
	r.want(t, 200)
	sc := r.header.Get("Set-Cookie")
	val, _, _ := strings.Cut(strings.TrimPrefix(sc, "s="), ";")
	if val == "" || strings.Contains(val, "ada") || !strings.Contains(sc, "Max-Age=2678400") || !strings.Contains(sc, "HttpOnly") {
		t.Fatalf("Set-Cookie %q", sc)
	}
	get := func(cookie, host string) *reply {
		return k.do(t, request{target: "/abi/signed", host: host, header: http.Header{"Cookie": {cookie}}})
	}
	r = get("s="+val, "")
	r.want(t, 200)
	if string(r.body) != "ada" {
		t.Errorf("signed value %q, want ada", r.body)
	}
	tampered := []byte(val)
	tampered[len(tampered)/2] ^= 1
	get("s="+string(tampered), "").want(t, 403)
	get("other="+val+"; s=junk", "").want(t, 403)
	get("s="+val, DebugHost).want(t, 403)
	k.get(t, "/abi/signed").want(t, 404)
}

// userAuth: the host guards an auth = "required" route before the guest
// runs; a signed-in user passes; signing out clears the cookie.
func userAuth(t *testing.T, k *kit) {
	r := k.get(t, "/abi/private?x=1")
	r.want(t, 302)
	if loc := r.header.Get("Location"); loc != "/abi/user?next=%2Fabi%2Fprivate%3Fx%3D1" {
		t.Errorf("Location %q", loc)
	}
	k.do(t, request{method: "POST", target: "/abi/private"}).want(t, 403)
	k.get(t, "/abi/user").want(t, 404)

	r = k.get(t, "/abi/user?login=ada")
	r.want(t, 200)
	sc := r.header.Get("Set-Cookie")
	val, _, _ := strings.Cut(strings.TrimPrefix(sc, "wasmweb_user="), ";")
	if !strings.HasPrefix(sc, "wasmweb_user=") || val == "" || strings.Contains(val, "ada") {
		t.Fatalf("Set-Cookie %q", sc)
	}
	as := func(cookie, target string) *reply {
		return k.do(t, request{target: target, header: http.Header{"Cookie": {cookie}}})
	}
	r = as("wasmweb_user="+val, "/abi/private")
	r.want(t, 200)
	if string(r.body) != "ada" {
		t.Errorf("private page as ada: %q", r.body)
	}
	forged := []byte(val)
	forged[len(forged)/2] ^= 1
	as("wasmweb_user="+string(forged), "/abi/private").want(t, 302)
	r = k.get(t, "/abi/user?logout=1")
	if sc := r.header.Get("Set-Cookie"); !strings.HasPrefix(sc, "wasmweb_user=;") || !strings.Contains(sc, "Max-Age=0") {
		t.Errorf("sign out: Set-Cookie %q", sc)
	}
}

// XSRFHost is the conformance config's site with xsrf_cookies = true.
const XSRFHost = "xsrf.abi.test"

// xsrfCheck: the host issues the cookie, masks each render differently,
// and refuses non-safe requests without a matching token, or from another
// origin, before the guest runs.
func xsrfCheck(t *testing.T, k *kit) {
	r := k.do(t, request{host: XSRFHost, target: "/abi/xsrf"})
	r.want(t, 200)
	sc := r.header.Get("Set-Cookie")
	cookie, _, _ := strings.Cut(strings.TrimPrefix(sc, "_xsrf="), ";")
	if !strings.HasPrefix(sc, "_xsrf=2|") || strings.Contains(sc, "HttpOnly") {
		t.Fatalf("Set-Cookie %q, want a script-readable _xsrf cookie", sc)
	}
	field := func(body []byte) string {
		s := string(body)
		i := strings.Index(s, `value="`)
		if i < 0 {
			t.Fatalf("no token field in %q", s)
		}
		v := s[i+len(`value="`):]
		return v[:strings.IndexByte(v, '"')]
	}
	// Every render of the same cookie's token differs.
	r1 := k.do(t, request{host: XSRFHost, target: "/abi/xsrf", header: http.Header{"Cookie": {"_xsrf=" + cookie}}})
	r2 := k.do(t, request{host: XSRFHost, target: "/abi/xsrf", header: http.Header{"Cookie": {"_xsrf=" + cookie}}})
	t1, t2 := field(r1.body), field(r2.body)
	if t1 == t2 || r1.header.Get("Set-Cookie") != "" {
		t.Errorf("two renders gave %q and %q (Set-Cookie %q)", t1, t2, r1.header.Get("Set-Cookie"))
	}
	post := func(hdr http.Header, body string) *reply {
		if hdr == nil {
			hdr = http.Header{}
		}
		hdr.Set("Content-Type", "application/x-www-form-urlencoded")
		return k.do(t, request{method: "POST", host: XSRFHost, target: "/abi/xsrf", header: hdr, body: []byte(body)})
	}
	withCookie := func(extra ...string) http.Header {
		h := http.Header{"Cookie": {"_xsrf=" + cookie}}
		for i := 0; i+1 < len(extra); i += 2 {
			h.Set(extra[i], extra[i+1])
		}
		return h
	}
	post(nil, "_xsrf="+url.QueryEscape(t1)).want(t, 403)                      // no cookie
	post(withCookie(), "x=1").want(t, 403)                                    // no token
	post(withCookie(), "_xsrf=2%7C00%7C00%7C0").want(t, 403)                  // wrong token
	other := strings.Replace(t1, "|", "|f", 1)                                // a token for another cookie
	post(withCookie(), "_xsrf="+url.QueryEscape(other)).want(t, 403)          //
	post(withCookie(), "_xsrf="+url.QueryEscape(t1)).want(t, 200)             // the field
	post(withCookie(), "_xsrf="+url.QueryEscape(t2)).want(t, 200)             // another render
	post(withCookie("X-XSRFToken", t1), "").want(t, 200)                      // a header
	post(withCookie("X-CSRFToken", t2), "").want(t, 200)                      //
	k.do(t, request{host: XSRFHost, target: "/abi/xsrf?safe=1"}).want(t, 200) // safe method

	// A header's token is checked as the field's is: a bad one is refused
	// even with the cookie.
	for _, h := range []string{"X-XSRFToken", "X-CSRFToken"} {
		for name, v := range map[string]string{
			"another cookie's token": other, "wrong token": "2|00|00|0", "empty": "",
			"malformed": "2|zz|zz|1", "truncated": t1[:len(t1)/2], "not hex": "not-a-token",
		} {
			if r := post(withCookie(h, v), ""); r.status != 403 {
				t.Errorf("%s with %s %q: %d, want 403", h, name, v, r.status)
			}
		}
		if r := post(withCookie(h, t1), ""); r.status != 200 || string(r.body) != "accepted" {
			t.Errorf("%s with the masked token: %d %q, want 200 accepted", h, r.status, r.body)
		}
	}

	// A browser's word that the request comes from another origin (a
	// sibling site, which may have planted the cookie, is same-site)
	// refuses it whatever the token.
	for _, tc := range []struct {
		name   string
		header []string
		status int
	}{
		{"own origin", []string{"Sec-Fetch-Site", "same-origin", "Origin", "http://" + XSRFHost}, 200},
		{"typed", []string{"Sec-Fetch-Site", "none"}, 200},
		{"sibling site", []string{"Sec-Fetch-Site", "same-site", "Origin", "http://other.abi.test"}, 403},
		{"other site", []string{"Sec-Fetch-Site", "cross-site", "Origin", "http://evil.test"}, 403},
		{"old browser, other origin", []string{"Origin", "http://other.abi.test"}, 403},
		{"old browser, own origin", []string{"Origin", "http://" + XSRFHost}, 200},
	} {
		if r := post(withCookie(tc.header...), "_xsrf="+url.QueryEscape(t1)); r.status != tc.status {
			t.Errorf("%s: %d, want %d", tc.name, r.status, tc.status)
		}
	}
}
