package host_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
)

// TestUnroutedRequestsCounted: requests that no site or no route
// answers are counted in wasmweb_requests_total with route "(none)",
// and the others only under their route.
func TestUnroutedRequestsCounted(t *testing.T) {
	spec := watSite("a",
		config.Route{Path: "/", Plugin: "hello"},
		config.Route{Path: "/only-post", Plugin: "hello", Methods: []string{"POST"}},
	)
	spec.Hosts = []string{"a.example"}
	h, do := testHost(t, spec)
	for _, tc := range []struct {
		raw    string
		status int
	}{
		{"GET / HTTP/1.1\r\nHost: a.example\r\n\r\n", 200},
		{"GET / HTTP/1.1\r\nHost: b.example\r\n\r\n", 404},
		{"GET /x HTTP/1.1\r\nHost: b.example\r\n\r\n", 404},
		{"GET /nothing HTTP/1.1\r\nHost: a.example\r\n\r\n", 404},
		{"GET /only-post HTTP/1.1\r\nHost: a.example\r\n\r\n", 405},
	} {
		if resp, _ := do(tc.raw); resp.StatusCode != tc.status {
			t.Fatalf("%q: %d, want %d", tc.raw, resp.StatusCode, tc.status)
		}
	}
	for _, c := range []struct {
		labels []string
		want   float64
	}{
		{[]string{`site=""`, `route="(none)"`, `status="404"`}, 2},
		{[]string{`site="a"`, `route="(none)"`, `status="404"`}, 1},
		{[]string{`site="a"`, `route="(none)"`, `status="405"`}, 1},
		{[]string{`site="a"`, `route="/"`, `status="200"`}, 1},
		{[]string{`route="(none)"`}, 4},
	} {
		if got := metricSum(t, h, "wasmweb_requests_total", c.labels...); got != c.want {
			t.Errorf("wasmweb_requests_total%v = %v, want %v", c.labels, got, c.want)
		}
	}
}

// TestBuildInfo: wasmweb_build_info is 1 and names the ABI and Go. (A
// test binary lists no modules, so its version and wazero are
// placeholders.)
func TestBuildInfo(t *testing.T) {
	h, _ := testHost(t, watSite("a", config.Route{Path: "/", Plugin: "hello"}))
	if v := metricSum(t, h, "wasmweb_build_info", `abi="wasmweb_v1"`, `goversion="`+runtime.Version()+`"`, `wazero="`, `version="`); v != 1 {
		t.Fatalf("wasmweb_build_info = %v", v)
	}
}

// gauge reads an unlabelled gauge from /metrics.
func gauge(t testing.TB, h *host.Host, name string) float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	h.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			var f float64
			if _, err := fmt.Sscan(v, &f); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("no %s in /metrics", name)
	return 0
}

// TestOpenConnectionsGauge drives a server on each transport through
// connections that hang up in every way a client can, and past the
// connection cap: wasmweb_open_connections follows, is never negative,
// and comes back to 0.
func TestOpenConnectionsGauge(t *testing.T) {
	for _, transport := range []string{"std", "netpoll"} {
		t.Run(transport, func(t *testing.T) {
			if transport == "netpoll" && !netloop.NetpollSupported {
				t.Skip("netpoll is not supported here")
			}
			testOpenConnectionsGauge(t, transport)
		})
	}
}

