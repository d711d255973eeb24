package host_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

// relayUpstream is the relay plugin's upstream: /static/demo.css for a
// request with the bearer token, 401 without; /static/slow.css answers
// only when release is closed.
type relayUpstream struct {
	*httptest.Server
	arrived chan struct{}
	release chan struct{}
}

func newRelayUpstream(t *testing.T, token string) *relayUpstream {
	u := &relayUpstream{arrived: make(chan struct{}, 16), release: make(chan struct{})}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/static/demo.css":
			w.Header().Set("Content-Type", "text/css")
			io.WriteString(w, "h1 { color: red }\n")
		case "/static/slow.css":
			u.arrived <- struct{}{}
			select {
			case <-u.release:
			case <-r.Context().Done():
			}
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(func() {
		select {
		case <-u.release:
		default:
			close(u.release)
		}
		u.Close()
	})
	return u
}

// relayConfig is a config of two sites: "relay", whose relay plugin may
// fetch from upstream with the token of the environment variable
// WASMWEB_TEST_RELAY_TOKEN, its cookie secret in cookieFile; and
// "closed" (Host closed.test), the same plugin without an allow list.
func relayConfig(t *testing.T, upstream, cookieFile, outbound string) config.Config {
	relay := goPlugin(t, "../plugins/relay")
	src := fmt.Sprintf(`
[[site]]
name = "relay"
hosts = ["relay.test"]
[site.vars]
upstream = %[1]q
token = { env = "WASMWEB_TEST_RELAY_TOKEN" }
[site.cookies]
secrets = [{ file = %[2]q }]
[site.outbound]
allow = [%[1]q]
%[4]s
[site.limits]
call_timeout = "60s" # the slow fetch waits for the test, not the clock
[site.plugins]
relay = %[3]q
hello = "../conformance/guests/hello.wasm"
[[site.route]]
path = "/relay"
plugin = "relay"
[[site.route]]
path = "/"
plugin = "hello"

[[site]]
name = "closed"
hosts = ["closed.test"]
debug = true
[site.vars]
upstream = %[1]q
token = { env = "WASMWEB_TEST_RELAY_TOKEN" }
[site.plugins]
relay = %[3]q
[[site.route]]
path = "/relay"
plugin = "relay"
`, upstream, cookieFile, relay, outbound)
	cfg, err := config.Parse("relay.toml", []byte(src), ".")
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// serveRaw returns a function that serves one raw request on h.
func serveRaw(t *testing.T, h *host.Host) func(raw string) (*http.Response, string) {
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
	return func(raw string) (*http.Response, string) {
		c := netlooptest.Open(srv)
		defer c.Hangup()
		c.Feed([]byte(raw))
		out := c.Output()
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
		if err != nil {
			t.Errorf("response to %q: %v (output %q)", raw, err, out)
			return &http.Response{}, ""
		}
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
}

// The relay plugin through the real host, one host for both parts (a Go
// plugin takes long to compile under the race detector): a slow upstream
// holds only its own fetch, then no secret shows anywhere.
func TestRelayPlugin(t *testing.T) {
	const token = "tok-7f3a9c-never-shown"
	const cookieSecret = "cookie-secret-5e1d-never-shown"
	t.Setenv("WASMWEB_TEST_RELAY_TOKEN", token)
	cookieFile := filepath.Join(t.TempDir(), "cookie")
	if err := os.WriteFile(cookieFile, []byte(cookieSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	up := newRelayUpstream(t, token)
	h, log, err := loggedHost(t, relayConfig(t, up.URL, cookieFile, "max_concurrent = 1\ntimeout = \"1h\""))
	if err != nil {
		t.Fatal(err)
	}
	do := serveRaw(t, h)
	t.Run("slow upstream", func(t *testing.T) { slowUpstreamHoldsOnlyItsFetch(t, do, up) })
	t.Run("secrets", func(t *testing.T) { secretsShownNowhere(t, h, do, log, up, token, cookieSecret) })

	rec := httptest.NewRecorder()
	h.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`wasmweb_outbound_fetches_total{result="ok",site="relay"} 4`,
		`wasmweb_outbound_fetches_total{result="busy",site="relay"} 1`,
		`wasmweb_outbound_fetches_total{result="denied",site="closed"} 2`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

// A fetch waiting on a slow upstream holds its own instance only: the
// site's other routes and other sites answer meanwhile, and a fetch past
// the site's max_concurrent (1) fails at once. (The timeout and the
// call's deadline are host/internal/outbound's tests.)
func slowUpstreamHoldsOnlyItsFetch(t *testing.T, do func(string) (*http.Response, string), up *relayUpstream) {
	var wg sync.WaitGroup
	wg.Add(1)
	var slowStatus int
	go func() {
		defer wg.Done()
		resp, _ := do("GET /relay?file=slow.css HTTP/1.1\r\nHost: relay.test\r\n\r\n")
		slowStatus = resp.StatusCode
	}()
	<-up.arrived // the fetch waits on the upstream
	if resp, body := do("GET / HTTP/1.1\r\nHost: relay.test\r\n\r\n"); resp.StatusCode != 200 || body != "Hello, world" {
		t.Errorf("another route of the site while a fetch waits: %d %q", resp.StatusCode, body)
	}
	if resp, _ := do("GET /relay?file=demo.css HTTP/1.1\r\nHost: closed.test\r\n\r\n"); resp.StatusCode != 502 {
		t.Errorf("another site while a fetch waits: %d, want its own answer (502: it may not fetch)", resp.StatusCode)
	}
	// One fetch in flight is the cap: the next fails at once (504 from
	// the plugin for ErrUnavailable) without reaching the upstream.
	if resp, _ := do("GET /relay?file=demo.css HTTP/1.1\r\nHost: relay.test\r\n\r\n"); resp.StatusCode != 504 {
		t.Errorf("a fetch past max_concurrent: %d, want 504", resp.StatusCode)
	}
	close(up.release)
	wg.Wait()
	if slowStatus != 200 {
		t.Errorf("the slow fetch: %d, want 200 once the upstream answered", slowStatus)
	}
	if resp, _ := do("GET /relay?file=demo.css HTTP/1.1\r\nHost: relay.test\r\n\r\n"); resp.StatusCode != 200 {
		t.Errorf("a fetch after the slow one returned: %d, want 200", resp.StatusCode)
	}
}

// The relay plugin reads its variables and fetches; the token (from the
// environment) and the cookie secret (from a file) show up in no log
// line, error page, metric or admin answer.
func secretsShownNowhere(t *testing.T, h *host.Host, do func(string) (*http.Response, string), log *logRec, up *relayUpstream, token, cookieSecret string) {
	var seen []string // every answer, head and body
	for _, tc := range []struct {
		host, target string
		status       int
		body         string
	}{
		{"relay.test", "/relay?file=demo.css", 200, up.URL + "/static/demo.css: 200, 18 bytes, text/css\nh1 { color: red }\n"},
		{"relay.test", "/relay?file=nope.css", 200, up.URL + "/static/nope.css: 404, 19 bytes, text/plain; charset=utf-8\n404 page not found\n"},
		{"relay.test", "/relay?file=..", 400, ""},
		{"closed.test", "/relay?file=demo.css", 502, ""}, // no allow list: denied, on a debug site
	} {
		resp, body := do("GET " + tc.target + " HTTP/1.1\r\nHost: " + tc.host + "\r\n\r\n")
		if resp.StatusCode != tc.status || tc.body != "" && body != tc.body {
			t.Errorf("%s%s: %d %q, want %d %q", tc.host, tc.target, resp.StatusCode, body, tc.status, tc.body)
		}
		seen = append(seen, fmt.Sprint(resp.Header), body)
	}
	admin := h.AdminHandler()
	for _, path := range []string{"/metrics", "/status.json", "/v1/sites", "/v1/sites/relay", "/v1/sites/closed"} {
		rec := httptest.NewRecorder()
		admin.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 200 {
			t.Errorf("GET %s: %d", path, rec.Code)
		}
		seen = append(seen, rec.Body.String())
	}
	// A site given to the admin API may not read the environment: the
	// refusal names the key, not the value.
	rec := httptest.NewRecorder()
	put := "[[site]]\nname = \"relay\"\nhosts = [\"relay.test\"]\n[site.vars]\ntoken = { env = \"WASMWEB_TEST_RELAY_TOKEN\" }\n" +
		"[site.plugins]\nhello = \"../conformance/guests/hello.wasm\"\n[[site.route]]\npath = \"/\"\nplugin = \"hello\"\n"
	admin.ServeHTTP(rec, httptest.NewRequest("PUT", "/v1/sites/relay", strings.NewReader(put)))
	if rec.Code == 200 || !strings.Contains(rec.Body.String(), "vars.token") {
		t.Errorf("PUT a site with an env variable: %d %s; want a refusal naming vars.token", rec.Code, rec.Body)
	}
	seen = append(seen, rec.Body.String())
	for _, r := range log.records("") {
		seen = append(seen, r.msg, fmt.Sprint(r.attrs))
	}
	for _, s := range seen {
		for _, secret := range []string{token, cookieSecret} {
			if strings.Contains(s, secret) {
				t.Errorf("a secret shows up in %q", s)
			}
		}
	}
}
