package soak

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var soakFor = flag.Duration("soak", 20*time.Second, "how long the soak runs")

// The demo account's password and bcrypt hash (as in wasmweb.example.toml).
const (
	demoPassword = "wasmweb"
	demoHash     = "$2a$10$3DvuHCizPlOjKHVEJ87KDeSmTEW9Og3j67ZE15Put.MOhKCh7kADi"
	xsrfToken    = "0123456789abcdef0123456789abcdef"
	goodHost     = "good.test"
	badHost      = "bad.test"
	waitsHost    = "waits.test"
	maxWaiters   = 6 // the waits site's max_waiters
	goodWaiters  = 5000
)

// hostileWaits are the byroute guest's routes on the waits site, in the
// guest's route order, and the statuses they may get.
var hostileWaits = []struct {
	path   string
	status []int
}{
	{"/hello", []int{200}},
	{"/loop", []int{503}},
	{"/publish", []int{200}},
	{"/park", []int{200, 503}},
	{"/park-publish-done", []int{200, 503}},
	{"/park-trap", []int{500, 503}},
	{"/park-fail", []int{500, 503}},
	{"/wait-twice", []int{200, 503}},
	{"/park-publish-wait", []int{200, 503}},
	{"/park-bad-status", []int{500, 503}},
}

// hostileGuests are the conformance guests the hostile site routes to,
// each at /<name>, with the statuses they may get: a guest that traps may
// also be stopped at its deadline (503) on a loaded machine, or find its
// plugin's instances all busy (503).
var hostileGuests = map[string][]int{
	"loop":        {503},
	"fanout":      {503},
	"grow":        {500, 503},
	"fill":        {500, 503},
	"recurse":     {500, 503},
	"unreachable": {500, 503},
	"divzero":     {500, 503},
	"oob":         {500, 503},
	// WASI and the log as attack surfaces.
	"sleep":     {503},
	"pollmany":  {503},
	"flood":     {200, 503},
	"random":    {503},
	"clock":     {503},
	"logloop":   {503},
	"hostcalls": {503},
}

