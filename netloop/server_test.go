package netloop_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

// echo answers like the demo site: "/" says hello, "/echo" echoes the
// method, target and body, "/stream" flushes three pieces, "/big?n=N"
// writes N bytes, "/panic" panics, "/block" waits on the test's channel.
type echo struct {
	block   chan struct{}
	entered chan struct{}
}

func (e *echo) ServeHTTP(w *netloop.Response, r *netloop.Request) {
	switch string(r.Path) {
	case "/":
		w.WriteString("Hello, world")
	case "/echo":
		w.Write(r.Method)
		w.WriteString(" ")
		w.Write(r.Target)
		w.WriteString("\n")
		w.Write(r.Body)
	case "/stream":
		for i := 0; i < 3; i++ {
			fmt.Fprintf(w, "piece %d;", i)
			w.Flush()
		}
	case "/big":
		var n int
		fmt.Sscanf(string(r.Query), "n=%d", &n)
		w.SetContentLength(int64(n))
		chunk := bytes.Repeat([]byte("x"), 64<<10)
		for n > 0 {
			k := min(n, len(chunk))
			if _, err := w.Write(chunk[:k]); err != nil {
				return
			}
			n -= k
		}
	case "/panic":
		panic("handler bug")
	case "/badheader":
		if err := w.AddHeader("X-Bad", "a\r\nInjected: yes"); err == nil {
			panic("AddHeader accepted CRLF")
		}
		w.WriteString("rejected")
	case "/block":
		e.entered <- struct{}{}
		<-e.block
		w.WriteString("done")
	default:
		w.SetStatus(404)
	}
}

func newEcho() *echo {
	return &echo{block: make(chan struct{}), entered: make(chan struct{}, 16)}
}

type fixture struct {
	srv  *netloop.Server
	addr string
	h    *echo
	done chan error
}

// serve starts a server with cfg on a loopback port for each transport.
func forEachTransport(t *testing.T, cfg netloop.Config, run func(t *testing.T, f *fixture)) {
	for _, name := range []string{"netpoll", "std"} {
		t.Run(name, func(t *testing.T) {
			if name == "netpoll" && !netloop.NetpollSupported {
				t.Skip("netpoll is not supported on this platform")
			}
			run(t, start(t, name, cfg))
		})
	}
}

