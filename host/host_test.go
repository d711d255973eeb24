package host_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

// testHost loads specs and returns a function that sends one raw request
// through an in-memory connection and parses the response.
func testHost(t testing.TB, specs ...config.Site) (*host.Host, func(raw string) (*http.Response, string)) {
	t.Helper()
	h, srv := testServer(t, specs...)
	do := func(raw string) (*http.Response, string) {
		c := netlooptest.Open(srv)
		defer c.Hangup()
		c.Feed([]byte(raw))
		out := c.Output()
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
		if err != nil {
			t.Fatalf("response to %q: %v (output %q)", raw, err, out)
		}
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	return h, do
}

// testServer loads specs and serves them on a server without a listener,
// for in-memory connections (netlooptest.Open).
func testServer(t testing.TB, specs ...config.Site) (*host.Host, *netloop.Server) {
	t.Helper()
	engine, err := host.NewEngine("")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.Default()
	}
	h, err := host.New(context.Background(), engine, config.Config{Sites: specs}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.Close(context.Background())
		engine.Close()
	})
	return h, netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
}

func watSite(name string, routes ...config.Route) config.Site {
	return config.Site{
		Name: name, Hosts: []string{"*"},
		Plugins: map[string]string{"hello": "../conformance/guests/hello.wasm"},
		Routes:  routes,
	}
}

func TestServeWATGuest(t *testing.T) {
	_, do := testHost(t, watSite("wat",
		config.Route{Path: "/", Plugin: "hello"},
		config.Route{Path: "/only-post", Plugin: "hello", Methods: []string{"POST"}},
	))
	resp, body := do("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp.StatusCode != 200 || body != "Hello, world" || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("GET /: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	resp, _ = do("GET /nothing HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp.StatusCode != 404 {
		t.Errorf("unrouted path: %d, want 404", resp.StatusCode)
	}
	resp, _ = do("GET /only-post HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "POST" {
		t.Errorf("wrong method: %d Allow=%q, want 405 POST", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestHostRouting(t *testing.T) {
	a := watSite("a", config.Route{Path: "/", Plugin: "hello"})
	a.Hosts = []string{"a.test", "*.a.test"}
	b := watSite("b", config.Route{Path: "/b", Plugin: "hello"})
	b.Hosts = []string{"b.test"}
	// Listed before a's more specific *.a.test, which still wins.
	wide := watSite("wide", config.Route{Path: "/wide", Plugin: "hello"})
	wide.Hosts = []string{"*.test"}
	_, do := testHost(t, wide, a, b)
	for _, tc := range []struct {
		host, path string
		status     int
	}{
		{"a.test", "/", 200}, {"A.TEST:8080", "/", 200}, {"www.a.test", "/", 200},
		{"b.test", "/b", 200}, {"b.test", "/", 404}, {"c.test", "/", 404}, {"c.test", "/wide", 200},
		{"x.www.a.test", "/", 200}, {"x.www.a.test", "/wide", 404},
	} {
		resp, _ := do("GET " + tc.path + " HTTP/1.1\r\nHost: " + tc.host + "\r\n\r\n")
		if resp.StatusCode != tc.status {
			t.Errorf("Host %s %s: %d, want %d", tc.host, tc.path, resp.StatusCode, tc.status)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	engine, _ := host.NewEngine("")
	defer engine.Close()
	for _, tc := range []struct {
		name string
		spec config.Site
		want string
	}{
		{"not wasm", config.Site{Name: "s", Hosts: []string{"*"}, Plugins: map[string]string{"p": "host_test.go"}, Routes: []config.Route{{Path: "/", Plugin: "p"}}}, "not a WebAssembly module"},
		{"missing file", config.Site{Name: "s", Hosts: []string{"*"}, Plugins: map[string]string{"p": "nope.wasm"}, Routes: []config.Route{{Path: "/", Plugin: "p"}}}, "no such file"},
		{"unknown plugin", config.Site{Name: "s", Hosts: []string{"*"}, Plugins: map[string]string{}, Routes: []config.Route{{Path: "/", Plugin: "p"}}}, `no plugin "p"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := host.New(context.Background(), engine, config.Config{Sites: []config.Site{tc.spec}}, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func BenchmarkDispatchWAT(b *testing.B) {
	for _, timeout := range []time.Duration{-1, 5 * time.Second} {
		name := "deadline-off"
		if timeout > 0 {
			name = "deadline-on"
		}
		b.Run(name, func(b *testing.B) {
			spec := watSite("wat", config.Route{Path: "/", Plugin: "hello"})
			spec.Limits.CallTimeout = config.Duration(timeout)
			h, _ := testHost(b, spec)
			benchDispatch(b, h)
		})
	}
}

// benchDispatch runs requests through the host and the netloop core,
// writing to a connection that discards output.
func benchDispatch(b *testing.B, h *host.Host) {
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
	st := srv.Open(discard{})
	req := []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1:8888\r\nUser-Agent: bench\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		st.Input(req)
	}
}

func TestSiteStatic(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "site.css"), []byte("body{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := watSite("static", config.Route{Path: "/", Plugin: "hello"})
	spec.Static.Dir = dir
	_, do := testHost(t, spec)
	resp, body := do("GET /static/site.css HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp.StatusCode != 200 || body != "body{}" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Fatalf("static file: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if resp, _ := do("GET /static/../host_test.go HTTP/1.1\r\nHost: x\r\n\r\n"); resp.StatusCode != 404 {
		t.Errorf("traversal: %d", resp.StatusCode)
	}
	if _, body := do("GET / HTTP/1.1\r\nHost: x\r\n\r\n"); body != "Hello, world" {
		t.Errorf("routes after static: %q", body)
	}
}
