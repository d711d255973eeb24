package sandbox_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/netloop"
)

// guestDir holds the guests' .wat sources and their committed .wasm.
const guestDir = "../guests"

// hostile lists the guests that must fail at run time, in a stable order.
var hostile = []string{"loop", "fanout", "grow", "unreachable", "recurse", "divzero", "oob", "abuse", "secret"}

// runaway reports whether guest runs until the host stops it, rather
// than failing by itself.
func runaway(guest string) bool { return guest == "loop" || guest == "fanout" }

func wasmPath(guest string) string { return filepath.Join(guestDir, guest+".wasm") }

// sandbox is a host loaded with some sites and a server to drive it.
type sandbox struct {
	t   testing.TB
	h   *host.Host
	srv *netloop.Server
	log *logRecorder
}

// start loads specs into a new host. When the test ends it closes the
// host and fails the test if the host or the server logged a panic.
func start(t testing.TB, specs ...host.SiteSpec) *sandbox {
	t.Helper()
	engine, err := host.NewEngine("")
	if err != nil {
		t.Fatal(err)
	}
	rec := newLogRecorder()
	h, err := host.New(context.Background(), engine, specs, slog.New(rec))
	if err != nil {
		engine.Close()
		t.Fatal(err)
	}
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
	srv.SetLogger(slog.New(rec))
	t.Cleanup(func() {
		h.Close(context.Background())
		engine.Close()
		for _, r := range rec.records(0) {
			if strings.Contains(strings.ToLower(r.msg), "panic") {
				t.Errorf("logged a panic: %s %v", r.msg, r.attrs)
			}
		}
	})
	return &sandbox{t: t, h: h, srv: srv, log: rec}
}

// with returns a view of sb that reports to t, for subtests.
func (sb *sandbox) with(t testing.TB) *sandbox {
	c := *sb
	c.t = t
	return &c
}

// reply is a parsed response; status 0 means the connection was dropped
// without one.
type reply struct {
	status int
	header http.Header
	body   string
}

