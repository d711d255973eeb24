package host_test

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
)

// spinCounter is a slog.Handler that counts the byroute guest's
// "spinning" lines: loop calls that got an instance.
type spinCounter struct{ n atomic.Int32 }

func (s *spinCounter) Enabled(context.Context, slog.Level) bool { return true }
func (s *spinCounter) WithAttrs([]slog.Attr) slog.Handler       { return s }
func (s *spinCounter) WithGroup(string) slog.Handler            { return s }
func (s *spinCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "guest" {
		return nil
	}
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "text" && a.Value.String() == "spinning" {
			s.n.Add(1)
		}
		return true
	})
	return nil
}

// await waits until at least n loop calls have started.
func (s *spinCounter) await(t testing.TB, n int32) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for s.n.Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d loop calls started, want %d", s.n.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// spinServer loads spec on a host whose log counts loop calls.
func spinServer(t testing.TB, spec config.Site) (*host.Host, *netloop.Server, *spinCounter) {
	t.Helper()
	engine, err := host.NewEngine("")
	if err != nil {
		t.Fatal(err)
	}
	spins := &spinCounter{}
	h, err := host.New(context.Background(), engine, config.Config{Sites: []config.Site{spec}}, slog.New(spins))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		h.Close(context.Background())
		engine.Close()
	})
	return h, netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport()), spins
}

// loops sends n requests to the looping route, each on its own
// connection and goroutine; wait returns their statuses once all are
// answered, and running reports how many are not.
type loops struct {
	wg       sync.WaitGroup
	running  atomic.Int32
	mu       sync.Mutex
	statuses []int
}

func startLoops(t testing.TB, srv *netloop.Server, n int) *loops {
	l := &loops{}
	l.running.Add(int32(n))
	for range n {
		l.wg.Go(func() {
			status, _, _ := memAnswer(sendGET(t, srv, "/loop"), 0)
			l.running.Add(-1)
			l.mu.Lock()
			l.statuses = append(l.statuses, status)
			l.mu.Unlock()
		})
	}
	return l
}

func (l *loops) wait() []int {
	l.wg.Wait()
	return l.statuses
}

// TestRouteShare sends 8 requests to a route that loops until its
// deadline, to a plugin of 4 instances whose other route answers at
// once. The looping route may hold only its share (2) of the instances,
// so the other route keeps answering while every loop is still running.
func TestRouteShare(t *testing.T) {
	const instances, share = 4, 2
	h, srv, spins := spinServer(t, byrouteSite("share",
		config.Limits{Instances: instances, WarmInstances: instances, CallTimeout: config.Duration(20 * time.Second)}, config.SitePubSub{}))
	l := startLoops(t, srv, 8)
	spins.await(t, share)
	for i := range 2 * instances {
		status, body, ok := memAnswer(sendGET(t, srv, "/hello"), 0)
		if !ok || status != 200 || body != "Hello, world" {
			t.Fatalf("hello %d while the loops run: %d %q, want 200 \"Hello, world\"", i, status, body)
		}
		if n := l.running.Load(); n != 8 {
			t.Fatalf("hello %d was answered only after %d of the loops", i, 8-n)
		}
	}
	if n := spins.n.Load(); n != share {
		t.Errorf("%d loop calls got an instance, want the route's share, %d", n, share)
	}
	// Unloading stops the loops and refuses those waiting for a slot.
	h.Close(context.Background())
	for _, status := range l.wait() {
		if status != 503 {
			t.Errorf("a looping request got %d, want 503", status)
		}
	}
}

// TestRoutePenalty: once a call of a route has been stopped at its
// deadline, the route runs one call at a time, and a request that finds
// that call running is refused at once (and counted) instead of waiting.
// The plugin's other route is not affected.
func TestRoutePenalty(t *testing.T) {
	h, srv, spins := spinServer(t, byrouteSite("penalty",
		config.Limits{Instances: 4, WarmInstances: 4, CallTimeout: config.Duration(2 * time.Second)}, config.SitePubSub{}))
	refusals := func() float64 {
		return metricSum(t, h, "wasmweb_route_refusals_total", `site="penalty"`, `route="/loop"`)
	}
	if status, _, _ := memAnswer(sendGET(t, srv, "/loop"), 0); status != 503 {
		t.Fatalf("a looping call: %d, want 503", status)
	}
	l := startLoops(t, srv, 1)
	spins.await(t, 2)
	before := refusals()
	for i := range 3 {
		status, _, _ := memAnswer(sendGET(t, srv, "/loop"), 0)
		if status != 503 {
			t.Errorf("loop %d while the penalised route runs a call: %d, want 503", i, status)
		}
	}
	if got := refusals() - before; got != 3 {
		t.Errorf("%v refusals counted, want 3", got)
	}
	if n := spins.n.Load(); n != 2 {
		t.Errorf("%d loop calls got an instance, want 2 (one at a time)", n)
	}
	if l.running.Load() != 1 {
		t.Error("the three requests were answered only after the penalised route's running call ended")
	}
	if status, body, _ := memAnswer(sendGET(t, srv, "/hello"), 0); status != 200 || body != "Hello, world" {
		t.Errorf("hello beside a penalised route: %d %q", status, body)
	}
	if st := l.wait(); st[0] != 503 {
		t.Errorf("the penalised route's call: %d, want 503", st[0])
	}
}

// metricSum adds the samples of name whose labels include every one of
// labels (each written as in the text format, key="value").
func metricSum(t testing.TB, h *host.Host, name string, labels ...string) float64 {
	t.Helper()
	rec := &metricsRecorder{header: http.Header{}}
	req, _ := http.NewRequest("GET", "/metrics", nil)
	h.AdminHandler().ServeHTTP(rec, req)
	total := 0.0
next:
	for _, line := range strings.Split(rec.body.String(), "\n") {
		series, value, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(series, name+"{") {
			continue
		}
		for _, l := range labels {
			if !strings.Contains(series, l) {
				continue next
			}
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			t.Fatalf("/metrics: %q", line)
		}
		total += v
	}
	return total
}

// BenchmarkDispatchRouteGate measures a request to a plugin that serves
// two routes, so that the call passes its route's gate.
func BenchmarkDispatchRouteGate(b *testing.B) {
	spec := config.Site{Name: "gate", Hosts: []string{"*"},
		Plugins: map[string]string{"g": "../conformance/guests/byroute.wasm"},
		Routes:  []config.Route{{Path: "/", Plugin: "g"}, {Path: "/loop", Plugin: "g"}}}
	h, _ := testHost(b, spec)
	benchDispatch(b, h)
}
