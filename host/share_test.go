package host_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

// metric reads a counter or gauge without labels from the host's /metrics.
func metric(t testing.TB, h *host.Host, name string) float64 {
	t.Helper()
	rec := &metricsRecorder{header: http.Header{}}
	req, _ := http.NewRequest("GET", "/metrics", nil)
	h.AdminHandler().ServeHTTP(rec, req)
	for _, line := range strings.Split(rec.body.String(), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
	}
	t.Fatalf("no %s in /metrics", name)
	return 0
}

type metricsRecorder struct {
	body   strings.Builder
	header http.Header
}

func (r *metricsRecorder) Header() http.Header         { return r.header }
func (r *metricsRecorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *metricsRecorder) WriteHeader(int)             {}

// TestSharedAnswers parks waiters on routes whose guest declares its
// answer shareable, or not, and checks who gets a copy of whose answer
// when one publish wakes them all. The guest echoes each request's
// X-Probe header, so a copy is visible in the body.
func TestSharedAnswers(t *testing.T) {
	spec := config.Site{
		Name: "share", Hosts: []string{"*"},
		Plugins: map[string]string{"g": goPlugin(t, "testdata/shareguest")},
		Routes: []config.Route{
			{Path: "/u", Plugin: "g", Handler: "updates"},
			{Path: "/n", Plugin: "g", Handler: "updates"}, // called with share=no
			{Path: "/k", Plugin: "g", Handler: "updates"}, // called with cookie=yes
			{Path: "/p", Plugin: "g", Handler: "post"},
			{Path: "/r", Plugin: "g", Handler: "recent"},
		},
	}
	h, srv := testServer(t, spec)
	send := func(target, probe string) *netlooptest.Conn {
		c := netlooptest.Open(srv)
		t.Cleanup(c.Hangup)
		c.Feed([]byte("GET " + target + " HTTP/1.1\r\nHost: x\r\nX-Probe: " + probe + "\r\n\r\n"))
		return c
	}
	answer := func(c *netlooptest.Conn) (*http.Response, string) {
		deadline := time.Now().Add(10 * time.Second)
		for len(c.Output()) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("a waiter has no answer")
			}
			time.Sleep(time.Millisecond)
		}
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(c.Output())), nil)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	// Reading without waiting: an empty topic answers at once.
	if _, body := answer(send("/r", "")); body != "0" {
		t.Fatalf("recent messages of an empty topic: %q", body)
	}
	if n := metric(t, h, "wasmweb_parked_requests"); n != 0 {
		t.Fatalf("%v parked after reading without waiting", n)
	}
	_, first := answer(send("/p?body=first", ""))
	if _, body := answer(send("/r?cursor=0", "")); body != "1 "+first+":first" {
		t.Fatalf("recent messages: %q", body)
	}
	_, history := answer(send("/u?cursor=0", "h"))
	if want := "probe=h " + first + ":first"; history != want {
		t.Fatalf("history: %q, want %q", history, want)
	}

	const shared = 8
	var us, ns, ks []*netlooptest.Conn
	for i := range shared {
		us = append(us, send("/u?cursor="+first, fmt.Sprint("u", i)))
	}
	for i := range 2 {
		ns = append(ns, send("/n?share=no&cursor="+first, fmt.Sprint("n", i)))
		ks = append(ks, send("/k?cookie=yes&cursor="+first, fmt.Sprint("k", i)))
	}
	if n := metric(t, h, "wasmweb_parked_requests"); n != shared+4 {
		t.Fatalf("%v parked, want %d", n, shared+4)
	}
	before := metric(t, h, "wasmweb_shared_answers_total")
	_, id := answer(send("/p?body=hi", ""))

	// The shareable route: every waiter gets the messages; the guest ran
	// for a few (at most one per resuming worker), the rest got copies.
	probes := map[string]bool{}
	for _, c := range us {
		resp, body := answer(c)
		probe, msgs, _ := strings.Cut(body, " ")
		if resp.StatusCode != 200 || msgs != id+":hi" || !strings.HasPrefix(probe, "probe=u") {
			t.Fatalf("shared route: %d %q", resp.StatusCode, body)
		}
		probes[probe] = true
	}
	copies := int(metric(t, h, "wasmweb_shared_answers_total") - before)
	if len(probes)+copies != shared || copies < shared-runtime.GOMAXPROCS(0) {
		t.Errorf("%d guest answers and %d copies for %d waiters", len(probes), copies, shared)
	}
	// Not declared shareable, or setting a cookie: each answer is its own.
	for i, c := range append(ns, ks...) {
		resp, body := answer(c)
		probe := []string{"n0", "n1", "k0", "k1"}[i]
		if want := "probe=" + probe + " " + id + ":hi"; resp.StatusCode != 200 || body != want {
			t.Errorf("%s: %d %q, want %q", probe, resp.StatusCode, body, want)
		}
		if cookie := resp.Header.Get("Set-Cookie"); (probe[0] == 'k') != strings.HasPrefix(cookie, "seen=1") {
			t.Errorf("%s: Set-Cookie %q", probe, cookie)
		}
	}
	if n := int(metric(t, h, "wasmweb_shared_answers_total") - before); n != copies {
		t.Errorf("%d copies after the unshareable answers, want %d", n, copies)
	}
}
