package netloop_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/netloop"
)

// parker parks every request to /wait and hands it to the test; /slow
// waits until the test closes release; other paths answer at once.
type parker struct {
	parked  chan *netloop.Parked
	release chan struct{}
	slow    chan struct{} // a /slow request has started
}

func (p *parker) ServeHTTP(w *netloop.Response, r *netloop.Request) {
	switch string(r.Path) {
	case "/wait":
		p.parked <- w.Park()
		w.WriteString("discarded")
	case "/slow":
		p.slow <- struct{}{}
		<-p.release
		w.WriteString("slow:" + string(r.Target))
	case "/big":
		w.WriteString(strings.Repeat("b", 32<<20))
	default:
		w.WriteString("now:" + string(r.Target))
	}
}

func startParker(t *testing.T, transport string) (*netloop.Server, *parker, string) {
	return startParkerConfig(t, transport, netloop.Config{})
}

func startParkerConfig(t *testing.T, transport string, cfg netloop.Config) (*netloop.Server, *parker, string) {
	t.Helper()
	tr, err := netloop.NewTransport(transport)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &parker{parked: make(chan *netloop.Parked, 1024), release: make(chan struct{}), slow: make(chan struct{}, 16)}
	srv := netloop.NewServer(cfg, p, tr)
	go srv.Serve(ln)
	t.Cleanup(func() {
		select {
		case <-p.release:
		default:
			close(p.release)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv, p, ln.Addr().String()
}

// nextParked returns the next parked request, failing after a while.
func nextParked(t *testing.T, p *parker) *netloop.Parked {
	t.Helper()
	select {
	case pk := <-p.parked:
		return pk
	case <-time.After(10 * time.Second):
		t.Fatal("no request was parked within 10 s")
		return nil
	}
}

func TestParkResume(t *testing.T) {
	for _, transport := range []string{"netpoll", "std"} {
		t.Run(transport, func(t *testing.T) {
			if transport == "netpoll" && !netloop.NetpollSupported {
				t.Skip("netpoll is not supported here")
			}
			_, p, addr := startParker(t, transport)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			// A parked request, then a pipelined one behind it.
			io.WriteString(c, "POST /wait?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nbodyGET /after HTTP/1.1\r\nHost: h\r\n\r\n")
			parked := nextParked(t, p)
			c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
			if n, _ := c.Read(make([]byte, 1)); n != 0 {
				t.Fatal("a parked request was answered")
			}
			c.SetReadDeadline(time.Time{})
			err = parked.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
				w.WriteString("resumed:" + string(r.Method) + " " + string(r.Target) + " " + string(r.Body))
			}))
			if err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(c)
			if _, body := readResponse(t, br, "POST"); body != "resumed:POST /wait?x=1 body" {
				t.Fatalf("resumed response %q", body)
			}
			if _, body := readResponse(t, br, "GET"); body != "now:/after" {
				t.Fatalf("pipelined response %q", body)
			}
			if err := parked.Resume(netloop.HandlerFunc(func(*netloop.Response, *netloop.Request) {})); err != netloop.ErrNotParked {
				t.Fatalf("second Resume = %v, want ErrNotParked", err)
			}
		})
	}
}

func TestParkHangup(t *testing.T) {
	for _, transport := range []string{"netpoll", "std"} {
		t.Run(transport, func(t *testing.T) {
			if transport == "netpoll" && !netloop.NetpollSupported {
				t.Skip("netpoll is not supported here")
			}
			srv, p, addr := startParker(t, transport)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: h\r\n\r\n")
			parked := nextParked(t, p)
			gone := make(chan struct{})
			parked.OnHangup(func() { close(gone) })
			c.Close()
			select {
			case <-gone:
			case <-time.After(5 * time.Second):
				t.Fatal("OnHangup did not run after the client closed")
			}
			if err := parked.Resume(netloop.HandlerFunc(func(*netloop.Response, *netloop.Request) {})); err != netloop.ErrNotParked {
				t.Fatalf("Resume after hangup = %v", err)
			}
			waitFor(t, "the connection to be forgotten", 5*time.Second, func() bool { return srv.Conns() == 0 })
		})
	}
}

// Shutdown waits for parked requests, which its hook answers.
func TestParkShutdown(t *testing.T) {
	for _, transport := range []string{"netpoll", "std"} {
		t.Run(transport, func(t *testing.T) {
			if transport == "netpoll" && !netloop.NetpollSupported {
				t.Skip("netpoll is not supported here")
			}
			srv, p, addr := startParker(t, transport)
			var mu sync.Mutex
			var all []*netloop.Parked
			srv.RegisterOnShutdown(func() {
				mu.Lock()
				defer mu.Unlock()
				for _, pk := range all {
					pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
						w.SetStatus(503)
						w.AddHeader("Retry-After", "1")
					}))
				}
			})
			c, _ := net.Dial("tcp", addr)
			defer c.Close()
			io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: h\r\n\r\n")
			pk := nextParked(t, p)
			mu.Lock()
			all = append(all, pk)
			mu.Unlock()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			resp, _ := readResponse(t, bufio.NewReader(c), "GET")
			if resp.StatusCode != 503 || !resp.Close || resp.Header.Get("Retry-After") == "" {
				t.Fatalf("parked request at shutdown: %d close=%v", resp.StatusCode, resp.Close)
			}
		})
	}
}

// A parked connection keeps no buffer it has emptied: neither the output
// that answered requests pipelined before the parked one, once flushed,
// nor the input buffer of a request whose head came in pieces, nor the
// request's exchange. Input that waits behind the parked request is kept.
func TestParkedConnectionReleasesBuffers(t *testing.T) {
	forEachNetloopTransport(t, func(t *testing.T, transport string) {
		srv, p, addr := startParker(t, transport)
		cases := []struct {
			name   string
			writes []string
		}{
			{"answers pipelined before", []string{"GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /wait HTTP/1.1\r\nHost: h\r\n\r\n"}},
			{"head in pieces", []string{"GET /wait HTTP/1.1\r\nHo", "st: h\r\n\r\n"}},
			{"body in pieces", []string{"POST /wait HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n01234", "56789"}},
			{"answer before, then the poll", []string{"GET /a HTTP/1.1\r\nHost: h\r\n\r\n", "GET /wait HTTP/1.1\r\nHost: h\r\n\r\n"}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				for i, w := range tc.writes {
					io.WriteString(c, w)
					if i < len(tc.writes)-1 {
						time.Sleep(50 * time.Millisecond) // a separate read
					}
				}
				pk := nextParked(t, p)
				// The request is parked before Input returns and settles.
				deadline := time.Now().Add(5 * time.Second)
				for {
					parked, held := srv.ParkedBuffers()
					if parked == 1 && held == 0 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("%d parked connections hold %d bytes of buffers, want 1 holding none", parked, held)
					}
					time.Sleep(10 * time.Millisecond)
				}
				pk.Cancel()
			})
		}
	})
}
