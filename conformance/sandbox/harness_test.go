package sandbox_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
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
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
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
	// logger is what the host logs to: log, and startLogging's handler.
	logger *slog.Logger
}

// start loads specs into a new host. When the test ends it closes the
// host and fails the test if the host or the server logged a panic.
func start(t testing.TB, specs ...config.Site) *sandbox {
	t.Helper()
	return startLogging(t, nil, specs...)
}

// startLogging is start with the host's log also sent to also, when it
// is not nil.
func startLogging(t testing.TB, also slog.Handler, specs ...config.Site) *sandbox {
	t.Helper()
	engine, err := host.NewEngine("")
	if err != nil {
		t.Fatal(err)
	}
	rec := newLogRecorder()
	var logTo slog.Handler = rec
	if also != nil {
		logTo = slog.NewMultiHandler(rec, also)
	}
	logger := slog.New(logTo)
	h, err := host.New(context.Background(), engine, config.Config{Server: config.Server{DataDir: t.TempDir()}, Sites: specs}, logger)
	if err != nil {
		engine.Close()
		t.Fatal(err)
	}
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
	srv.SetLogger(logger)
	t.Cleanup(func() {
		h.Close(context.Background())
		engine.Close()
		for _, r := range rec.records(0) {
			if strings.Contains(strings.ToLower(r.msg), "panic") {
				t.Errorf("logged a panic: %s %v", r.msg, r.attrs)
			}
		}
		rec.shared.mu.Lock()
		if n := rec.shared.dropped; n > 0 {
			t.Errorf("the host logged %d records beyond the first %d: a flood", n, maxRecords)
		}
		rec.shared.mu.Unlock()
	})
	return &sandbox{t: t, h: h, srv: srv, log: rec, logger: logger}
}

// awaitIdle waits until the site's plugin has a free instance, and
// reports whether it has one. It reports with Errorf, not Fatalf: it is
// called from the clients' goroutines, with a lock held.
func (sb *sandbox) awaitIdle(site, plugin string) bool {
	sb.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(time.Millisecond) {
		st, ok := sb.h.InstanceStats(site, plugin)
		if !ok {
			sb.t.Errorf("no plugin %s in site %s", plugin, site)
			return false
		}
		if st.Idle > 0 {
			return true
		}
		if time.Now().After(deadline) {
			sb.t.Errorf("site %s plugin %s: no free instance after 30 s (%+v)", site, plugin, st)
			return false
		}
	}
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
	r, err := sb.fetch(hostname, target)
	if err != nil {
		sb.t.Errorf("GET %s%s: %v", hostname, target, err)
	}
	return r
}

// fetch is get, returning what went wrong instead of reporting it: for
// goroutines that may outlive a failed test.
func (sb *sandbox) fetch(hostname, target string) (reply, error) {
	c := netlooptest.Open(sb.srv)
	if c == nil {
		return reply{}, errors.New("connection refused")
	}
	defer c.Hangup()
	c.Feed([]byte("GET " + target + " HTTP/1.1\r\nHost: " + hostname + "\r\n\r\n"))
	out := c.Output()
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
	if err != nil {
		return reply{}, fmt.Errorf("no response (connection dropped?): %v; output %q", err, out)
	}
	body, err := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode, header: resp.Header, body: string(body)}
	if err != nil {
		return r, fmt.Errorf("truncated body: %v", err)
	}
	return r, nil
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
	mu      sync.Mutex
	recs    []logRecord // mu guards recs and dropped
	dropped int         // records past maxRecords, not kept
}

// maxRecords bounds what a logRecorder keeps, so that a host that
// floods its log fails a test instead of exhausting memory.
const maxRecords = 50000

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
	if len(r.shared.recs) < maxRecords {
		r.shared.recs = append(r.shared.recs, lr)
	} else {
		r.shared.dropped++
	}
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

// transports are the network transports a request can arrive by.
func transports(t *testing.T) []string {
	if netloop.NetpollSupported {
		return []string{"std", "netpoll"}
	}
	t.Log("netpoll is not supported here: only the std transport is tested")
	return []string{"std"}
}

// listen serves sb's host over transport on a loopback port until the
// test ends, and returns the address.
func (sb *sandbox) listen(transport string) string {
	sb.t.Helper()
	tr, err := netloop.NewTransport(transport)
	if err != nil {
		sb.t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		sb.t.Fatal(err)
	}
	srv := netloop.NewServer(netloop.Config{}, sb.h, tr)
	srv.SetLogger(sb.logger)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	sb.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			sb.t.Errorf("%s server still serving 10 s after Shutdown", transport)
		}
	})
	return ln.Addr().String()
}