// get sends "GET target" for hostname on a new in-memory connection and
// parses the response. A missing or malformed response is an error of the
// test (reported with t.Errorf, so get may run on any goroutine).
func (sb *sandbox) get(hostname, target string) reply {
	c := sb.srv.OpenMem()
	if c == nil {
		sb.t.Errorf("GET %s%s: connection refused", hostname, target)
		return reply{}
	}
	defer c.Hangup()
	c.Feed([]byte("GET " + target + " HTTP/1.1\r\nHost: " + hostname + "\r\n\r\n"))
	out := c.Output()
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
	if err != nil {
		sb.t.Errorf("GET %s%s: no response (connection dropped?): %v; output %q", hostname, target, err, out)
		return reply{}
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		sb.t.Errorf("GET %s%s: truncated body: %v", hostname, target, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

// expectHello checks that the hello plugin still answers on hostname.
func (sb *sandbox) expectHello(hostname, target string) {
	sb.t.Helper()
	if r := sb.get(hostname, target); r.status != 200 || r.body != "Hello, world" {
		sb.t.Errorf("GET %s%s (hello): %d %q, want 200 \"Hello, world\"", hostname, target, r.status, r.body)
	}
}

// metrics scrapes /metrics from the admin handler.
func (sb *sandbox) metrics() metricSet {
	sb.t.Helper()
	rr := httptest.NewRecorder()
	sb.h.AdminHandler().ServeHTTP(rr, httptest.NewRequest("GET", "/metrics", nil))
	if rr.Code != 200 {
		sb.t.Fatalf("/metrics: %d", rr.Code)
	}
	return parseMetrics(sb.t, rr.Body.String())
}

// metricSet is a scrape in the Prometheus text format: one sample per
// series.
type metricSet []sample

type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// parseMetrics reads the samples of a text-format scrape. Label values in
// this host's metrics hold no quotes, commas or escapes.
func parseMetrics(t testing.TB, text string) metricSet {
	var ms metricSet
	for _, line := range strings.Split(text, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if i < 0 || err != nil {
			t.Fatalf("/metrics: bad line %q", line)
		}
		s := sample{name: line[:i], labels: map[string]string{}, value: v}
		if j := strings.IndexByte(s.name, '{'); j >= 0 {
			for _, kv := range strings.Split(strings.TrimSuffix(s.name[j+1:], "}"), ",") {
				if k, val, ok := strings.Cut(kv, "="); ok {
					s.labels[k] = strings.Trim(val, `"`)
				}
			}
			s.name = s.name[:j]
		}
		ms = append(ms, s)
	}
	return ms
}

// sum adds the samples of name whose labels include the given
// label/value pairs.
func (ms metricSet) sum(name string, labelPairs ...string) float64 {
	total := 0.0
next:
	for _, s := range ms {
		if s.name != name {
			continue
		}
		for i := 0; i+1 < len(labelPairs); i += 2 {
			if s.labels[labelPairs[i]] != labelPairs[i+1] {
				continue next
			}
		}
		total += s.value
	}
	return total
}

// logRecorder is a slog.Handler that keeps every record, so tests can
// check what the host reported about a request. Safe for concurrent use.
type logRecorder struct {
	shared *recorded
	attrs  []slog.Attr
}

type recorded struct {
	mu   sync.Mutex
	recs []logRecord // mu guards recs
}

type logRecord struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func newLogRecorder() *logRecorder { return &logRecorder{shared: &recorded{}} }

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }

func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	lr := logRecord{level: rec.Level, msg: rec.Message, attrs: map[string]string{}}
	for _, a := range r.attrs {
		lr.attrs[a.Key] = a.Value.String()
	}
	rec.Attrs(func(a slog.Attr) bool {
		lr.attrs[a.Key] = a.Value.String()
		return true
	})
	r.shared.mu.Lock()
	r.shared.recs = append(r.shared.recs, lr)
	r.shared.mu.Unlock()
	return nil
}

func (r *logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	return &logRecorder{shared: r.shared, attrs: append(append([]slog.Attr(nil), r.attrs...), as...)}
}

func (r *logRecorder) WithGroup(string) slog.Handler { return r }

// mark returns the number of records so far, for records(mark) later.
func (r *logRecorder) mark() int {
	r.shared.mu.Lock()
	defer r.shared.mu.Unlock()
	return len(r.shared.recs)
}

// records returns the records logged since mark.
func (r *logRecorder) records(mark int) []logRecord {
	r.shared.mu.Lock()
	defer r.shared.mu.Unlock()
	return append([]logRecord(nil), r.shared.recs[mark:]...)
}

// find returns the records since mark whose message starts with prefix
// and whose attributes include the given key/value pairs.
func (r *logRecorder) find(mark int, prefix string, attrPairs ...string) []logRecord {
	var out []logRecord
next:
	for _, rec := range r.records(mark) {
		if !strings.HasPrefix(rec.msg, prefix) {
			continue
		}
		for i := 0; i+1 < len(attrPairs); i += 2 {
			if rec.attrs[attrPairs[i]] != attrPairs[i+1] {
				continue next
			}
		}
		out = append(out, rec)
	}
	return out
}

// Log messages of the host that tests look for.
const (
	logTrap     = "host: guest trap; instance discarded"
	logMisuse   = "host: guest misuse of the ABI; instance discarded"
	logDeadline = "host: guest call passed its deadline; instance discarded"
	logDiscard  = "host: guest" // any of the above, or a rejected response
)

// settleGoroutines waits until the number of goroutines is at most want
// or stops changing, and returns the last count. Background work (the
// pool's replacement of discarded instances) is awaited, not slept on: it
// polls with a bounded deadline.
func settleGoroutines(want int, limit time.Duration) int {
	deadline := time.Now().Add(limit)
	n, stable := runtime.NumGoroutine(), 0
	for n > want && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(5 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			stable++
		} else {
			stable = 0
		}
		n = m
		if stable >= 200 { // a second without change: it will not go lower
			break
		}
	}
	return n
}

// heapAfterGC returns the live heap after a full collection.
func heapAfterGC() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