func start(t *testing.T, transport string, cfg netloop.Config) *fixture {
	t.Helper()
	tr, err := netloop.NewTransport(transport)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{h: newEcho(), addr: ln.Addr().String(), done: make(chan error, 1)}
	f.srv = netloop.NewServer(cfg, f.h, tr)
	go func() { f.done <- f.srv.Serve(ln) }()
	t.Cleanup(func() {
		select {
		case <-f.h.block:
		default:
			close(f.h.block)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		f.srv.Shutdown(ctx)
		recv(t, f.done, 10*time.Second, "Serve to return after Shutdown")
	})
	return f
}

func (f *fixture) dial(t *testing.T) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// readResponse reads one response; method is the request's method.
func readResponse(t *testing.T, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	return resp, string(body)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// expectEOF reads until the server closes, failing after d.
func expectEOF(t *testing.T, c net.Conn, d time.Duration) []byte {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	b, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after %v; read %q", d, b)
	}
	return b
}

func TestPipelining(t *testing.T) {
	forEachTransport(t, netloop.Config{}, func(t *testing.T, f *fixture) {
		c := f.dial(t)
		var req strings.Builder
		for i := 0; i < 100; i++ {
			fmt.Fprintf(&req, "GET /echo?i=%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
		}
		if _, err := io.WriteString(c, req.String()); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		for i := 0; i < 100; i++ {
			resp, body := readResponse(t, br, "GET")
			if want := fmt.Sprintf("GET /echo?i=%d\n", i); resp.StatusCode != 200 || body != want {
				t.Fatalf("response %d: %d %q, want 200 %q", i, resp.StatusCode, body, want)
			}
		}
	})
}

func TestResponseFraming(t *testing.T) {
	forEachTransport(t, netloop.Config{}, func(t *testing.T, f *fixture) {
		c := f.dial(t)
		br := bufio.NewReader(c)
		io.WriteString(c, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, body := readResponse(t, br, "GET")
		if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" || body != "piece 0;piece 1;piece 2;" {
			t.Errorf("streamed response: TE %v body %q", resp.TransferEncoding, body)
		}
		if resp.Header.Get("Date") == "" {
			t.Error("no Date header")
		}
		io.WriteString(c, "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, body = readResponse(t, br, "HEAD")
		if resp.ContentLength != 12 || body != "" {
			t.Errorf("HEAD: Content-Length %d body %q", resp.ContentLength, body)
		}
		io.WriteString(c, "GET /badheader HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, body = readResponse(t, br, "GET")
		if resp.Header.Get("Injected") != "" || body != "rejected" {
			t.Errorf("header injection reached the wire: %v", resp.Header)
		}
		io.WriteString(c, "GET /panic HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, _ = readResponse(t, br, "GET")
		if resp.StatusCode != 500 || !resp.Close {
			t.Errorf("panic: status %d close %v, want 500 and close", resp.StatusCode, resp.Close)
		}
		// HTTP/1.0 streaming ends at close, and the server keeps serving.
		c2 := f.dial(t)
		io.WriteString(c2, "GET /stream HTTP/1.0\r\n\r\n")
		out := expectEOF(t, c2, 5*time.Second)
		if !bytes.HasSuffix(out, []byte("piece 0;piece 1;piece 2;")) || bytes.Contains(out, []byte("chunked")) {
			t.Errorf("HTTP/1.0 stream: %q", out)
		}
	})
}

func TestHTTP10KeepAlive(t *testing.T) {
	forEachTransport(t, netloop.Config{}, func(t *testing.T, f *fixture) {
		c := f.dial(t)
		br := bufio.NewReader(c)
		io.WriteString(c, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
		resp, body := readResponse(t, br, "GET")
		if body != "Hello, world" || resp.Close {
			t.Fatalf("keep-alive 1.0: close=%v body %q", resp.Close, body)
		}
		io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
		resp, _ = readResponse(t, br, "GET")
		if !resp.Close {
			t.Error("HTTP/1.0 without keep-alive must close")
		}
		expectEOF(t, c, 5*time.Second)
	})
}

func TestExpectContinue(t *testing.T) {
	forEachTransport(t, netloop.Config{}, func(t *testing.T, f *fixture) {
		c := f.dial(t)
		br := bufio.NewReader(c)
		io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := br.ReadString('\n')
		if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
			t.Fatalf("interim response: %q %v", line, err)
		}
		br.ReadString('\n')
		io.WriteString(c, "hello")
		resp, body := readResponse(t, br, "POST")
		if resp.StatusCode != 200 || body != "POST /echo\nhello" {
			t.Fatalf("final response: %d %q", resp.StatusCode, body)
		}
		// A body over the limit is refused from its Content-Length,
		// without 100 Continue and before any body byte is sent.
		io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 99999999999\r\n\r\n")
		resp, _ = readResponse(t, br, "POST")
		if resp.StatusCode != 413 || !resp.Close {
			t.Fatalf("oversized body: %d close=%v, want 413 and close", resp.StatusCode, resp.Close)
		}
	})
}

func TestLimits(t *testing.T) {
	cases := []struct {
		name   string
		req    string
		status int
	}{
		{"request line", "GET /" + strings.Repeat("a", 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414},
		{"header bytes", "GET / HTTP/1.1\r\nHost: x\r\nBig: " + strings.Repeat("a", 70000) + "\r\n\r\n", 431},
		{"header fields", "GET / HTTP/1.1\r\nHost: x\r\n" + strings.Repeat("A: b\r\n", 101) + "\r\n", 431},
		{"body", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10485761\r\n\r\n", 413},
		{"chunked body", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\na00001\r\n", 413},
	}
	forEachTransport(t, netloop.Config{}, func(t *testing.T, f *fixture) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := f.dial(t)
				io.WriteString(c, tc.req)
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				br := bufio.NewReader(c)
				resp, _ := readResponse(t, br, "GET")
				if resp.StatusCode != tc.status || !resp.Close {
					t.Fatalf("status %d close=%v, want %d and close", resp.StatusCode, resp.Close, tc.status)
				}
				// Saying close is not enough: the server must close.
				rest, err := io.ReadAll(br)
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					t.Fatalf("the connection is still open 5 s after the %d that said Connection: close", tc.status)
				}
				if len(rest) > 0 {
					t.Errorf("%d bytes after the %d: %q", len(rest), tc.status, rest)
				}
			})
		}
	})
}

// A client that keeps sending after its request was refused still reads
// the refusal: the server half-closes and discards instead of resetting.
func TestLingeringClose(t *testing.T) {
	forEachTransport(t, netloop.Config{}, func(t *testing.T, f *fixture) {
		c := f.dial(t)
		io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 20000000\r\n\r\n")
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			chunk := make([]byte, 64<<10)
			for i := 0; i < 16; i++ { // 1 MiB, well within the linger time
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
		}()
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("the refusal was lost: %v", err)
		}
		if resp.StatusCode != 413 {
			t.Fatalf("status %d, want 413", resp.StatusCode)
		}
		wg.Wait()
	})
}

func TestTimeouts(t *testing.T) {
	cfg := netloop.Config{HeaderTimeout: 300 * time.Millisecond, BodyTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond}
	forEachTransport(t, cfg, func(t *testing.T, f *fixture) {
		t.Run("header", func(t *testing.T) {
			c := f.dial(t)
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n")
			out := expectEOF(t, c, 5*time.Second)
			if !bytes.HasPrefix(out, []byte("HTTP/1.1 408 ")) {
				t.Errorf("got %q, want a 408", out)
			}
		})
		t.Run("body", func(t *testing.T) {
			c := f.dial(t)
			io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
			out := expectEOF(t, c, 5*time.Second)
			if !bytes.HasPrefix(out, []byte("HTTP/1.1 408 ")) {
				t.Errorf("got %q, want a 408", out)
			}
		})
		t.Run("idle", func(t *testing.T) {
			c := f.dial(t)
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			out := expectEOF(t, c, 5*time.Second)
			if !bytes.HasPrefix(out, []byte("HTTP/1.1 200 ")) || bytes.Contains(out, []byte("408")) {
				t.Errorf("got %q, want one 200 and a silent close", out)
			}
		})
	})
}

// Slowloris: many connections send their heads a byte at a time. A normal
// client is served meanwhile, and every slow connection is closed at its
// header deadline.
func TestSlowloris(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 200
	}
	cfg := netloop.Config{HeaderTimeout: time.Second}
	forEachTransport(t, cfg, func(t *testing.T, f *fixture) {
		conns := make([]net.Conn, n)
		for i := range conns {
			conns[i] = f.dial(t)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // one byte per connection every 100 ms
			defer wg.Done()
			head := "GET / HTTP/1.1\r\nHost: slow\r\nX-Pad: " + strings.Repeat("p", 200)
			for i := 0; ; i++ {
				for _, c := range conns {
					c.Write([]byte{head[i%len(head)]})
				}
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
			}
		}()
		c := f.dial(t)
		br := bufio.NewReader(c)
		for i := 0; i < 20; i++ {
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, body := readResponse(t, br, "GET"); body != "Hello, world" {
				t.Fatalf("normal client got %q", body)
			}
		}
		for i, sc := range conns {
			out := expectEOF(t, sc, 10*time.Second)
			if len(out) > 0 && !bytes.HasPrefix(out, []byte("HTTP/1.1 408 ")) {
				t.Fatalf("slow connection %d got %q", i, out)
			}
		}
		close(stop)
		wg.Wait()
		waitFor(t, "server to drop slow connections", 5*time.Second, func() bool { return f.srv.Conns() <= 1 })
	})
}

// A client that never reads a large response is cut off by the write
// timeout, and the server's buffers for it are released.
func TestSlowReader(t *testing.T) {
	cfg := netloop.Config{WriteTimeout: 300 * time.Millisecond}
	forEachTransport(t, cfg, func(t *testing.T, f *fixture) {
		c := f.dial(t)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetReadBuffer(4096)
		}
		io.WriteString(c, "GET /big?n=67108864 HTTP/1.1\r\nHost: x\r\n\r\n")
		waitFor(t, "the server to drop the non-reading client", 10*time.Second, func() bool { return f.srv.Conns() == 0 })
	})
}

