package outbound

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// upstream is an in-test server on 127.0.0.1 that counts the requests
// reaching it.
type upstream struct {
	*httptest.Server
	hits    atomic.Int64
	port    string
	arrived chan struct{} // /block: one value per request that arrived
	release chan struct{} // /block: closed to let them answer
}

func newUpstream(t *testing.T, tlsToo bool) *upstream {
	u := &upstream{arrived: make(chan struct{}, 64), release: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "X-Private")
		w.Header().Set("X-Private", "hop")
		w.Header().Set("Keep-Alive", "timeout=5")
		w.Header().Set("X-Kept", "yes")
		body, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "%s %s x-token=%q te=%q conn=%q host=%s body=%s", r.Method, r.URL.Path,
			r.Header.Get("X-Token"), r.Header.Get("Te"), r.Header.Get("X-Hop"), r.Host, body)
	})
	mux.HandleFunc("/size/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscan(r.PathValue("n"), &n)
		w.Write([]byte(strings.Repeat("x", n)))
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/block", func(w http.ResponseWriter, r *http.Request) {
		u.arrived <- struct{}{}
		select {
		case <-u.release:
		case <-r.Context().Done():
		}
	})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		mux.ServeHTTP(w, r)
	})
	if tlsToo {
		u.Server = httptest.NewTLSServer(h)
	} else {
		u.Server = httptest.NewServer(h)
	}
	t.Cleanup(func() {
		select {
		case <-u.release:
		default:
			close(u.release)
		}
		u.Close()
	})
	uu, _ := url.Parse(u.URL)
	u.port = uu.Port()
	return u
}

// lookupTable resolves the names it has, and fails for the rest.
func lookupTable(m map[string][]string) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		var out []netip.Addr
		for _, s := range m[host] {
			out = append(out, netip.MustParseAddr(s))
		}
		if _, ok := m[host]; !ok {
			return nil, fmt.Errorf("no such host %s", host)
		}
		return out, nil
	}
}

func newClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func get(c *Client, u string) (*Response, error) {
	return c.Fetch(context.Background(), Request{Method: "GET", URL: u})
}

func TestFetchAllowed(t *testing.T) {
	up := newUpstream(t, false)
	c := newClient(t, Config{Allow: []string{"http://127.0.0.1:" + up.port}})
	resp, err := c.Fetch(context.Background(), Request{Method: "POST", URL: up.URL + "/echo",
		Header: [][2]string{{"X-Token", "t1"}, {"TE", "trailers"}, {"Connection", "X-Hop"}, {"X-Hop", "1"}, {"Host", "evil.example"}},
		Body:   []byte("hello")})
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`POST /echo x-token="t1" te="" conn="" host=127.0.0.1:%s body=hello`, up.port)
	if resp.Status != 200 || string(resp.Body) != want {
		t.Errorf("got %d %q, want 200 %q", resp.Status, resp.Body, want)
	}
	fields := map[string]string{}
	for _, f := range resp.Header {
		fields[f[0]] = f[1]
	}
	if fields["x-kept"] != "yes" || fields["content-length"] != "" || fields["connection"] != "" || fields["x-private"] != "" || fields["keep-alive"] != "" {
		t.Errorf("response header %v: want x-kept, and no hop-by-hop field", resp.Header)
	}
	if c.InFlight() != 0 {
		t.Errorf("%d fetches in flight after the fetch", c.InFlight())
	}
}

