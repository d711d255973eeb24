package netloop_test

import (
	"context"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/netloop"
)

// Stopping a netpoll server closes its listening socket once: a
// descriptor closed twice can, between the two closes, be given to a
// file opened elsewhere in the process, whose reads then fail with "bad
// file descriptor". Servers start and stop here while other goroutines
// keep reading a directory.
func TestNetpollListenerClosedOnce(t *testing.T) {
	if !netloop.NetpollSupported {
		t.Skip("netpoll is not supported here")
	}
	dir := t.TempDir()
	for i := 0; i < 20; i++ {
		os.WriteFile(dir+"/"+string(rune('a'+i)), nil, 0o644)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := os.ReadDir(dir); err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
			}
		}()
	}
	for i := 0; i < 60; i++ {
		tr, err := netloop.NewTransport("netpoll")
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := netloop.NewServer(netloop.Config{}, netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {}), tr)
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ln) }()
		if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
			c.Close()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		srv.Shutdown(ctx)
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Serve did not return 5 s after Shutdown")
		}
	}
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatalf("a file opened elsewhere lost its descriptor while servers stopped: %v", err)
	default:
	}
}
