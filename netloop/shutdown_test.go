package netloop_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/netloop"
)

// A server's goroutines end with it: its workers (which ran netpoll's
// input handling and a resumed request's task), the clock behind the Date
// field and the timer wheel are gone by the time Shutdown returns, and
// the std transport's goroutine per connection ends with its connection.
// It runs in a process of its own, where no other test's server is left.
func TestShutdownEndsGoroutines(t *testing.T) {
	if os.Getenv("NETLOOP_FRESH_PROCESS") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestShutdownEndsGoroutines$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "NETLOOP_FRESH_PROCESS=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		t.Logf("%s", out)
		return
	}
	for _, name := range []string{"netpoll", "std"} {
		t.Run(name, func(t *testing.T) {
			if name == "netpoll" && !netloop.NetpollSupported {
				t.Skip("netpoll is not supported on this platform")
			}
			tr, err := netloop.NewTransport(name)
			if err != nil {
				t.Fatal(err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			p := &parker{parked: make(chan *netloop.Parked, 1), release: make(chan struct{}), slow: make(chan struct{}, 1)}
			srv := netloop.NewServer(netloop.Config{}, p, tr)
			served := make(chan error, 1)
			go func() { served <- srv.Serve(ln) }()

			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			br := bufio.NewReader(c)
			io.WriteString(c, "GET /now HTTP/1.1\r\nHost: x\r\n\r\nGET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
			if resp, _ := readResponse(t, br, "GET"); resp.Header.Get("Date") == "" {
				t.Error("no Date field")
			}
			if err := nextParked(t, p).Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
				w.WriteString("resumed")
			})); err != nil {
				t.Fatal(err)
			}
			if _, body := readResponse(t, br, "GET"); body != "resumed" {
				t.Fatalf("resumed request answered %q", body)
			}
			if n := serverGoroutines(); n == 0 {
				t.Fatal("no goroutine of the server's to be seen while it serves")
			}

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			recv(t, served, 5*time.Second, "Serve to return")
			if name == "netpoll" {
				if n := serverGoroutines(); n != 0 {
					t.Fatalf("%d goroutines of the server's left after Shutdown:\n%s", n, stacks())
				}
				return
			}
			// The std transport's reading goroutine returns once its
			// connection's close, which Shutdown made, reaches its read.
			waitFor(t, "the connection's goroutine to return", 5*time.Second, func() bool { return serverGoroutines() == 0 })
		})
	}
}

// serverGoroutines counts the goroutines running netloop's code, but the
// dorm's, which watches the process's sleeping connections (a server's
// parked requests) as netpoll's pollers watch the others.
func serverGoroutines() int {
	n := 0
	for _, g := range strings.Split(stacks(), "\n\n") {
		if strings.Contains(g, "github.com/wasmweb/wasmweb/netloop.") && !strings.Contains(g, "netloop_test.") &&
			!strings.Contains(g, "netloop.(*dorm).watch") {
			n++
		}
	}
	return n
}

func stacks() string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return string(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}