// Fetches the allow list does not admit, or whose connections would
// reach an internal address, are refused before anything reaches the
// upstream.
func TestFetchRefused(t *testing.T) {
	up := newUpstream(t, false)
	p := up.port
	lookup := lookupTable(map[string][]string{
		"localhost":   {"127.0.0.1", "::1"},
		"loop.test":   {"127.0.0.1"},
		"six.test":    {"::1"},
		"mapped.test": {"::ffff:127.0.0.1"},
		"zero.test":   {"0.0.0.0"},
		"meta.test":   {"169.254.169.254"},
		"ten.test":    {"10.1.2.3"},
		"priv.test":   {"192.168.1.1", "172.16.5.4"},
		"ula.test":    {"fd00::1"},
		"ll.test":     {"fe80::1"},
		"mc.test":     {"224.0.0.1"},
		"cgn.test":    {"100.64.0.1"},
		"unspec.test": {"::"},
		"rebind.test": {"127.0.0.1"},
		"empty.test":  {},
	})
	// Every name under .test, and localhost, is listed: what refuses them
	// is the address they resolve to.
	c := newClient(t, Config{Allow: []string{"http://*.test:*", "http://localhost:*", "https://api.example.com"}, LookupAddrs: lookup})
	for _, tc := range []struct{ url, why string }{
		{"http://127.0.0.1:" + p + "/echo", "loopback address not listed"},
		{"http://localhost:" + p + "/echo", "name resolving to loopback"},
		{"http://[::1]:" + p + "/echo", "IPv6 loopback"},
		{"http://[::ffff:127.0.0.1]:" + p + "/echo", "IPv4-mapped loopback"},
		{"http://0.0.0.0:" + p + "/echo", "unspecified"},
		{"http://169.254.169.254/latest/meta-data/", "cloud metadata"},
		{"http://10.0.0.1/", "10/8"},
		{"http://2130706433:" + p + "/echo", "decimal IPv4"},
		{"http://0177.0.0.1:" + p + "/echo", "octal IPv4"},
		{"http://0x7f.0.0.1:" + p + "/echo", "hex IPv4"},
		{"http://127.1:" + p + "/echo", "short IPv4"},
		{"http://loop.test:" + p + "/echo", "listed name resolving to loopback"},
		{"http://six.test:" + p + "/echo", "listed name resolving to ::1"},
		{"http://mapped.test:" + p + "/echo", "listed name resolving to ::ffff:127.0.0.1"},
		{"http://zero.test:" + p + "/echo", "listed name resolving to 0.0.0.0"},
		{"http://meta.test/", "listed name resolving to 169.254.169.254"},
		{"http://ten.test/", "listed name resolving to 10/8"},
		{"http://priv.test/", "listed name resolving to 192.168/16 and 172.16/12"},
		{"http://ula.test/", "listed name resolving to fd00::/8"},
		{"http://ll.test/", "listed name resolving to fe80::/10"},
		{"http://mc.test/", "listed name resolving to multicast"},
		{"http://cgn.test/", "listed name resolving to 100.64/10"},
		{"http://unspec.test/", "listed name resolving to ::"},
		{"https://api.example.com:8443/", "listed host, other port"},
		{"http://api.example.com/", "listed host, other scheme"},
		{"https://evil.example.com/", "unlisted host"},
		{"https://api.example.com.evil.net/", "suffix trick"},
		{"http://a.test.evil.net:" + p + "/", "wildcard suffix trick"},
		{"http://[fe80::1%25eth0]/", "zoned address"},
		{"http://loop.test.:" + p + "/echo", "trailing dot"},
	} {
		t.Run(tc.why, func(t *testing.T) {
			before := up.hits.Load()
			resp, err := get(c, tc.url)
			if !errors.Is(err, ErrDenied) {
				t.Errorf("%s: got %v, %v; want ErrDenied", tc.url, resp, err)
			}
			if up.hits.Load() != before {
				t.Errorf("%s reached the upstream", tc.url)
			}
		})
	}
	if _, err := get(c, "http://empty.test/"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("a name with no address: %v, want ErrUnavailable", err)
	}
	if c.InFlight() != 0 {
		t.Errorf("%d fetches in flight after refusals", c.InFlight())
	}
}