func TestConnectionCap(t *testing.T) {
	forEachTransport(t, netloop.Config{MaxConns: 5}, func(t *testing.T, f *fixture) {
		for i := 0; i < 5; i++ {
			c := f.dial(t) // open until the test ends
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
			readResponse(t, bufio.NewReader(c), "GET")
		}
		extra := f.dial(t)
		io.WriteString(extra, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if out := expectEOF(t, extra, 5*time.Second); len(out) != 0 {
			t.Fatalf("connection past the cap was served: %q", out)
		}
		if f.srv.Refused() != 1 {
			t.Errorf("Refused() = %d, want 1", f.srv.Refused())
		}
	})
}

func TestGracefulShutdown(t *testing.T) {
	forEachTransport(t, netloop.Config{}, func(t *testing.T, f *fixture) {
		idle := f.dial(t)
		io.WriteString(idle, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		readResponse(t, bufio.NewReader(idle), "GET")

		busy := f.dial(t)
		io.WriteString(busy, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
		recv(t, f.h.entered, 5*time.Second, "the handler to start")

		shut := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			shut <- f.srv.Shutdown(ctx)
		}()
		expectEOF(t, idle, 5*time.Second) // idle connections close first
		waitFor(t, "the listener to close", 5*time.Second, func() bool {
			c, err := net.DialTimeout("tcp", f.addr, time.Second)
			if err != nil {
				return true
			}
			c.Close()
			return false
		})
		select {
		case err := <-shut:
			t.Fatalf("Shutdown returned %v with a request in flight", err)
		default:
		}
		close(f.h.block)
		resp, body := readResponse(t, bufio.NewReader(busy), "GET")
		if body != "done" || !resp.Close {
			t.Fatalf("in-flight request: %q close=%v, want done and close", body, resp.Close)
		}
		if err := recv(t, shut, 10*time.Second, "Shutdown to return once the request was answered"); err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if err := recv(t, f.done, 5*time.Second, "Serve to return after Shutdown"); !errors.Is(err, netloop.ErrServerClosed) {
			t.Fatalf("Serve returned %v, want ErrServerClosed", err)
		}
		f.done <- nil // for the cleanup
	})
}

func TestShutdownDeadline(t *testing.T) {
	forEachTransport(t, netloop.Config{}, func(t *testing.T, f *fixture) {
		busy := f.dial(t)
		io.WriteString(busy, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n")
		recv(t, f.h.entered, 5*time.Second, "the handler to start")
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		if err := f.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown = %v, want DeadlineExceeded", err)
		}
		close(f.h.block)
		expectEOF(t, busy, 5*time.Second)
	})
}

// With netpoll, idle connections hold no goroutine.
func TestNetpollNoGoroutinePerConn(t *testing.T) {
	if !netloop.NetpollSupported {
		t.Skip("netpoll is not supported on this platform")
	}
	f := start(t, "netpoll", netloop.Config{})
	warm := f.dial(t)
	io.WriteString(warm, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	readResponse(t, bufio.NewReader(warm), "GET")
	before := busyGoroutines()
	const n = 500
	for i := 0; i < n; i++ {
		c := f.dial(t)
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		readResponse(t, bufio.NewReader(c), "GET")
	}
	waitFor(t, "connections to register", 5*time.Second, func() bool { return f.srv.Conns() == n+1 })
	// Idle input workers are not counted: how many there are depends on
	// how the requests overlapped. What is left may not grow with the
	// connections; the allowance covers timers and the runtime.
	const allowance = 20
	after, deadline := busyGoroutines(), time.Now().Add(10*time.Second)
	for after-before > allowance && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		after = busyGoroutines()
	}
	t.Logf("goroutines besides idle input workers: %d before, %d with %d idle connections", before, after, n)
	if after-before > allowance {
		t.Fatalf("%d goroutines besides idle input workers with %d idle connections open, %d before: more than %d for them",
			after, n, before, allowance)
	}
}

// A HEAD answer with a declared length keeps the connection open.
func TestHeadDeclaredLengthKeepsAlive(t *testing.T) {
	h := netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		w.SetContentLength(13)
		if !r.IsHead() {
			w.WriteString("thirteen char")
		}
	})
	c := netlooptest.Open(netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport()))
	defer c.Hangup()
	c.Feed([]byte("HEAD / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	br := bufio.NewReader(bytes.NewReader(c.Output()))
	resp, _ := readResponse(t, br, "HEAD")
	if resp.ContentLength != 13 || resp.Close {
		t.Fatalf("HEAD: length %d close %v", resp.ContentLength, resp.Close)
	}
	if _, body := readResponse(t, br, "GET"); body != "thirteen char" {
		t.Fatalf("GET after HEAD: %q", body)
	}
	if c.Closed() {
		t.Fatal("the connection closed after a HEAD")
	}
}
