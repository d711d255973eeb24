package host_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
)

// The harness of the live change tests (swap_test.go, reload_test.go,
// memory_test.go): a host with its admin API, served over TCP, and
// clients that keep it busy on keep-alive connections while a test
// changes it.

// swapHost is a host with its admin API served over HTTP.
type swapHost struct {
	h     *host.Host
	admin *httptest.Server
}

// startHost starts a host on cfg that logs to log (nil: nowhere, or
// the default log with -v), with its admin API; the test's cleanup
// closes them.
func startHost(t testing.TB, cfg config.Config, log *slog.Logger) *swapHost {
	t.Helper()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
		if testing.Verbose() {
			log = slog.Default()
		}
	}
	engine, err := host.NewEngine("")
	if err != nil {
		t.Fatal(err)
	}
	h, err := host.New(context.Background(), engine, cfg, log)
	if err != nil {
		engine.Close()
		t.Fatal(err)
	}
	admin := httptest.NewServer(h.AdminHandler())
	t.Cleanup(func() {
		admin.Close()
		h.Close(context.Background())
		engine.Close()
	})
	return &swapHost{h: h, admin: admin}
}

func startSwapHost(t testing.TB, server config.Server, specs ...config.Site) *swapHost {
	t.Helper()
	return startHost(t, config.Config{Server: server, Sites: specs}, nil)
}

// serveTCP serves h on a loopback port over transport.
func serveTCP(t testing.TB, h *host.Host, transport string) string {
	t.Helper()
	tr, err := netloop.NewTransport(transport)
	if err != nil {
		t.Fatal(err)
	}
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

// keepAlive is a client connection that sends depth requests at once
// (pipelining when depth > 1) and reads their answers.
type keepAlive struct {
	c net.Conn
	r *bufio.Reader
}

func dialKeepAlive(t testing.TB, addr string) *keepAlive {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &keepAlive{c: c, r: bufio.NewReader(c)}
}

// get sends GET / depth times at once and returns the bodies; an
// answer that is not 200 is an error.
func (k *keepAlive) get(depth int) ([]string, error) {
	k.c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := k.c.Write(bytes.Repeat([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), depth)); err != nil {
		return nil, err
	}
	bodies := make([]string, depth)
	for i := range bodies {
		resp, err := http.ReadResponse(k.r, nil)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != 200 {
			return nil, fmt.Errorf("status %d: %q", resp.StatusCode, b)
		}
		bodies[i] = string(b)
	}
	return bodies, nil
}

// changesUnderLoad makes n changes to the host serving addr while
// clients keep sending GET / on keep-alive connections, one client per
// entry of depths (pipelining depth requests when more than one).
// change(i) makes the i-th change and returns the body GET / must
// answer once it is made; a request sent after it returns must get
// that body. It fails the test when a request fails, a connection
// breaks, a body is not one of bodies, or no request was sent; it
// returns how many requests the clients sent.
func changesUnderLoad(t testing.TB, addr string, depths []int, bodies []string, n int, change func(i int) (want string)) int64 {
	t.Helper()
	var stop atomic.Bool
	var requests, failures atomic.Int64
	var wg sync.WaitGroup
	for i, depth := range depths {
		k := dialKeepAlive(t, addr)
		wg.Go(func() {
			for !stop.Load() {
				got, err := k.get(depth)
				if err != nil {
					failures.Add(1)
					t.Errorf("client %d: %v", i, err)
					return
				}
				for _, body := range got {
					if !slices.Contains(bodies, body) {
						failures.Add(1)
						t.Errorf("client %d: body %q", i, body)
					}
				}
				requests.Add(int64(depth))
			}
		})
	}
	// Stop the clients however the test ends, so none outlives it.
	defer func() {
		stop.Store(true)
		wg.Wait()
	}()
	check := dialKeepAlive(t, addr)
	for i := range n {
		want := change(i)
		got, err := check.get(1)
		if err != nil || got[0] != want {
			t.Fatalf("after change %d: %q, %v; want %q", i, got, err, want)
		}
	}
	stop.Store(true)
	wg.Wait()
	if failures.Load() != 0 || requests.Load() == 0 {
		t.Fatalf("%d requests, %d failed", requests.Load(), failures.Load())
	}
	return requests.Load()
}
