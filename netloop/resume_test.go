package netloop_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/netloop"
)

// forEachNetloopTransport runs fn on each transport this platform has.
func forEachNetloopTransport(t *testing.T, fn func(t *testing.T, transport string)) {
	for _, transport := range []string{"netpoll", "std"} {
		t.Run(transport, func(t *testing.T) {
			if transport == "netpoll" && !netloop.NetpollSupported {
				t.Skip("netpoll is not supported here")
			}
			fn(t, transport)
		})
	}
}

// A client that hangs up while its parked request is being resumed must
// cost only its own connection. Each round parks requests (with pipelined
// requests queued behind them), resumes them all at once and has every
// client reset or close its connection at about the same moment; the
// race between the resuming goroutine and the transport freeing the
// connection once crashed the process (netpoll: a write into freed
// buffers).
func TestResumeWhileClientHangsUp(t *testing.T) {
	for _, how := range []string{"reset", "close"} {
		t.Run(how, func(t *testing.T) {
			forEachNetloopTransport(t, func(t *testing.T, transport string) {
				srv, p, addr := startParker(t, transport)
				const rounds, n = 12, 60
				for round := 0; round < rounds; round++ {
					conns := make([]*net.TCPConn, n)
					for i := range conns {
						c, err := net.Dial("tcp", addr)
						if err != nil {
							t.Fatal(err)
						}
						conns[i] = c.(*net.TCPConn)
						io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: h\r\n\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n")
					}
					parked := make([]*netloop.Parked, n)
					for i := range parked {
						parked[i] = nextParked(t, p)
					}
					var wg sync.WaitGroup
					errs := make(chan error, n)
					for _, pk := range parked {
						wg.Add(1)
						go func() {
							defer wg.Done()
							err := pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
								w.WriteString(strings.Repeat("m", 2000))
							}))
							if err != nil && !errors.Is(err, netloop.ErrNotParked) {
								errs <- err
							}
						}()
					}
					time.Sleep(time.Duration(round%4) * 50 * time.Microsecond)
					for _, c := range conns {
						if how == "reset" {
							c.SetLinger(0)
						}
						c.Close()
					}
					wg.Wait()
					close(errs)
					for err := range errs {
						t.Fatalf("Resume: %v", err)
					}
				}
				waitFor(t, "every connection to be forgotten", 10*time.Second, func() bool { return srv.Conns() == 0 })
				// The server still serves.
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				io.WriteString(c, "GET /alive HTTP/1.1\r\nHost: h\r\n\r\n")
				if _, body := readResponse(t, bufio.NewReader(c), "GET"); body != "now:/alive" {
					t.Fatalf("after the hang-ups: %q", body)
				}
			})
		})
	}
}

// Resume returns once the handler has: requests pipelined behind a parked
// one run on the connection's own task, so a slow one (a password check,
// say) never holds the goroutine that resumes other clients' requests.
func TestResumeLeavesPipelinedWorkToTheConnection(t *testing.T) {
	forEachNetloopTransport(t, func(t *testing.T, transport string) {
		_, p, addr := startParker(t, transport)
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: h\r\n\r\nGET /slow?1 HTTP/1.1\r\nHost: h\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n")
		pk := nextParked(t, p)
		resumed := make(chan error, 1)
		go func() {
			resumed <- pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
				w.WriteString("answer")
			}))
		}()
		select {
		case err := <-resumed:
			if err != nil {
				t.Fatalf("Resume: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Resume waited for the pipelined request behind the parked one")
		}
		select {
		case <-p.slow:
		case <-time.After(10 * time.Second):
			t.Fatal("the pipelined request never ran")
		}
		close(p.release)
		br := bufio.NewReader(c)
		for _, want := range []string{"answer", "slow:/slow?1", "now:/after"} {
			if _, body := readResponse(t, br, "GET"); body != want {
				t.Fatalf("response %q, want %q", body, want)
			}
		}
	})
}

// A client that does not read cannot hold the goroutine that resumes its
// request: the answer waits for the connection's own task.
func TestResumeDoesNotWaitForASlowReader(t *testing.T) {
	forEachNetloopTransport(t, func(t *testing.T, transport string) {
		srv, p, addr := startParkerConfig(t, transport, netloop.Config{WriteTimeout: 20 * time.Second})
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: h\r\n\r\n")
		pk := nextParked(t, p)
		big := strings.Repeat("x", 32<<20) // far more than the socket buffers hold
		resumed := make(chan error, 1)
		go func() {
			resumed <- pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
				w.WriteString(big)
			}))
		}()
		select {
		case err := <-resumed:
			if err != nil {
				t.Fatalf("Resume: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Resume waited for a client that does not read")
		}
		// The client reads it all in the end.
		resp, body := readResponse(t, bufio.NewReader(c), "GET")
		if resp.StatusCode != 200 || len(body) != len(big) {
			t.Fatalf("status %d, %d body bytes, want %d", resp.StatusCode, len(body), len(big))
		}
		_ = srv
	})
}

