package abikit

import (
	"net/url"
	"strconv"
	"testing"
)

// The variable and fetch cases (abi/ABI.md sections 7.14 and 7.15). The
// "abi" site's allow list names http://127.0.0.1 on any port and nothing
// else, so the guest can fetch from the host itself when the kit reaches
// it there; a host served elsewhere gets only the refusals checked.

func init() {
	cases = append(cases,
		kase{"vars/defined-missing-and-other-site", varsCase},
		kase{"fetch/allowed-origin-and-body-cap", fetchAllowed},
		kase{"fetch/internal-numeric-and-unlisted-refused", fetchRefused},
		kase{"fetch/redirect-checked-against-the-list", fetchRedirect},
		kase{"fetch/invalid-requests", fetchInvalid},
		kase{"raw/outbound-outputs-and-error-codes", rawOutbound},
	)
}

func varsCase(t *testing.T, k *kit) {
	for _, tc := range []struct{ host, name, want string }{
		{"", "greeting", "hello-conformance"},
		{"", "dotted.name-1", "v1"},
		{"", "missing", "not-found"},
		{"", "", "not-found"},
		{"", "bad name", "not-found"},
		{DebugHost, "greeting", "not-found"}, // another site's variable
	} {
		r := k.do(t, request{host: tc.host, target: "/abi/var?name=" + url.QueryEscape(tc.name)})
		r.want(t, 200)
		if string(r.body) != tc.want {
			t.Errorf("var %q on %q: %q, want %q", tc.name, tc.host, r.body, tc.want)
		}
	}
}

// fetchResult is the guest's fetch handler's answer.
type fetchResult struct {
	Status      int    `json:"status"`
	Error       string `json:"error"`
	ContentType string `json:"content_type"`
	BodyLen     int    `json:"body_len"`
	BodySHA     string `json:"body_sha"`
}

// fetchVia asks the guest on host to fetch target with the query's
// other parameters.
func (k *kit) fetchVia(t *testing.T, host, target string, extra url.Values) fetchResult {
	t.Helper()
	q := url.Values{"url": {target}}
	for n, v := range extra {
		q[n] = v
	}
	r := k.do(t, request{host: host, target: "/abi/fetch?" + q.Encode()})
	r.want(t, 200)
	var res fetchResult
	r.decode(t, &res)
	return res
}

// self is the kit's base URL when the guest may fetch from it: when the
// host is reached at 127.0.0.1, which the allow list names.
func (k *kit) self(t *testing.T) string {
	if k.base.Hostname() != "127.0.0.1" {
		t.Skipf("the host is at %s, not 127.0.0.1, which the allow list names", k.base.Host)
	}
	return "http://" + k.base.Host
}

const fetchCap = 64 << 10 // the "abi" site's outbound max_response_bytes

func fetchAllowed(t *testing.T, k *kit) {
	self := k.self(t)
	for _, n := range []int{0, 1000, fetchCap} {
		res := k.fetchVia(t, "", self+"/abi/write?n="+strconv.Itoa(n), nil)
		if res.Status != 200 || res.BodyLen != n || res.BodySHA != sha(Pattern(n)) || res.ContentType != "application/octet-stream" {
			t.Errorf("fetch of %d bytes: %+v", n, res)
		}
	}
	if res := k.fetchVia(t, "", self+"/abi/write?n="+strconv.Itoa(fetchCap+1), nil); res.Error != "too-large" {
		t.Errorf("fetch of a body one byte past the cap: %+v, want too-large", res)
	}
	// A status is not an error: the guest sees the upstream's 404.
	if res := k.fetchVia(t, "", self+"/abi/no-such-route", nil); res.Status != 404 || res.Error != "" {
		t.Errorf("fetch of a missing page: %+v, want status 404", res)
	}
	// The same URL from a site without an allow list is denied.
	if res := k.fetchVia(t, DebugHost, self+"/abi/write?n=1", nil); res.Error != "denied" {
		t.Errorf("fetch from a site without [site.outbound]: %+v, want denied", res)
	}
}

func fetchRefused(t *testing.T, k *kit) {
	port := k.base.Port()
	for _, u := range []string{
		"http://localhost:" + port + "/abi/write?n=1",
		"http://[::1]:" + port + "/abi/write?n=1",
		"http://[::ffff:127.0.0.1]:" + port + "/abi/write?n=1",
		"http://0.0.0.0:" + port + "/abi/write?n=1",
		"http://2130706433:" + port + "/abi/write?n=1",
		"http://0177.0.0.1:" + port + "/abi/write?n=1",
		"http://0x7f000001:" + port + "/abi/write?n=1",
		"http://127.1:" + port + "/abi/write?n=1",
		"http://169.254.169.254/latest/meta-data/",
		"http://10.0.0.1/",
		"http://192.168.0.1/",
		"https://127.0.0.1:" + port + "/abi/write?n=1", // listed for http only
		"https://example.com/",
	} {
		if res := k.fetchVia(t, "", u, nil); res.Error != "denied" {
			t.Errorf("fetch %s: %+v, want denied", u, res)
		}
	}
}