// getWithin sends "GET target" for hostname to addr on a new
// connection and waits at most limit for the whole response. It reports
// the reply and how long it took; a missing or late response is an
// error of the test, never a wait past limit.
func (sb *sandbox) getWithin(addr, hostname, target string, limit time.Duration) (reply, time.Duration) {
	start := time.Now()
	c, err := net.DialTimeout("tcp", addr, limit)
	if err != nil {
		sb.t.Errorf("GET %s%s: %v", hostname, target, err)
		return reply{}, time.Since(start)
	}
	defer c.Close()
	c.SetDeadline(start.Add(limit))
	if _, err := io.WriteString(c, "GET "+target+" HTTP/1.1\r\nHost: "+hostname+"\r\nConnection: close\r\n\r\n"); err != nil {
		sb.t.Errorf("GET %s%s: %v", hostname, target, err)
		return reply{}, time.Since(start)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		sb.t.Errorf("GET %s%s: no response within %v: %v", hostname, target, limit, err)
		return reply{}, time.Since(start)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		sb.t.Errorf("GET %s%s: body not read within %v: %v", hostname, target, limit, err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: string(body)}, time.Since(start)
}

// memGetWithin is get over an in-memory connection, waiting at most
// limit: a response that does not come in time is an error of the test
// (the request goes on in the background).
func (sb *sandbox) memGetWithin(hostname, target string, limit time.Duration) (reply, time.Duration) {
	start := time.Now()
	type result struct {
		r   reply
		err error
	}
	ch := make(chan result, 1)
	go func() {
		r, err := sb.fetch(hostname, target)
		ch <- result{r, err}
	}()
	select {
	case res := <-ch:
		if res.err != nil {
			sb.t.Errorf("GET %s%s: %v", hostname, target, res.err)
		}
		return res.r, time.Since(start)
	case <-time.After(limit):
		sb.t.Errorf("GET %s%s: no response within %v", hostname, target, limit)
		return reply{}, time.Since(start)
	}
}

// logMeter is a slog.Handler that formats every record as slog's text
// handler would write it to a file, and adds up the bytes and lines by
// plugin, separately for lines a guest wrote (log, stdout and stderr) and
// for the host's own. Safe for concurrent use.
type logMeter struct {
	shared *meterTotals
	attrs  []slog.Attr
}

type meterTotals struct {
	mu  sync.Mutex
	buf bytes.Buffer
	txt slog.Handler // writes into buf; mu guards both
	by  map[meterKey]*meterCount
}

type meterKey struct {
	plugin string
	guest  bool
}

type meterCount struct{ bytes, lines int }

func newLogMeter() *logMeter {
	m := &meterTotals{by: map[meterKey]*meterCount{}}
	m.txt = slog.NewTextHandler(&m.buf, &slog.HandlerOptions{Level: slog.LevelDebug})
	return &logMeter{shared: m}
}

func (l *logMeter) Enabled(context.Context, slog.Level) bool { return true }

func (l *logMeter) Handle(ctx context.Context, rec slog.Record) error {
	plugin := ""
	for _, a := range l.attrs {
		if a.Key == "plugin" {
			plugin = a.Value.String()
		}
	}
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == "plugin" {
			plugin = a.Value.String()
		}
		return true
	})
	guest := strings.HasPrefix(rec.Message, "guest")
	m := l.shared
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buf.Reset()
	var h slog.Handler = m.txt
	if len(l.attrs) > 0 {
		h = h.WithAttrs(l.attrs)
	}
	if err := h.Handle(ctx, rec); err != nil {
		return err
	}
	k := meterKey{plugin, guest}
	c := m.by[k]
	if c == nil {
		c = &meterCount{}
		m.by[k] = c
	}
	c.bytes += m.buf.Len()
	c.lines++
	return nil
}

func (l *logMeter) WithAttrs(as []slog.Attr) slog.Handler {
	return &logMeter{shared: l.shared, attrs: append(append([]slog.Attr(nil), l.attrs...), as...)}
}

func (l *logMeter) WithGroup(string) slog.Handler { return l }

// guest returns the bytes and lines the guest lines of plugin have
// taken in the log so far.
func (l *logMeter) guest(plugin string) (bytes, lines int) {
	m := l.shared
	m.mu.Lock()
	defer m.mu.Unlock()
	if c := m.by[meterKey{plugin, true}]; c != nil {
		return c.bytes, c.lines
	}
	return 0, 0
}

// awaitGuestLine waits at most limit for n lines since mark that a
// guest logged with the log function, their text text, and fails the
// test if they do not come.
func (sb *sandbox) awaitGuestLine(mark int, text string, n int, limit time.Duration) {
	sb.t.Helper()
	deadline := time.Now().Add(limit)
	for len(sb.log.find(mark, "guest", "text", text)) < n {
		if time.Now().After(deadline) {
			sb.t.Fatalf("%d guest lines %q logged within %v, want %d", len(sb.log.find(mark, "guest", "text", text)), text, limit, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// A short deadline, and the bound every answer must arrive within: three
// deadlines (the watchdog's tick and a slow machine's scheduling) and a
// second. Calls that outlast their deadline in the host take minutes.
const (
	shortTimeout = 300 * time.Millisecond
	answerBound  = 3*shortTimeout + time.Second
)

// hangBound is how long a test waits for an answer where the status
// itself shows what stopped the guest (503 from the deadline) and the
// alternative is a call that goes on for an hour: long enough that a busy
// machine's scheduling never decides the result.
const hangBound = 30 * time.Second

// wasiSpec is a site with a short deadline that serves hello on /hello
// and each of guests on /<guest>.
func wasiSpec(name, hostname string, guests ...string) config.Site {
	spec := config.Site{
		Name: name, Hosts: []string{hostname}, Limits: config.Limits{CallTimeout: config.Duration(shortTimeout)},
		Plugins: map[string]string{"hello": wasmPath("hello")},
		Routes:  []config.Route{{Path: "/hello", Plugin: "hello"}},
	}
	for _, g := range guests {
		spec.Plugins[g] = wasmPath(g)
		spec.Routes = append(spec.Routes, config.Route{Path: "/" + g, Plugin: g})
	}
	return spec
}

// oneOf reports whether v is in set.
func oneOf(v int, set []int) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}
