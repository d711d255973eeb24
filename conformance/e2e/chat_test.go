package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/netloop"
)

// xsrfToken is a token in its bare (version 1) form, sent as both the
// _xsrf cookie and the _xsrf field, which the host's check accepts.
const xsrfToken = "0123456789abcdef0123456789abcdef"

type message struct {
	ID, Body, HTML string
}

// waiterConn sends an update request on its own connection and returns
// it, so the caller can see whether an answer has come.
func waiterConn(t testing.TB, addr, cursor string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	body := url.Values{"cursor": {cursor}, "_xsrf": {xsrfToken}}.Encode()
	fmt.Fprintf(c, "POST /a/message/updates HTTP/1.1\r\nHost: chat\r\nCookie: _xsrf="+xsrfToken+"\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	return c
}

// answered reads the waiter's answer within d, or reports none.
func answered(t testing.TB, c net.Conn, d time.Duration) (*http.Response, []message, bool) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			return nil, nil, false
		}
		t.Fatalf("reading the waiter's answer: %v", err)
	}
	defer resp.Body.Close()
	var v struct{ Messages []message }
	if resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			t.Fatalf("bad updates JSON: %v", err)
		}
	}
	return resp, v.Messages, true
}

func postMessage(t testing.TB, addr, text string) message {
	t.Helper()
	form := url.Values{"body": {text}, "_xsrf": {xsrfToken}}
	req, _ := http.NewRequest("POST", "http://"+addr+"/a/message/new", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", "_xsrf="+xsrfToken+"")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("new message: %d %s", resp.StatusCode, b)
	}
	var m message
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func parkedCount(t testing.TB, h *host.Host) int {
	t.Helper()
	rec := &strings.Builder{}
	req, _ := http.NewRequest("GET", "/metrics", nil)
	w := &recorder{body: rec, header: http.Header{}}
	h.AdminHandler().ServeHTTP(w, req)
	for _, line := range strings.Split(rec.String(), "\n") {
		if v, ok := strings.CutPrefix(line, "wasmweb_parked_requests "); ok {
			var n int
			fmt.Sscan(v, &n)
			return n
		}
	}
	t.Fatal("no wasmweb_parked_requests in /metrics")
	return 0
}

type recorder struct {
	body   *strings.Builder
	header http.Header
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(int)             {}

func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func forTransports(t *testing.T, f func(t *testing.T, transport string)) {
	for _, tr := range []string{"netpoll", "std"} {
		t.Run(tr, func(t *testing.T) {
			if tr == "netpoll" && !netloop.NetpollSupported {
				t.Skip("netpoll is not supported here")
			}
			f(t, tr)
		})
	}
}

func TestChatLongPoll(t *testing.T) {
	forTransports(t, func(t *testing.T, transport string) {
		chatLongPoll(t, startNode(t, fmt.Sprintf(chatConfig, "2s"), transport))
	})
}

// The same on instances made from the plugins' snapshots only.
func TestChatLongPollFromSnapshot(t *testing.T) {
	forTransports(t, func(t *testing.T, transport string) {
		n := startPrimedNode(t, fmt.Sprintf(chatConfig, "2s"), transport)
		chatLongPoll(t, n)
		checkFromSnapshot(t, n)
	})
}

func chatLongPoll(t *testing.T, n *node) {
	first := postMessage(t, n.addr, "history")

	// An up-to-date waiter parks: no answer, no instance held.
	w := waiterConn(t, n.addr, first.ID)
	waitUntil(t, "the waiter to park", func() bool { return parkedCount(t, n.host) == 1 })
	if _, _, ok := answered(t, w, 100*time.Millisecond); ok {
		t.Fatal("a waiter with nothing newer was answered")
	}
	// A message wakes it.
	m := postMessage(t, n.addr, "<b>hi</b> http://example.com/x?a=1&b=2")
	resp, msgs, ok := answered(t, w, 5*time.Second)
	if !ok || resp.StatusCode != 200 || len(msgs) != 1 || msgs[0].ID != m.ID || msgs[0].Body != m.Body {
		t.Fatalf("woken waiter got %v %v", msgs, ok)
	}
	if !strings.Contains(msgs[0].HTML, "&lt;b&gt;hi&lt;/b&gt;") || !strings.Contains(msgs[0].HTML, `<a href="http://example.com/x?a=1&amp;b=2"`) {
		t.Errorf("message html not escaped and linked: %s", msgs[0].HTML)
	}
	// No cursor, or an unknown one: the history at once.
	for _, cur := range []string{"", "junk", "1"} {
		_, msgs, ok = answered(t, waiterConn(t, n.addr, cur), 5*time.Second)
		if !ok || len(msgs) != 2 || msgs[0].ID != first.ID {
			t.Fatalf("cursor %q: %v", cur, msgs)
		}
	}
	// The deadline answers with an empty list.
	_, msgs, ok = answered(t, waiterConn(t, n.addr, m.ID), 10*time.Second)
	if !ok || msgs == nil || len(msgs) != 0 {
		t.Fatalf("timed-out waiter: %v %v", msgs, ok)
	}
	// A client that leaves is forgotten.
	gone := waiterConn(t, n.addr, m.ID)
	waitUntil(t, "the waiter to park", func() bool { return parkedCount(t, n.host) == 1 })
	gone.Close()
	waitUntil(t, "the departed waiter to be forgotten", func() bool { return parkedCount(t, n.host) == 0 })
}

// Shutdown answers parked waiters with 503 and Retry-After, then closes.
func TestChatShutdown(t *testing.T) {
	forTransports(t, func(t *testing.T, transport string) {
		n := startNode(t, fmt.Sprintf(chatConfig, "60s"), transport)
		m := postMessage(t, n.addr, "x")
		w := waiterConn(t, n.addr, m.ID)
		waitUntil(t, "the waiter to park", func() bool { return parkedCount(t, n.host) == 1 })
		start := time.Now()
		if err := n.stop(t, 5*time.Second); err != nil {
			t.Fatalf("shutdown: %v", err)
		}
		resp, _, ok := answered(t, w, 5*time.Second)
		if !ok || resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" || !resp.Close {
			t.Fatalf("parked waiter at shutdown: %+v", resp)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("shutdown took %v", d)
		}
	})
}

// TestChatHammer runs waiters, publishers, departures and timeouts at
// once; every waiter is answered or forgotten, and nothing is left parked
// or running. Publishing starts once most waiters are parked, so that
// anything a parked request leaves behind adds up to more than the end's
// allowance.
func TestChatHammer(t *testing.T) {
	n := startNode(t, fmt.Sprintf(chatConfig, "2s"), "netpoll")
	first := postMessage(t, n.addr, "start")
	base := busyGoroutines()
	const waiters, publishes, parkFirst, late = 300, 40, 150, 20
	var wg sync.WaitGroup
	errs := make(chan error, waiters+late)
	publishing := make(chan struct{})
	for i := 0; i < waiters; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c := waiterConn(t, n.addr, first.ID)
			switch i % 10 {
			case 0: // leaves before any answer, parked or not
				time.Sleep(time.Duration(i%7) * time.Millisecond)
				c.Close()
				return
			case 5: // leaves as the messages come
				<-publishing
				c.Close()
				return
			}
			resp, _, ok := answered(t, c, 20*time.Second)
			if !ok || resp.StatusCode != 200 {
				errs <- fmt.Errorf("waiter %d: ok=%v resp=%v", i, ok, resp)
			}
		}(i)
	}
	parked, deadline := parkedCount(t, n.host), time.Now().Add(20*time.Second)
	for parked < parkFirst && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
		parked = parkedCount(t, n.host)
	}
	if parked < parkFirst {
		close(publishing)
		t.Fatalf("%d of %d waiters parked after 20 s, want %d before publishing", parked, waiters, parkFirst)
	}
	close(publishing)
	t.Logf("%d waiters parked before publishing", parked)
	for i := 0; i < publishes; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			postMessage(t, n.addr, fmt.Sprint("msg ", i))
		}(i)
	}
	wg.Wait()
	// Waiters with nothing newer to come time out.
	last := postMessage(t, n.addr, "last")
	for i := 0; i < late; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			resp, msgs, ok := answered(t, waiterConn(t, n.addr, last.ID), 20*time.Second)
			if !ok || resp.StatusCode != 200 || len(msgs) != 0 {
				errs <- fmt.Errorf("late waiter %d: ok=%v resp=%v messages %v, want a timeout's empty list", i, ok, resp, msgs)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	waitUntil(t, "nothing parked", func() bool { return parkedCount(t, n.host) == 0 })
	// No goroutine may remain per waiter. The allowance is for the
	// client's idle keep-alive connections and timers in flight, and it
	// does not grow with the number of waiters; netloop's idle input
	// workers, which concurrency grows and which stay for later
	// requests, are not counted.
	const allowance = 24
	after, deadline := busyGoroutines(), time.Now().Add(30*time.Second)
	for after > base+allowance && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		after = busyGoroutines()
	}
	t.Logf("goroutines other than idle input workers: %d before, %d after %d waiters (%d in all)", base, after, waiters, runtime.NumGoroutine())
	if after > base+allowance {
		t.Fatalf("%d goroutines other than idle input workers 30 s after %d waiters, %d before: more than %d left behind",
			after, waiters, base, allowance)
	}
}