// An entry naming an internal address lets that address be dialed, on
// the entry's port only, by its address or by a name resolving to it.
func TestFetchExplicitAddress(t *testing.T) {
	up := newUpstream(t, false)
	lookup := lookupTable(map[string][]string{"api.test": {"127.0.0.1"}})
	c := newClient(t, Config{Allow: []string{"http://127.0.0.1:" + up.port, "http://api.test:*"}, LookupAddrs: lookup})
	for _, u := range []string{up.URL + "/echo", "http://api.test:" + up.port + "/echo"} {
		if resp, err := get(c, u); err != nil || resp.Status != 200 {
			t.Errorf("%s: %v %v, want 200", u, resp, err)
		}
	}
	other := newClient(t, Config{Allow: []string{"http://127.0.0.1:1", "http://api.test:*"}, LookupAddrs: lookup})
	if _, err := get(other, "http://api.test:"+up.port+"/echo"); !errors.Is(err, ErrDenied) {
		t.Errorf("name resolving to an address listed for another port: %v, want ErrDenied", err)
	}
}

func TestFetchRedirects(t *testing.T) {
	up := newUpstream(t, false)
	lookup := lookupTable(map[string][]string{"inside.test": {"10.0.0.7"}, "self.test": {"127.0.0.1"}})
	self := "http://127.0.0.1:" + up.port
	c := newClient(t, Config{Allow: []string{self, "http://inside.test:*"}, LookupAddrs: lookup, MaxRedirects: 3})
	redirect := func(to string) string { return self + "/redirect?to=" + url.QueryEscape(to) }

	if resp, err := get(c, redirect(self+"/echo")); err != nil || resp.Status != 200 || !strings.HasPrefix(string(resp.Body), "GET /echo") {
		t.Errorf("redirect within the list: %v %v", resp, err)
	}
	for _, tc := range []struct{ to, why string }{
		{"http://169.254.169.254/latest/meta-data/", "to cloud metadata"},
		{"http://127.0.0.1:1/", "to a loopback port not listed"},
		{"http://unlisted.example/", "to an unlisted host"},
		{"http://inside.test/", "to a listed name resolving to 10/8"},
		{"https://127.0.0.1:" + up.port + "/echo", "to another scheme"},
	} {
		before := up.hits.Load()
		if resp, err := get(c, redirect(tc.to)); !errors.Is(err, ErrDenied) {
			t.Errorf("redirect %s: %v %v, want ErrDenied", tc.why, resp, err)
		}
		if got := up.hits.Load() - before; got != 1 {
			t.Errorf("redirect %s: %d requests reached the upstream, want the first one only", tc.why, got)
		}
	}
	if _, err := get(c, self+"/loop"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("redirect loop: %v, want ErrUnavailable", err)
	}
	none := newClient(t, Config{Allow: []string{self}, MaxRedirects: -1})
	if _, err := get(none, redirect(self+"/echo")); !errors.Is(err, ErrUnavailable) {
		t.Errorf("redirect with max_redirects = -1: %v, want ErrUnavailable", err)
	}
}

func TestFetchInvalid(t *testing.T) {
	up := newUpstream(t, false)
	c := newClient(t, Config{Allow: []string{"http://127.0.0.1:*"}})
	for _, req := range []Request{
		{Method: "", URL: up.URL},
		{Method: "GE T", URL: up.URL},
		{Method: "GET", URL: "/relative"},
		{Method: "GET", URL: "ftp://127.0.0.1/"},
		{Method: "GET", URL: "http://user:pw@127.0.0.1:" + up.port + "/"},
		{Method: "GET", URL: "http://127.0.0.1:99999/"},
		{Method: "GET", URL: "http://%zz/"},
		{Method: "GET", URL: up.URL, Header: [][2]string{{"Bad Name", "v"}}},
		{Method: "GET", URL: up.URL, Header: [][2]string{{"X", "a\r\nInjected: 1"}}},
	} {
		if _, err := c.Fetch(context.Background(), req); !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrDenied) {
			t.Errorf("%+v: %v, want ErrInvalid", req, err)
		}
	}
	if up.hits.Load() != 0 {
		t.Errorf("%d invalid requests reached the upstream", up.hits.Load())
	}
}