// Resume does not wait for the goroutine that holds the connection: here
// Input flushes a large answer to a client that does not read, right
// after the request behind it parked.
func TestResumeDoesNotWaitForTheConnectionsFlush(t *testing.T) {
	forEachNetloopTransport(t, func(t *testing.T, transport string) {
		_, p, addr := startParkerConfig(t, transport, netloop.Config{MaxOutputBytes: 64 << 20, WriteTimeout: 20 * time.Second})
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET /big HTTP/1.1\r\nHost: h\r\n\r\nGET /wait HTTP/1.1\r\nHost: h\r\n\r\n")
		pk := nextParked(t, p)
		resumed := make(chan error, 1)
		go func() {
			resumed <- pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
				w.WriteString("answer")
			}))
		}()
		select {
		case err := <-resumed:
			if err != nil {
				t.Fatalf("Resume: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Resume waited for the connection's flush to a client that does not read")
		}
		br := bufio.NewReader(c)
		if _, body := readResponse(t, br, "GET"); len(body) != 32<<20 {
			t.Fatalf("first response: %d bytes", len(body))
		}
		if _, body := readResponse(t, br, "GET"); body != "answer" {
			t.Fatalf("resumed response %q", body)
		}
	})
}

// A client that sends its request and then shuts down its sending side
// (a half-close) still gets its answer: requests already read are
// answered, then the connection closes. Each request takes a little
// while, so that the half-close is seen while the handler runs.
func TestHalfClosedClientGetsItsResponse(t *testing.T) {
	cases := []struct{ name, req string }{
		{"http/1.1", "GET /slowish HTTP/1.1\r\nHost: h\r\n\r\n"},
		{"http/1.0", "GET /slowish HTTP/1.0\r\n\r\n"},
		{"close", "GET /slowish HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"},
		{"pipelined", "GET /slowish HTTP/1.1\r\nHost: h\r\n\r\nGET /slowish HTTP/1.1\r\nHost: h\r\n\r\n"},
		{"post", "POST /slowish HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"},
	}
	h := netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		time.Sleep(20 * time.Millisecond)
		fmt.Fprintf(w, "answered %s %s", r.Method, r.Body)
	})
	forEachNetloopTransport(t, func(t *testing.T, transport string) {
		tr, err := netloop.NewTransport(transport)
		if err != nil {
			t.Fatal(err)
		}
		addr := serveHandler(t, tr, h)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				want := strings.Count(tc.req, "/slowish")
				for i := 0; i < 10; i++ {
					c, err := net.Dial("tcp", addr)
					if err != nil {
						t.Fatal(err)
					}
					io.WriteString(c, tc.req)
					c.(*net.TCPConn).CloseWrite()
					c.SetReadDeadline(time.Now().Add(10 * time.Second))
					out, err := io.ReadAll(c)
					c.Close()
					if got := strings.Count(string(out), "answered "); got != want || err != nil {
						t.Fatalf("try %d: %d of %d answers (read error %v): %q", i, got, want, err, out)
					}
				}
			})
		}
	})
}

// serveHandler serves h on a loopback port until the test ends.
func serveHandler(t *testing.T, tr netloop.Transport, h netloop.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := netloop.NewServer(netloop.Config{}, h, tr)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	})
	return ln.Addr().String()
}

// A resumed request's small answer is sent by the goroutine that resumes
// it when the transport can write without waiting (netpoll): a wake of
// many waiters queues no task, and starts no goroutine, per waiter, and
// leaves no output buffer with each connection. An
// answer behind which pipelined input waits still goes through the
// connection's task, and both are delivered whole.
func TestResumeSendsSmallAnswersWithoutATask(t *testing.T) {
	if !netloop.NetpollSupported {
		t.Skip("netpoll is not supported here")
	}
	srv, p, addr := startParker(t, "netpoll")
	const n = 50
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: h\r\n\r\n")
		conns[i] = c
	}
	for i := 0; i < n; i++ {
		pk := nextParked(t, p)
		if err := pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
			w.WriteString("answer")
		})); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, body := readResponse(t, bufio.NewReader(c), "GET"); body != "answer" {
			t.Fatalf("connection %d: %q", i, body)
		}
	}
	if got := srv.ResumeTasks(); got != 0 {
		t.Fatalf("%d tasks queued for %d small answers, want none", got, n)
	}
	// The answers were written from buffers lent for the moment: the
	// connections, idle now, keep none.
	if got := srv.OutputBuffers(); got != 0 {
		t.Fatalf("idle connections hold %d bytes of output buffers after their answers, want none", got)
	}

	// Pipelined input behind the parked request: the task serves it.
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: h\r\n\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n")
	pk := nextParked(t, p)
	if err := pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) { w.WriteString("answer") })); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for _, want := range []string{"answer", "now:/after"} {
		if _, body := readResponse(t, br, "GET"); body != want {
			t.Fatalf("response %q, want %q", body, want)
		}
	}
	if got := srv.ResumeTasks(); got != 1 {
		t.Fatalf("%d tasks queued, want 1 (for the pipelined request)", got)
	}
}