// busyGoroutines returns the number of goroutines less netloop's idle
// input workers: those whose stack is only netloop.(*workers).work, waiting for a
// task. A worker stuck in a task shows the task's frames and is counted.
func busyGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		_, frames, _ := strings.Cut(g, "\n")
		if !strings.HasPrefix(frames, "github.com/wasmweb/wasmweb/netloop.(*workers).work(") {
			n++
		}
	}
	return n
}

// The host refuses a chat post without the cookie's token before the
// plugin runs.
func TestChatXSRF(t *testing.T) {
	n := startNode(t, fmt.Sprintf(chatConfig, "2s"), "netpoll")
	for name, req := range map[string]func() *http.Request{
		"no token": func() *http.Request {
			r, _ := http.NewRequest("POST", "http://"+n.addr+"/a/message/new", strings.NewReader("body=x"))
			r.Header.Set("Cookie", "_xsrf="+xsrfToken)
			return r
		},
		"no cookie": func() *http.Request {
			r, _ := http.NewRequest("POST", "http://"+n.addr+"/a/message/new", strings.NewReader("body=x&_xsrf="+xsrfToken))
			return r
		},
		"another token": func() *http.Request {
			r, _ := http.NewRequest("POST", "http://"+n.addr+"/a/message/new", strings.NewReader("body=x&_xsrf=ffffffffffffffffffffffffffffffff"))
			r.Header.Set("Cookie", "_xsrf="+xsrfToken)
			return r
		},
	} {
		r := req()
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Errorf("%s: %d, want 403", name, resp.StatusCode)
		}
	}
	// The page sets the cookie; its form carries a masked token, which
	// differs from the cookie's form of the token and works in the form
	// field and in either header; a wrong token does not.
	resp, err := http.Get("http://" + n.addr + "/chat")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	sc := resp.Header.Get("Set-Cookie")
	cookie, _, _ := strings.Cut(strings.TrimPrefix(sc, "_xsrf="), ";")
	if !strings.HasPrefix(sc, "_xsrf=2|") {
		t.Fatalf("page Set-Cookie %q", sc)
	}
	_, field, ok := strings.Cut(string(page), `name="_xsrf" value="`)
	masked, _, _ := strings.Cut(field, `"`)
	if !ok || !strings.HasPrefix(masked, "2|") || masked == cookie {
		t.Fatalf("the page's token field holds %q (cookie %q)", masked, cookie)
	}
	post := func(form url.Values, header ...string) (int, string) {
		t.Helper()
		r, _ := http.NewRequest("POST", "http://"+n.addr+"/a/message/new", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Cookie", "_xsrf="+cookie)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	wrong := strings.Replace(masked, "|", "|f", 1)
	for _, tc := range []struct {
		name   string
		form   url.Values
		header []string
		status int
	}{
		{"masked token in the field", url.Values{"body": {"by field"}, "_xsrf": {masked}}, nil, 200},
		{"masked token in X-XSRFToken", url.Values{"body": {"by header"}}, []string{"X-XSRFToken", masked}, 200},
		{"masked token in X-CSRFToken", url.Values{"body": {"by other header"}}, []string{"X-CSRFToken", masked}, 200},
		{"wrong token in the field", url.Values{"body": {"x"}, "_xsrf": {wrong}}, nil, 403},
		{"wrong token in X-XSRFToken", url.Values{"body": {"x"}}, []string{"X-XSRFToken", wrong}, 403},
		{"wrong token in X-CSRFToken", url.Values{"body": {"x"}}, []string{"X-CSRFToken", wrong}, 403},
		{"masked token from a sibling site", url.Values{"body": {"x"}, "_xsrf": {masked}}, []string{"Sec-Fetch-Site", "same-site"}, 403},
	} {
		status, body := post(tc.form, tc.header...)
		if status != tc.status {
			t.Errorf("%s: %d %q, want %d", tc.name, status, body, tc.status)
			continue
		}
		if status == 200 {
			var m message
			if err := json.Unmarshal([]byte(body), &m); err != nil || m.Body != tc.form.Get("body") {
				t.Errorf("%s: posted %q, want the message %q (%v)", tc.name, body, tc.form.Get("body"), err)
			}
		}
	}
}