func fetchRedirect(t *testing.T, k *kit) {
	self := k.self(t)
	redirect := func(to string) string {
		return self + "/abi/redirect?" + url.Values{"url": {to}, "status": {"302"}}.Encode()
	}
	if res := k.fetchVia(t, "", redirect(self+"/abi/write?n=5"), nil); res.Status != 200 || res.BodyLen != 5 {
		t.Errorf("redirect within the list: %+v, want 200 with 5 bytes", res)
	}
	for _, to := range []string{
		"http://169.254.169.254/latest/meta-data/",
		"http://localhost:" + k.base.Port() + "/abi/write?n=5",
		"http://10.0.0.1/",
		"https://example.com/",
	} {
		if res := k.fetchVia(t, "", redirect(to), nil); res.Error != "denied" {
			t.Errorf("redirect to %s: %+v, want denied", to, res)
		}
	}
}

func fetchInvalid(t *testing.T, k *kit) {
	for _, tc := range []struct {
		why string
		q   url.Values
	}{
		{"method with a space", url.Values{"url": {"http://127.0.0.1/"}, "method": {"GE T"}}},
		{"relative URL", url.Values{"url": {"/abi/write"}}},
		{"ftp URL", url.Values{"url": {"ftp://127.0.0.1/"}}},
		{"user information", url.Values{"url": {"http://u:p@127.0.0.1/"}}},
		{"header name with a space", url.Values{"url": {"http://127.0.0.1/"}, "hname": {"X A"}, "hvalue": {"1"}}},
		{"header value with CR LF", url.Values{"url": {"http://127.0.0.1/"}, "hname": {"X-A"}, "hvalue": {"1\r\nX-B: 2"}}},
	} {
		q := tc.q
		u := q.Get("url")
		q.Del("url")
		if res := k.fetchVia(t, "", u, q); res.Error != "invalid" {
			t.Errorf("%s: %+v, want invalid", tc.why, res)
		}
	}
}

// rawOutbound checks the (buf, buf_limit) rule of var and fetch_result,
// and the error codes the SDK's calls never meet.
func rawOutbound(t *testing.T, k *kit) {
	self := k.self(t)
	r := k.get(t, "/abi/raw/x?case=outbound&url="+url.QueryEscape(self+"/abi/write?n=300"))
	r.want(t, 200)
	var got struct {
		Var               rawOutput `json:"var"`
		VarMissing        int32     `json:"var_missing"`
		VarEmptyName      int32     `json:"var_empty_name"`
		ResultBefore      int32     `json:"result_before"`
		FetchCutHeader    int32     `json:"fetch_cut_header"`
		Fetch             int32     `json:"fetch"`
		Body              rawOutput `json:"body"`
		Part7             int32     `json:"part_7"`
		FetchDenied       int32     `json:"fetch_denied"`
		ResultAfterDenied int32     `json:"result_after_denied"`
		HeaderBytesPast   int32     `json:"fetch_header_bytes_past_cap"`
		Headers101        int32     `json:"fetch_101_headers"`
		Headers100        int32     `json:"fetch_100_headers"`
		BodyPast          int32     `json:"fetch_body_past_cap"`
		BodyAt            int32     `json:"fetch_body_at_cap"`
		TokenTwice        int32     `json:"fetch_token_twice"`
		TokenNotForwarded int32     `json:"fetch_token_not_forwarded"`
		TokenHugeName     int32     `json:"fetch_token_huge_name"`
		ResultAfterToken  int32     `json:"result_after_token"`
	}
	r.decode(t, &got)
	if got.Var != out("hello-conformance") || got.VarMissing != -1 || got.VarEmptyName != -1 {
		t.Errorf("var outputs: %+v", got)
	}
	if got.ResultBefore != -1 || got.FetchCutHeader != -2 || got.Fetch != 200 || got.Part7 != -2 || got.FetchDenied != -8 || got.ResultAfterDenied != -1 {
		t.Errorf("fetch codes: %+v; want result_before -1, fetch_cut_header -2, fetch 200, part_7 -2, fetch_denied -8, result_after_denied -1", got)
	}
	if got.HeaderBytesPast != -3 || got.Headers101 != -3 || got.Headers100 < 100 || got.BodyPast != -3 || got.BodyAt != 200 {
		t.Errorf("fetch caps: %+v; want -3 past 64 KiB of headers, 101 fields and max_request_bytes, a status at them", got)
	}
	if got.TokenTwice != -2 || got.TokenNotForwarded != -8 || got.TokenHugeName != -8 || got.ResultAfterToken != -1 {
		t.Errorf("provider token codes: %+v; want -2 asked twice, -8 not forwarded and no such provider, result_after_token -1", got)
	}
	if got.Body != out(string(Pattern(300))) {
		t.Errorf("fetched body by the (buf, buf_limit) rule: %+v", got.Body)
	}
}
