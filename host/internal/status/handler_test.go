package status

import (
	"context"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const hostile = `</script><script>alert(1)</script><img src=x onerror=alert(2)>`

func testHandler(t *testing.T) (*Handler, *Monitor) {
	t.Helper()
	mon := NewMonitor(func() (int64, int64) { return 3, 1 })
	snap := func() Snapshot {
		return Snapshot{Conns: 3, Parked: 1, Sites: []Site{{Name: "blog", Hosts: []string{hostile + ".example"},
			Plugins: []Plugin{{Name: "posts", Instances: 2, Idle: 1, Busy: 1, Max: 4, Traps: 1}}}}}
	}
	return NewHandler(mon, snap), mon
}

func get(h http.Handler, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
	return rec
}

func TestHandlerPages(t *testing.T) {
	h, _ := testHandler(t)
	for _, tc := range []struct {
		path, ctype string
		status      int
		has         string
	}{
		{"/", "text/html; charset=utf-8", 200, `href="/debug/pprof/"`},
		{"/status", "text/html; charset=utf-8", 200, `<script src="/status.js" defer></script>`},
		{"/status.js", "text/javascript; charset=utf-8", 200, "status.json"},
		{"/status.css", "text/css; charset=utf-8", 200, ".chart"},
		{"/status.json", "application/json", 200, `"sites"`},
		{"/nothing", "text/plain; charset=utf-8", 404, "not found"},
		{"/status.json?after=-1", "text/plain; charset=utf-8", 400, "after"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			rec := get(h, tc.path)
			if rec.Code != tc.status || rec.Header().Get("Content-Type") != tc.ctype || !strings.Contains(rec.Body.String(), tc.has) {
				t.Fatalf("%d %q, body %.200q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
			}
			// Every answer, errors included, carries the policy.
			hd := rec.Header()
			if hd.Get("Content-Security-Policy") != csp || hd.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers %v", hd)
			}
		})
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/status.json", nil))
	if rec.Code != 405 {
		t.Errorf("POST: %d", rec.Code)
	}
}

// TestPageHasNoInlineCode checks what the policy assumes: the pages load
// their script and style from files, and the script builds the page from
// text only, never by parsing markup.
func TestPageHasNoInlineCode(t *testing.T) {
	inline := regexp.MustCompile(`(?i)<script>|<script[^>]*>[^<]|<style|\son[a-z]+=|style=|javascript:|https?://`)
	html, _ := fs.Glob(assets, "assets/*.html")
	for _, name := range html {
		b, _ := assets.ReadFile(name)
		if m := inline.Find(b); m != nil {
			t.Errorf("%s: %q", name, m)
		}
	}
	js, _ := assets.ReadFile("assets/status.js")
	code := regexp.MustCompile(`(?m)^\s*//.*$`).ReplaceAll(js, nil) // comments may name what the code avoids
	for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function(", "createContextualFragment", "DOMParser", "setAttribute('style'", "setAttribute('on"} {
		if strings.Contains(string(code), sink) {
			t.Errorf("status.js uses %s", sink)
		}
	}
}

// TestJSONEscapesMarkup: a guest's text and a tenant's host name reach
// the JSON as data with no markup in it, and decode back unchanged.
func TestJSONEscapesMarkup(t *testing.T) {
	h, mon := testHandler(t)
	slog.New(Tee(slog.DiscardHandler, mon.Errors)).Error(hostile, "request_id", "r1", "message", hostile)
	rec := get(h, "/status.json")
	body := rec.Body.String()
	if strings.ContainsAny(body, "<>") {
		t.Fatalf("markup in the JSON: %s", body)
	}
	var u Update
	if err := json.Unmarshal(rec.Body.Bytes(), &u); err != nil {
		t.Fatal(err)
	}
	if len(u.Errors) != 1 || u.Errors[0].Msg != hostile || u.Errors[0].Message != hostile || u.Snapshot.Sites[0].Hosts[0] != hostile+".example" {
		t.Fatalf("decoded %+v", u)
	}
}

// TestJSONUpdates: a poll gets what came after the numbers it names; a
// waiting poll is answered when the next sample is taken, and no later
// than the handler's longest wait.
func TestJSONUpdates(t *testing.T) {
	h, mon := testHandler(t)
	decode := func(rec *httptest.ResponseRecorder) Update {
		t.Helper()
		var u Update
		if err := json.Unmarshal(rec.Body.Bytes(), &u); err != nil {
			t.Fatalf("%v: %s", err, rec.Body)
		}
		return u
	}
	start := time.Now()
	mon.Latency.Observe(time.Millisecond)
	mon.Sample(start.Add(time.Second))
	mon.Sample(start.Add(2 * time.Second))
	log := slog.New(Tee(slog.DiscardHandler, mon.Errors))
	log.Error("one", "request_id", "a")
	log.Error("two", "request_id", "b")

	u := decode(get(h, "/status.json"))
	if u.SamplesFirst != 1 || len(u.Samples) != 2 || u.ErrorsFirst != 1 || len(u.Errors) != 2 {
		t.Fatalf("first poll: samples from %d: %d, errors from %d: %d", u.SamplesFirst, len(u.Samples), u.ErrorsFirst, len(u.Errors))
	}
	if s := u.Samples[0]; s.Requests != 1 || s.Conns != 3 || s.Parked != 1 || s.P99 <= 0 || s.Heap == 0 {
		t.Errorf("first sample %+v", s)
	}
	u = decode(get(h, "/status.json?after=2&errors_after=1"))
	if len(u.Samples) != 0 || len(u.Errors) != 1 || u.Errors[0].Msg != "two" || u.ErrorsFirst != 2 {
		t.Fatalf("second poll: %+v", u)
	}
	// Numbers past the newest start over: the page outlived a restart.
	u = decode(get(h, "/status.json?after=99&errors_after=99"))
	if len(u.Samples) != 2 || len(u.Errors) != 2 {
		t.Fatalf("poll from a restarted server's numbers: %d samples, %d errors", len(u.Samples), len(u.Errors))
	}

	done := make(chan Update)
	go func() { done <- decode(get(h, "/status.json?wait=1&after=2")) }()
	waitFor(t, "the poll to wait", func() bool { return mon.waiting() })
	mon.Sample(start.Add(3 * time.Second))
	select {
	case u := <-done:
		if len(u.Samples) != 1 || u.SamplesFirst != 3 {
			t.Fatalf("waiting poll: %+v", u)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a waiting poll was not answered after a sample")
	}

	h.maxWait = time.Millisecond
	if u := decode(get(h, "/status.json?wait=1&after=3")); len(u.Samples) != 0 {
		t.Fatalf("a poll answered at its longest wait: %+v", u)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	h.maxWait = time.Hour
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/status.json?wait=1&after=3", nil).WithContext(ctx))
	if rec.Code != 200 {
		t.Fatalf("a poll whose client left: %d", rec.Code)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestMonitor(t *testing.T) {
	m := NewMonitor(nil)
	m.Stop() // without Start
	m = NewMonitor(func() (int64, int64) { return 7, 2 })
	base := time.Now()
	for range 50 {
		m.Latency.Observe(2 * time.Millisecond)
	}
	m.prevAt = base
	m.Sample(base.Add(2 * time.Second))
	_, s := m.Samples.Since(0)
	if len(s) != 1 || s[0].Requests != 50 || s[0].RPS != 25 || s[0].Conns != 7 || s[0].Parked != 2 || s[0].P50 < 2 || s[0].P50 > 2.25 {
		t.Fatalf("sample %+v", s)
	}
	// Started, it samples by itself; stopped, it stops.
	m.Start(time.Millisecond)
	waitFor(t, "samples", func() bool { return m.Samples.Last() >= 3 })
	m.Stop()
	m.Stop()
	n := m.Samples.Last()
	time.Sleep(20 * time.Millisecond)
	if m.Samples.Last() != n {
		t.Fatal("sampling after Stop")
	}
}

// TestMonitorHammer times requests, logs errors, samples and serves the
// JSON all at once: the race detector watches, and the counts add up.
func TestMonitorHammer(t *testing.T) {
	h, mon := testHandler(t)
	log := slog.New(Tee(slog.DiscardHandler, mon.Errors))
	const workers, each = 4, 500
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				mon.Latency.Observe(time.Duration(i) * time.Microsecond)
				if i%50 == 0 {
					log.Warn("w", "request_id", strconv.Itoa(i))
				}
			}
		}()
	}
	stop := make(chan struct{})
	served := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				served <- n
				return
			default:
			}
			if n < History/2 { // so that the ring keeps every sample
				mon.Sample(time.Now())
			}
			if rec := get(h, "/status.json"); rec.Code != 200 {
				t.Errorf("status.json: %d", rec.Code)
			}
			n++
		}
	}()
	wg.Wait()
	close(stop)
	<-served
	mon.Sample(time.Now())
	var total uint64
	_, samples := mon.Samples.Since(0)
	for _, s := range samples {
		total += s.Requests
	}
	if total != workers*each {
		t.Errorf("samples count %d requests, want %d", total, workers*each)
	}
	if mon.Errors.Last() != workers*each/50 {
		t.Errorf("%d errors kept, want %d", mon.Errors.Last(), workers*each/50)
	}
}