func config(root string, port, admin int) string {
	var b strings.Builder
	p := func(rel string) string { return strconv.Quote(filepath.Join(root, rel)) }
	fmt.Fprintf(&b, `[server]
listen = "127.0.0.1:%d"
admin = "127.0.0.1:%d"
shutdown_timeout = "5s"
header_timeout = "3s"
idle_timeout = "20s"

[[site]]
name = "good"
hosts = [%q]
xsrf_cookies = true
login_url = "/demo/login"
[site.accounts]
demo = %q
[site.templates]
dir = %s
[site.static]
dir = %s
[site.locale]
dir = %s
[site.pubsub]
max_wait = "3s"
max_waiters = %d
[site.plugins]
hello = %s
chat = %s
demo = %s
[[site.route]]
path = "/"
plugin = "hello"
[[site.route]]
path = "/a/message/new"
plugin = "chat"
handler = "message-new"
methods = ["POST"]
[[site.route]]
path = "/a/message/updates"
plugin = "chat"
handler = "message-updates"
methods = ["POST"]
[[site.route]]
path = "/demo/login"
plugin = "demo"
handler = "login"
methods = ["GET", "POST"]

[[site]]
name = "hostile"
hosts = [%q]
[site.limits]
call_timeout = "300ms"
memory = "16MiB"
[site.plugins]
`, port, admin, goodHost, demoHash, p("plugins/demo/templates"), p("plugins/demo/static"), p("plugins/demo/translations"),
		goodWaiters, p("plugins/hello"), p("plugins/chat"), p("plugins/demo"), badHost)
	for name := range hostileGuests {
		fmt.Fprintf(&b, "%s = %s\n", name, p("conformance/guests/"+name+".wasm"))
	}
	for name := range hostileGuests {
		fmt.Fprintf(&b, "[[site.route]]\npath = \"/%s\"\nplugin = %q\n", name, name)
	}
	fmt.Fprintf(&b, `
[[site]]
name = "waits"
hosts = [%q]
[site.limits]
instances = 4
call_timeout = "300ms"
[site.pubsub]
max_waiters = %d
max_wait = "300ms"
[site.plugins]
g = %s
`, waitsHost, maxWaiters, p("conformance/guests/byroute.wasm"))
	for _, w := range hostileWaits {
		fmt.Fprintf(&b, "[[site.route]]\npath = %q\nplugin = \"g\"\n", w.path)
	}
	return b.String()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// server is the wasmweb process under test.
type server struct {
	cmd    *exec.Cmd
	addr   string
	admin  string
	exited chan error
	log    *os.File
}

func startServer(t *testing.T) *server {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "wasmweb")
	build := exec.Command("go", "build", "-o", bin, "./cmd/wasmweb")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building wasmweb: %v\n%s", err, out)
	}
	port, admin := freePort(t), freePort(t)
	cfg := filepath.Join(dir, "soak.toml")
	if err := os.WriteFile(cfg, []byte(config(root, port, admin)), 0o644); err != nil {
		t.Fatal(err)
	}
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	s := &server{addr: fmt.Sprintf("127.0.0.1:%d", port), admin: fmt.Sprintf("127.0.0.1:%d", admin), exited: make(chan error, 1), log: logf}
	s.cmd = exec.Command(bin, "serve", "--config", cfg, "--cache-dir", filepath.Join(os.TempDir(), "wasmweb-soak-cache"))
	s.cmd.Dir = root
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exited <- s.cmd.Wait() }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		logf.Close()
		if t.Failed() {
			// Keep the server's log for a look after the test.
			kept := filepath.Join(os.TempDir(), "wasmweb-soak-server.log")
			if b, err := os.ReadFile(logf.Name()); err == nil && os.WriteFile(kept, b, 0o644) == nil {
				t.Logf("the server's log is in %s", kept)
			}
		}
	})
	deadline := time.Now().Add(3 * time.Minute)
	for {
		select {
		case err := <-s.exited:
			t.Fatalf("the server exited while starting: %v\n%s", err, s.tail())
		default:
		}
		if resp, err := http.Get("http://" + s.admin + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server did not become ready in 3 minutes\n%s", s.tail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tail returns the end of the server's log.
func (s *server) tail() string {
	b, _ := os.ReadFile(s.log.Name())
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// rss returns the process's resident memory in bytes.
func (s *server) rss() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS in /proc/%d/status", s.cmd.Process.Pid)
}

// gauge reads one unlabelled series from the server's /metrics.
func (s *server) gauge(name string) (float64, error) {
	resp, err := http.Get("http://" + s.admin + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /metrics", name)
}

// tally counts the legitimate requests and keeps the first failures.
type tally struct {
	ok    atomic.Int64
	mu    sync.Mutex
	fails []string
	nfail int
}

func (t *tally) fail(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.nfail++
	if len(t.fails) < 20 {
		t.fails = append(t.fails, fmt.Sprintf(format, args...))
	}
}

// client sends requests to the server with a Host of its choosing.
type client struct {
	addr string
	hc   *http.Client
}

func (c *client) do(method, host, path string, form url.Values, cookie string) (int, string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, "http://"+c.addr+path, body)
	if err != nil {
		return 0, "", err
	}
	req.Host = host
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

type message struct{ ID string }

func (c *client) post(text string) (message, error) {
	code, body, err := c.do("POST", goodHost, "/a/message/new", url.Values{"body": {text}, "_xsrf": {xsrfToken}}, "_xsrf="+xsrfToken)
	if err != nil {
		return message{}, err
	}
	if code != 200 {
		return message{}, fmt.Errorf("new message: %d %.200s", code, body)
	}
	var m message
	err = json.Unmarshal([]byte(body), &m)
	return m, err
}

func updates(cursor string) string {
	body := url.Values{"cursor": {cursor}, "_xsrf": {xsrfToken}}.Encode()
	return fmt.Sprintf("POST /a/message/updates HTTP/1.1\r\nHost: %s\r\nCookie: _xsrf=%s\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s", goodHost, xsrfToken, len(body), body)
}

func TestSoak(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("the soak reads the server's memory from /proc, which this platform lacks")
	}
	srv := startServer(t)
	c := &client{addr: srv.addr, hc: &http.Client{Timeout: 30 * time.Second}}
	last, err := c.post("soak starts")
	if err != nil {
		t.Fatalf("%v\n%s", err, srv.tail())
	}
	var cursor atomic.Value
	cursor.Store(last.ID)

	ctx, cancel := context.WithTimeout(context.Background(), *soakFor)
	defer cancel()
	legit := &tally{}
	var hostile atomic.Int64
	var wg sync.WaitGroup
	loop := func(name string, pause time.Duration, f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				f()
				select {
				case <-ctx.Done():
				case <-time.After(pause):
				}
			}
		}()
	}

	// Legitimate traffic on the good site.
	for i := 0; i < 4; i++ {
		loop("hello", 5*time.Millisecond, func() {
			code, body, err := c.do("GET", goodHost, "/", nil, "")
			if err != nil || code != 200 || body != "Hello, world" {
				legit.fail("GET /: %d %q %v", code, body, err)
				return
			}
			legit.ok.Add(1)
		})
	}
	loop("publish", 100*time.Millisecond, func() {
		m, err := c.post("tick")
		if err != nil {
			legit.fail("post: %v", err)
			return
		}
		cursor.Store(m.ID)
		legit.ok.Add(1)
	})
	for i := 0; i < 20; i++ {
		loop("poll", 0, func() {
			cur := cursor.Load().(string)
			code, body, err := c.do("POST", goodHost, "/a/message/updates", url.Values{"cursor": {cur}, "_xsrf": {xsrfToken}}, "_xsrf="+xsrfToken)
			if err != nil || code != 200 {
				legit.fail("long poll: %d %.200q %v", code, body, err)
				return
			}
			legit.ok.Add(1)
		})
	}
	loop("sign-in", 500*time.Millisecond, func() {
		hc := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		cl := &client{addr: srv.addr, hc: hc}
		code, body, err := cl.do("POST", goodHost, "/demo/login", url.Values{"user": {"demo"}, "password": {demoPassword}, "_xsrf": {xsrfToken}}, "_xsrf="+xsrfToken)
		if err != nil || code != 302 {
			legit.fail("sign-in: %d %.200q %v", code, body, err)
			return
		}
		legit.ok.Add(1)
	})
	// Half-closed posts are legitimate too: each must be answered.
	loop("half-close", 200*time.Millisecond, func() {
		form := url.Values{"body": {"half-closed"}, "_xsrf": {xsrfToken}}.Encode()
		conn, err := net.Dial("tcp", srv.addr)
		if err != nil {
			legit.fail("dial: %v", err)
			return
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /a/message/new HTTP/1.1\r\nHost: %s\r\nCookie: _xsrf=%s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
			goodHost, xsrfToken, len(form), form)
		conn.(*net.TCPConn).CloseWrite()
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil || resp.StatusCode != 200 {
			legit.fail("half-closed post: %v %v", resp, err)
			return
		}
		legit.ok.Add(1)
	})

	// Hostile clients on the good site.
	loop("hang up at resume", 50*time.Millisecond, func() {
		var conns []*net.TCPConn
		for i := 0; i < 30; i++ {
			conn, err := net.Dial("tcp", srv.addr)
			if err != nil {
				return
			}
			io.WriteString(conn, updates(cursor.Load().(string))+"GET / HTTP/1.1\r\nHost: "+goodHost+"\r\n\r\n")
			conns = append(conns, conn.(*net.TCPConn))
		}
		time.Sleep(150 * time.Millisecond) // the publisher resumes them meanwhile
		for i, conn := range conns {
			if i%2 == 0 {
				conn.SetLinger(0)
			}
			conn.Close()
		}
		hostile.Add(int64(len(conns)))
	})
	loop("pipelined sign-ins", 200*time.Millisecond, func() {
		conn, err := net.Dial("tcp", srv.addr)
		if err != nil {
			return
		}
		defer conn.Close()
		var req strings.Builder
		req.WriteString(updates(cursor.Load().(string)))
		for i := 0; i < 3; i++ {
			form := url.Values{"user": {fmt.Sprint("nobody", i)}, "password": {"x"}, "_xsrf": {xsrfToken}}.Encode()
			fmt.Fprintf(&req, "POST /demo/login HTTP/1.1\r\nHost: %s\r\nCookie: _xsrf=%s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s",
				goodHost, xsrfToken, len(form), form)
		}
		io.WriteString(conn, req.String())
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		io.Copy(io.Discard, conn)
		hostile.Add(1)
	})
	loop("slowloris", time.Second, func() {
		var conns []net.Conn
		for i := 0; i < 20; i++ {
			conn, err := net.Dial("tcp", srv.addr)
			if err != nil {
				break
			}
			io.WriteString(conn, "GET / HTTP/1.1\r\nHost: "+goodHost+"\r\n")
			conns = append(conns, conn)
		}
		for i := 0; i < 4 && ctx.Err() == nil; i++ {
			for _, conn := range conns {
				io.WriteString(conn, "X-a: b\r\n")
			}
			time.Sleep(time.Second)
		}
		for _, conn := range conns {
			conn.Close()
		}
		hostile.Add(int64(len(conns)))
	})

	// Hostile guests on the other site.
	for name, want := range hostileGuests {
		loop(name, 20*time.Millisecond, func() {
			code, body, err := c.do("GET", badHost, "/"+name, nil, "")
			if err != nil {
				legit.fail("GET %s/%s: %v", badHost, name, err)
				return
			}
			okCode := false
			for _, w := range want {
				okCode = okCode || code == w
			}
			if !okCode {
				legit.fail("GET %s/%s: %d %.100q, want one of %v", badHost, name, code, body, want)
				return
			}
			hostile.Add(1)
		})
	}

	// Hostile waits on a third site: parked requests that trap, fail,
	// wake themselves or wait twice, with clients that leave.
	for i := 0; i < 4; i++ {
		seq := 0
		loop("waits", 10*time.Millisecond, func() {
			seq++
			w := hostileWaits[(seq*7+i)%len(hostileWaits)]
			// A bounded set of topics, so that most waits find their
			// topic's history (at max_topics idle topics are evicted).
			target := fmt.Sprintf("%s?soak-%d-%d", w.path, i, seq%50)
			conn, err := net.Dial("tcp", srv.addr)
			if err != nil {
				return
			}
			defer conn.Close()
			fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, waitsHost)
			if seq%5 == 0 {
				return // leaves at once
			}
			conn.SetReadDeadline(time.Now().Add(30 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				legit.fail("GET %s%s: no answer: %v", waitsHost, target, err)
				return
			}
			resp.Body.Close()
			okCode := false
			for _, st := range w.status {
				okCode = okCode || resp.StatusCode == st
			}
			if !okCode {
				legit.fail("GET %s%s: %d, want one of %v", waitsHost, target, resp.StatusCode, w.status)
			}
			hostile.Add(1)
		})
	}

	// Watch the process: alive, and its memory.
	var samples []int64
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
watch:
	for {
		select {
		case err := <-srv.exited:
			cancel()
			wg.Wait()
			t.Fatalf("the server died after %v: %v\n%s", time.Since(start).Round(time.Second), err, srv.tail())
		case <-ctx.Done():
			break watch
		case <-tick.C:
			r, err := srv.rss()
			if err != nil {
				t.Errorf("reading the server's memory: %v", err)
				continue
			}
			samples = append(samples, r)
			if r > maxRSS {
				t.Errorf("the server's resident memory reached %d MiB (cap %d MiB)", r>>20, maxRSS>>20)
			}
			if g, err := srv.gauge("wasmweb_parked_requests"); err != nil {
				t.Errorf("reading the parked-requests gauge: %v", err)
			} else if g < 0 || g > goodWaiters+maxWaiters {
				t.Errorf("wasmweb_parked_requests = %v, outside [0, %d]", g, goodWaiters+maxWaiters)
			}
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the load generators did not stop within 2 minutes of the end")
	}

	// Memory is bounded: past the warm-up (instances filling up to their
	// caps takes a minute or two under this load), the last third is no
	// higher than the middle third's peak plus some slack. A short run
	// checks only the cap above.
	third := len(samples) / 3
	if third > 0 {
		early, mid, late := peak(samples[:third]), peak(samples[third:2*third]), peak(samples[2*third:])
		t.Logf("resident memory: peak %d MiB, %d MiB, %d MiB in each third", early>>20, mid>>20, late>>20)
		if *soakFor >= minJudged && late > mid+mid/4+64<<20 {
			t.Errorf("resident memory grew from %d MiB to %d MiB", mid>>20, late>>20)
		}
	}
	legit.mu.Lock()
	t.Logf("%v: %d legitimate requests answered, %d failed; %d hostile requests and connections", *soakFor, legit.ok.Load(), legit.nfail, hostile.Load())
	if legit.nfail > 0 {
		t.Errorf("%d legitimate requests failed; the first:\n%s", legit.nfail, strings.Join(legit.fails, "\n"))
	}
	legit.mu.Unlock()

	// A graceful stop within the shutdown timeout.
	srv.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-srv.exited:
		if err != nil {
			t.Errorf("the server's exit after SIGTERM: %v\n%s", err, srv.tail())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("the server did not exit within 30 s of SIGTERM\n%s", srv.tail())
	}
}

// minJudged is the shortest soak whose memory is checked for growth.
const minJudged = 3 * time.Minute

// maxRSS caps the server's resident memory at any moment: two sites with
// a few instances each, thousands of connections coming and going.
const maxRSS = 2 << 30

func peak(xs []int64) int64 {
	m := int64(0)
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
