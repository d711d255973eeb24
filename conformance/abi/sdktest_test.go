package abikit_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/url"
	"reflect"
	"strconv"
	"testing"

	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// sdkCase is one request served twice: by the real host over TCP and by
// sdktest's fake host, which must answer the same.
type sdkCase struct {
	name           string
	handler        string
	method, target string
	header         [][2]string // in order, Host first
	body           []byte
	pattern        string            // the route's pattern
	params         map[string]string // what the pattern captures
	json           bool              // compare the bodies as JSON, less remote_addr and request_id
	// translations give sdktest's site the conformance site's messages
	// (translations/), as far as its fake models them.
	translations   map[string]map[string]string
	compareHeaders []string
	// hosts are the hosts of the site the Host header names, for
	// cookies' Domain (site abi-a's for a.example.com).
	hosts []string
	// vars are the site's variables, as [site.vars] gives them.
	vars map[string]string
}

func sdkCases() []sdkCase {
	form := url.Values{"a": {"b1", "b2"}, "z": {"☃"}, "e": {""}}.Encode()
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	w.WriteField("a", "m1")
	fw, _ := w.CreateFormFile("up", "a.txt")
	fw.Write([]byte("hello"))
	w.Close()
	reqPattern := "/abi/request/{a}/{b...}"
	siteA := []string{"a.example.com", "*.a.example.com"}
	cookie := func(name, host, query string) sdkCase {
		return sdkCase{name: name, handler: "cookies", method: "GET", target: "/abi/cookies?" + query,
			header: [][2]string{{"Host", host}, {"Connection", "close"}}, pattern: "/abi/cookies",
			hosts: siteA, compareHeaders: []string{"Set-Cookie"}}
	}
	return []sdkCase{
		cookie("cookies/domain-own-host", "a.example.com", "set=c&value=1&domain=a.example.com"),
		cookie("cookies/domain-parent-the-site-serves", "www.a.example.com", "set=c&value=1&domain=a.example.com"),
		cookie("cookies/domain-shared-parent", "a.example.com", "set=c&value=1&domain=example.com"),
		cookie("cookies/domain-public-suffix", "a.example.com", "set=c&value=1&domain=com"),
		cookie("cookies/domain-sibling", "a.example.com", "set=c&value=1&domain=b.example.com"),
		cookie("cookies/domain-address", "a.example.com", "set=c&value=1&domain=127.0.0.1"),
		cookie("cookies/host-cookie-name", "a.example.com", "set=_xsrf&value=00"),
		{name: "headers/set-cookie-domain", handler: "headers", method: "GET",
			target: "/abi/headers?ops=" + url.QueryEscape(`[["add","Set-Cookie","c=1; Domain=example.com"]]`),
			header: [][2]string{{"Host", "a.example.com"}, {"Connection", "close"}}, pattern: "/abi/headers",
			hosts: siteA, compareHeaders: []string{"Set-Cookie"}},
		{name: "request/get", handler: "request", method: "GET",
			target:  "/abi/request/x%2Fy/p/q%20r?z=1&lookup=X-A&lookup=nope",
			header:  [][2]string{{"Host", "cmp.test"}, {"X-A", "1"}, {"Accept", "*/*"}, {"x-a", "2"}, {"Connection", "close"}},
			pattern: reqPattern, params: map[string]string{"a": "x/y", "b": "p/q r"}, json: true},
		{name: "request/post", handler: "request", method: "POST", target: "/abi/request/a/b",
			header: [][2]string{{"Host", "cmp.test"}, {"Content-Type", "text/plain"}, {"Content-Length", "5"}, {"Connection", "close"}},
			body:   []byte("hello"), pattern: reqPattern, params: map[string]string{"a": "a", "b": "b"}, json: true},
		{name: "args/query", handler: "args", method: "GET", target: "/abi/args?b=2&a=1&a=%20x%20&c&bad=%zz&ctl=a%01b",
			header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/args", json: true},
		{name: "args/urlencoded", handler: "args", method: "POST", target: "/abi/args?a=q",
			header: [][2]string{{"Host", "cmp.test"}, {"Content-Type", "application/x-www-form-urlencoded"},
				{"Content-Length", strconv.Itoa(len(form))}, {"Connection", "close"}},
			body: []byte(form), pattern: "/abi/args", json: true},
		{name: "args/multipart", handler: "args", method: "POST", target: "/abi/args?a=q",
			header: [][2]string{{"Host", "cmp.test"}, {"Content-Type", w.FormDataContentType()}, {"X-Files", "up, none"},
				{"Content-Length", strconv.Itoa(mp.Len())}, {"Connection", "close"}},
			body: mp.Bytes(), pattern: "/abi/args", json: true},
		{name: "args/missing", handler: "args", method: "GET", target: "/abi/args",
			header: [][2]string{{"Host", "cmp.test"}, {"X-Require", "nope"}, {"Connection", "close"}}, pattern: "/abi/args"},
		{name: "status/201", handler: "status", method: "GET", target: "/abi/status?code=201",
			header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/status"},
		{name: "status/600", handler: "status", method: "GET", target: "/abi/status?code=600",
			header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/status"},
		{name: "headers/valid", handler: "headers", method: "GET",
			target: "/abi/headers?ops=" + url.QueryEscape(`[["set","X-A","1"],["add","X-M","a"],["add","x-m","b"],["del","Date"]]`),
			header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/headers",
			compareHeaders: []string{"X-A", "X-M"}},
		{name: "headers/crlf", handler: "headers", method: "GET",
			target: "/abi/headers?ops=" + url.QueryEscape(`[["set","X-A","a\r\nb"]]`),
			header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/headers"},
		{name: "headers/101", handler: "headers", method: "GET",
			target: "/abi/headers?ops=" + url.QueryEscape(hundredOne()),
			header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/headers"},
		{name: "redirect/307-cookie", handler: "redirect", method: "GET", target: "/abi/redirect?url=/d&status=307&cookie=a%3D1",
			header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/redirect",
			compareHeaders: []string{"Location", "Set-Cookie"}},
		// ABI.md 7.3: a URL with a control character is ERR_INVALID; HTAB
		// is one (the fake refuses it, the host sends it).
		{name: "redirect/tab-in-url", handler: "redirect", method: "GET", target: "/abi/redirect?url=/a%09b",
			header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/redirect"},
		{name: "redirect/bad-url", handler: "redirect", method: "GET", target: "/abi/redirect?url=/a%20b",
			header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/redirect"},
		{name: "error/405-allow", handler: "error", method: "GET", target: "/abi/error?status=405&allow=GET&msg=hidden",
			header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/error",
			compareHeaders: []string{"Allow", "Content-Type"}},
		{name: "json", handler: "json", method: "GET", target: "/abi/json",
			header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/json",
			compareHeaders: []string{"Content-Type"}},
		{name: "write/100KiB", handler: "write", method: "GET", target: "/abi/write?n=102400&m=1000",
			header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/write"},
		{name: "write/HEAD", handler: "write", method: "HEAD", target: "/abi/write?n=10",
			header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/write"},
		{name: "methods/DELETE", handler: "methods", method: "DELETE", target: "/abi/methods",
			header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/methods",
			compareHeaders: []string{"Allow"}},
		{name: "panic", handler: "panic", method: "GET", target: "/abi/panic",
			header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/panic"},
		{name: "locale/es", handler: "locale", method: "GET", target: "/abi/locale?set=xx",
			header:  [][2]string{{"Host", "cmp.test"}, {"Accept-Language", "es-MX, de;q=0.5"}, {"Connection", "close"}},
			pattern: "/abi/locale", json: true, translations: conformanceTranslations},
		{name: "locale/set-de", handler: "locale", method: "GET", target: "/abi/locale?set=de",
			header:  [][2]string{{"Host", "cmp.test"}, {"Cookie", "wasmweb_locale=es"}, {"Connection", "close"}},
			pattern: "/abi/locale", json: true, translations: conformanceTranslations, compareHeaders: []string{"Set-Cookie"}},
		vars("vars/defined", "greeting"),
		vars("vars/missing", "missing"),
		fetchCase("fetch/metadata-address-denied", url.Values{"url": {"http://169.254.169.254/latest/meta-data/"}}),
		fetchCase("fetch/unlisted-host-denied", url.Values{"url": {"https://example.com/"}}),
		fetchCase("fetch/bad-method-invalid", url.Values{"url": {"http://127.0.0.1/"}, "method": {"GE T"}}),
		fetchCase("fetch/relative-url-invalid", url.Values{"url": {"/abi/write"}}),
		fetchCase("fetch/header-with-CRLF-invalid", url.Values{"url": {"http://127.0.0.1/"}, "hname": {"X-A"}, "hvalue": {"1\r\nX-B: 2"}}),
	}
}

// conformanceVars are the "abi" site's [site.vars].
var conformanceVars = map[string]string{"greeting": "hello-conformance", "dotted.name-1": "v1"}

func vars(name, v string) sdkCase {
	return sdkCase{name: name, handler: "var", method: "GET", target: "/abi/var?name=" + url.QueryEscape(v),
		header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/var", vars: conformanceVars}
}

// fetchCase is a fetch both hosts refuse: the fake, given no upstream,
// as the host's allow list does.
func fetchCase(name string, q url.Values) sdkCase {
	return sdkCase{name: name, handler: "fetch", method: "GET", target: "/abi/fetch?" + q.Encode(),
		header: [][2]string{{"Host", "cmp.test"}, {"Connection", "close"}}, pattern: "/abi/fetch", json: true}
}

// conformanceTranslations are translations/es.csv and de.po as sdktest
// takes them (ru.po's three plural forms are beyond its fake).
var conformanceTranslations = map[string]map[string]string{
	"es": {"Sign in": "Entrar", "%d note": "%d nota", "%d notes": "%d notas"},
	"de": {},
}

func hundredOne() string {
	ops := [][]string{}
	for i := range 101 {
		ops = append(ops, []string{"add", "X-H" + strconv.Itoa(i), "v"})
	}
	b, _ := json.Marshal(ops)
	return string(b)
}

// sameAsSDKTest serves each sdkCase through wasmweb at base and through
// sdktest, and compares status, the chosen headers and the body.
func sameAsSDKTest(t *testing.T, base string) {
	for _, c := range sdkCases() {
		t.Run(c.name, func(t *testing.T) {
			wire := c.method + " " + c.target + " HTTP/1.1\r\n"
			req := sdktest.NewRequest(c.method, c.target).WithRoutePattern(c.pattern)
			for _, h := range c.header {
				wire += h[0] + ": " + h[1] + "\r\n"
				req = req.WithHeader(h[0], h[1])
			}
			wire += "\r\n" + string(c.body)
			if c.body != nil {
				req = req.WithBody(c.body)
			}
			for k, v := range c.params {
				req = req.WithParam(k, v)
			}
			if c.hosts != nil {
				req = req.WithHosts(c.hosts...)
			}
			for k, v := range c.vars {
				req = req.WithVar(k, v)
			}
			for code, msgs := range c.translations {
				req = req.WithTranslations(code, msgs)
			}
			status, header, body := rawExchange(t, base, wire)
			fake := sdktest.Serve(c.handler, req)
			if status != fake.Status {
				t.Errorf("status: host %d, sdktest %d (failure %q)", status, fake.Status, fake.Failure)
			}
			for _, h := range c.compareHeaders {
				if got, want := header.Values(h), fake.Header.Values(h); !reflect.DeepEqual(got, want) {
					t.Errorf("%s: host %q, sdktest %q", h, got, want)
				}
			}
			if c.json {
				var got, want map[string]any
				if err := json.Unmarshal(body, &got); err != nil {
					t.Fatalf("host body %.200q: %v", body, err)
				}
				if err := json.Unmarshal(fake.Body, &want); err != nil {
					t.Fatalf("sdktest body %.200q: %v", fake.Body, err)
				}
				for _, m := range []map[string]any{got, want} {
					delete(m, "remote_addr")
					delete(m, "request_id")
				}
				if !reflect.DeepEqual(got, want) {
					g, _ := json.Marshal(got)
					w, _ := json.Marshal(want)
					t.Errorf("bodies differ:\n host    %s\n sdktest %s", g, w)
				}
				return
			}
			if !bytes.Equal(body, fake.Body) {
				t.Errorf("bodies differ:\n host    %.300q\n sdktest %.300q", body, fake.Body)
			}
		})
	}
}