func TestFetchCaps(t *testing.T) {
	up := newUpstream(t, false)
	c := newClient(t, Config{Allow: []string{"http://127.0.0.1:*"}, MaxResponseBytes: 1000, MaxRequestBytes: 500,
		Timeout: 200 * time.Millisecond, MaxConcurrent: 2})
	post := func(n int) error {
		_, err := c.Fetch(context.Background(), Request{Method: "POST", URL: up.URL + "/echo", Body: make([]byte, n)})
		return err
	}
	if err := post(500); err != nil {
		t.Errorf("request body at the cap: %v", err)
	}
	before := up.hits.Load()
	if err := post(501); !errors.Is(err, ErrTooLarge) || up.hits.Load() != before {
		t.Errorf("request body past the cap: %v, want ErrTooLarge before any request", err)
	}
	if resp, err := get(c, up.URL+"/size/1000"); err != nil || len(resp.Body) != 1000 {
		t.Errorf("body at the cap: %v %v", resp, err)
	}
	if _, err := get(c, up.URL+"/size/1001"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("body past the cap: %v, want ErrTooLarge", err)
	}
	// The upstream never answers /block before the test ends: only the
	// timeout can end the fetch.
	if _, err := get(c, up.URL+"/block"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("upstream that never answers: %v, want ErrUnavailable", err)
	}
	<-up.arrived
	// The call's own deadline ends a fetch before the client's timeout.
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := c.Fetch(ctx, Request{Method: "GET", URL: up.URL + "/block"})
		done <- err
	}()
	<-up.arrived
	cancel()
	if err := <-done; !errors.Is(err, ErrUnavailable) {
		t.Errorf("fetch whose call ended: %v, want ErrUnavailable", err)
	}
}

func TestFetchConcurrentCap(t *testing.T) {
	up := newUpstream(t, false)
	c := newClient(t, Config{Allow: []string{"http://127.0.0.1:*"}, MaxConcurrent: 2, Timeout: time.Minute})
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := get(c, up.URL+"/block")
			errs <- err
		}()
	}
	<-up.arrived
	<-up.arrived
	if n := c.InFlight(); n != 2 {
		t.Errorf("%d in flight, want 2", n)
	}
	before := up.hits.Load()
	if _, err := get(c, up.URL+"/echo"); !errors.Is(err, ErrBusy) {
		t.Errorf("fetch past the cap: %v, want ErrBusy", err)
	}
	if up.hits.Load() != before {
		t.Error("the fetch past the cap reached the upstream")
	}
	close(up.release)
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := c.InFlight(); n != 0 {
		t.Errorf("%d in flight after all returned, want 0", n)
	}
	if _, err := get(c, up.URL+"/echo"); err != nil {
		t.Errorf("fetch after the others returned: %v", err)
	}
}