func testOpenConnectionsGauge(t *testing.T, transport string) {
	engine, err := host.NewEngine("")
	if err != nil {
		t.Fatal(err)
	}
	h, err := host.New(context.Background(), engine, config.Config{Sites: []config.Site{watSite("a", config.Route{Path: "/", Plugin: "hello"})}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := netloop.NewTransport(transport)
	if err != nil {
		t.Fatal(err)
	}
	const maxConns = 4
	srv := netloop.NewServer(netloop.Config{MaxConns: maxConns}, h, tr)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		h.Close(context.Background())
		engine.Close()
	})

	// Watch the gauge's source as fast as it goes, for a negative value.
	var lowest atomic.Int64
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if n := int64(srv.Conns()); n < lowest.Load() {
				lowest.Store(n)
			}
		}
	}()
	defer func() {
		close(stop)
		<-watched
		if lowest.Load() < 0 {
			t.Errorf("open connections went down to %d", lowest.Load())
		}
	}()
	waitGauge := func(want float64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for gauge(t, h, "wasmweb_open_connections") != want {
			if time.Now().After(deadline) {
				t.Fatalf("wasmweb_open_connections = %v, want %v", gauge(t, h, "wasmweb_open_connections"), want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	dial := func() *net.TCPConn {
		t.Helper()
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		return c.(*net.TCPConn)
	}

	waitGauge(0)
	served := dial() // a request answered, kept alive
	fmt.Fprintf(served, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(served), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("request: %v %v", resp, err)
	}
	half := dial() // half a request's head
	fmt.Fprintf(half, "GET / HTTP/1.1\r\nHo")
	silent := dial()
	leaving := dial() // sends a request and leaves before the answer
	waitGauge(4)
	// Past the cap: closed at once, the count unchanged.
	refused := srv.Refused()
	extra := dial()
	deadline := time.Now().Add(10 * time.Second)
	for srv.Refused() == refused && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if srv.Refused() == refused {
		t.Fatal("a connection past the cap was not refused")
	}
	extra.Close()
	if n := gauge(t, h, "wasmweb_open_connections"); n != maxConns {
		t.Fatalf("after a refusal: %v open, want %d", n, maxConns)
	}

	fmt.Fprintf(leaving, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	leaving.Close()
	half.SetLinger(0) // a reset
	half.Close()
	silent.CloseWrite() // a half-close
	served.Close()
	waitGauge(0)
	silent.Close()

	// Many that come and go at once, some mid-request.
	for i := range 40 {
		c := dial()
		switch i % 4 {
		case 1:
			fmt.Fprintf(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		case 2:
			fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
		case 3:
			c.SetLinger(0)
		}
		c.Close()
	}
	// The server takes connections from the listen queue in order: once
	// it has taken one dialled after those 40 (it answers it, or refuses
	// it at the cap and closes it), it has taken all of them, and the
	// count can only go down from there.
	probe := dial()
	fmt.Fprintf(probe, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	probe.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := probe.Read(make([]byte, 1)); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("the connection after the 40: %v", err)
	}
	probe.Close()
	waitGauge(0)

	// The status page tells the same.
	rec := httptest.NewRecorder()
	h.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/status.json", nil))
	var u struct {
		Snapshot struct{ Conns int64 } `json:"snapshot"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &u); err != nil || u.Snapshot.Conns != 0 {
		t.Fatalf("status.json conns %d, %v", u.Snapshot.Conns, err)
	}
}

// TestStatusSnapshot: the status page's JSON names the sites, their
// hosts and plugins with their instances and traps.
func TestStatusSnapshot(t *testing.T) {
	spec := watSite("a", config.Route{Path: "/", Plugin: "hello"})
	spec.Hosts = []string{"a.example", "*.a.example"}
	spec.Plugins["trap"] = "../conformance/guests/unreachable.wasm"
	spec.Routes = append(spec.Routes, config.Route{Path: "/trap", Plugin: "trap"})
	h, do := testHost(t, spec)
	if resp, _ := do("GET /trap HTTP/1.1\r\nHost: a.example\r\n\r\n"); resp.StatusCode != 500 {
		t.Fatalf("trap: %d", resp.StatusCode)
	}
	rec := httptest.NewRecorder()
	h.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/status.json", nil))
	var u struct {
		Snapshot struct {
			Build struct{ ABI string }
			Sites []struct {
				Name    string
				Hosts   []string
				Plugins []struct {
					Name                       string
					Instances, Idle, Busy, Max int
					Calls, Traps, Kills        uint64
				}
			}
		}
		Errors []struct {
			RequestID string `json:"request_id"`
			Site      string
			Plugin    string
		}
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &u); err != nil {
		t.Fatal(err)
	}
	s := u.Snapshot
	if s.Build.ABI != "wasmweb_v1" || len(s.Sites) != 1 || s.Sites[0].Name != "a" || strings.Join(s.Sites[0].Hosts, " ") != "a.example *.a.example" {
		t.Fatalf("snapshot %+v", s)
	}
	ps := s.Sites[0].Plugins
	if len(ps) != 2 || ps[0].Name != "hello" || ps[1].Name != "trap" || ps[1].Traps != 1 || ps[1].Calls != 1 {
		t.Fatalf("plugins %+v", ps)
	}
	for _, p := range ps {
		if p.Instances < 0 || p.Idle+p.Busy != p.Instances || p.Instances > p.Max {
			t.Errorf("plugin %+v", p)
		}
	}
	// The trap was logged with its request: it is a recent error.
	if len(u.Errors) != 1 || u.Errors[0].RequestID == "" || u.Errors[0].Site != "a" || u.Errors[0].Plugin != "trap" {
		t.Fatalf("recent errors %+v", u.Errors)
	}
}