func TestFetchTLS(t *testing.T) {
	up := newUpstream(t, true)
	allow := []string{"https://127.0.0.1:" + up.port}
	// Verification is always on: the test server's certificate is
	// trusted only when its authority is given.
	if _, err := get(newClient(t, Config{Allow: allow}), up.URL+"/echo"); !errors.Is(err, ErrUnavailable) {
		t.Errorf("untrusted certificate: %v, want ErrUnavailable", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(up.Certificate())
	if resp, err := get(newClient(t, Config{Allow: allow, RootCAs: pool}), up.URL+"/echo"); err != nil || resp.Status != 200 {
		t.Errorf("trusted certificate: %v %v", resp, err)
	}
}

// A proxy named in the environment is never used: it would be dialed
// in place of the allowed host.
func TestFetchIgnoresProxyEnv(t *testing.T) {
	up := newUpstream(t, false)
	proxy := newUpstream(t, false)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("http_proxy", proxy.URL)
	c := newClient(t, Config{Allow: []string{"http://127.0.0.1:" + up.port}})
	if _, err := get(c, up.URL+"/echo"); err != nil {
		t.Fatal(err)
	}
	if proxy.hits.Load() != 0 || up.hits.Load() != 1 {
		t.Errorf("proxy hits %d, upstream hits %d; want 0 and 1", proxy.hits.Load(), up.hits.Load())
	}
}

func TestParseRule(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://api.example.com", "https://api.example.com:443"},
		{"https://API.Example.com/", "https://api.example.com:443"},
		{"http://api.example.com", "http://api.example.com:80"},
		{"https://*.example.org:8443", "https://*.example.org:8443"},
		{"http://127.0.0.1:*", "http://127.0.0.1:*"},
		{"http://[::1]:8080", "http://[::1]:8080"},
		{"http://[::1]", "http://[::1]:80"},
		{"ftp://x.example", "error"},
		{"api.example.com", "error"},
		{"https://api.example.com/path", "error"},
		{"https://user@api.example.com", "error"},
		{"https://api.example.com:0", "error"},
		{"https://api.example.com:65536", "error"},
		{"https://api.example.com:08", "error"},
		{"https://2130706433", "error"},
		{"https://0177.0.0.1", "error"},
		{"https://127.1", "error"},
		{"https://*", "error"},
		{"https://a.*.example.com", "error"},
		{"http://::1", "error"},
		{"http://[127.0.0.1]", "error"},
		{"http://[fe80::1%eth0]", "error"},
		{"https://-bad.example", "error"},
	} {
		r, err := ParseRule(tc.in)
		got := "error"
		if err == nil {
			got = r.String()
		}
		if got != tc.want {
			t.Errorf("ParseRule(%q) = %s (%v), want %s", tc.in, got, err, tc.want)
		}
	}
}

func TestInternal(t *testing.T) {
	for _, a := range []string{"127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "0.0.0.0", "::",
		"169.254.169.254", "10.0.0.1", "172.31.255.255", "192.168.0.1", "100.100.100.200", "fe80::1", "fd00:ec2::254",
		"fc00::1", "224.0.0.251", "ff02::1", "255.255.255.255", "64:ff9b::7f00:1", "2002:7f00:1::1", "::7f00:1"} {
		if !Internal(netip.MustParseAddr(a)) {
			t.Errorf("Internal(%s) = false", a)
		}
	}
	for _, a := range []string{"8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700::1111", "::ffff:8.8.8.8"} {
		want := a == "::ffff:8.8.8.8" // mapped addresses are refused whatever they map
		if Internal(netip.MustParseAddr(a)) != want {
			t.Errorf("Internal(%s) = %v", a, !want)
		}
	}
}

func TestHeaderList(t *testing.T) {
	h := [][2]string{{"a", "1"}, {"b", ""}, {"a", "2"}}
	got, err := ParseHeader(AppendHeader(nil, h))
	if err != nil || fmt.Sprint(got) != fmt.Sprint(h) {
		t.Errorf("round trip: %v %v", got, err)
	}
	for _, bad := range []string{"a", "a\x00", "a\x001\x00b"} {
		if _, err := ParseHeader([]byte(bad)); !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseHeader(%q): %v, want ErrInvalid", bad, err)
		}
	}
	if got, err := ParseHeader(nil); err != nil || got != nil {
		t.Errorf("empty list: %v %v", got, err)
	}
}

func FuzzParseRule(f *testing.F) {
	for _, s := range []string{"https://api.example.com", "http://[::1]:*", "https://*.a.b:8443", "http://0177.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRule(s)
		if err != nil {
			return
		}
		again, err := ParseRule(r.String())
		if err != nil || again != r {
			t.Errorf("%q: %s does not parse back (%v)", s, r, err)
		}
	})
}

func FuzzParseHeader(f *testing.F) {
	f.Add([]byte("a\x001\x00b\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHeader(b)
		if err != nil {
			return
		}
		if got := AppendHeader(nil, h); string(got) != string(b) {
			t.Errorf("%q parsed to %v, written back as %q", b, h, got)
		}
	})
}
