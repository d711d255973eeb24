package http1_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/conformance/http1"
	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

// memTarget feeds each chunk to an in-memory connection as one read, so
// split offsets are exact: this exercises the parser's state kept between
// reads, byte by byte.
type memTarget struct{ srv *netloop.Server }

func (m memTarget) Exchange(chunks [][]byte) ([]byte, bool, error) {
	c := netlooptest.Open(m.srv)
	if c == nil {
		return nil, false, errors.New("server refused the connection")
	}
	defer c.Hangup()
	for _, ch := range chunks {
		c.Feed(ch)
	}
	return c.Output(), c.Closed(), nil
}

func TestNetloopInMemory(t *testing.T) {
	srv := netloop.NewServer(netloop.Config{}, http1.Demo(), netloop.NewStdTransport())
	for _, mode := range []http1.Mode{http1.Whole, http1.EveryOffset, http1.BytePerWrite} {
		t.Run(mode.String(), func(t *testing.T) { http1.Run(t, memTarget{srv}, mode) })
	}
}

// tcpTarget dials from a rotating set of loopback source addresses, so
// that tens of thousands of short connections do not run out of
// ephemeral ports while the server's closed ones sit in TIME_WAIT.
type tcpTarget struct {
	addr string
	next atomic.Uint32
}

func (t *tcpTarget) Exchange(chunks [][]byte) ([]byte, bool, error) {
	src := &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+t.next.Add(1)%8), byte(2+t.next.Load()%250))}
	d := net.Dialer{LocalAddr: src, Timeout: 5 * time.Second}
	conn, err := d.Dial("tcp", t.addr)
	if err != nil {
		return nil, false, err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	done := make(chan struct{})
	var out bytes.Buffer
	var rerr error
	go func() {
		_, rerr = out.ReadFrom(conn)
		close(done)
	}()
	for _, c := range chunks {
		if _, err := conn.Write(c); err != nil {
			break
		}
	}
	<-done
	switch {
	case rerr == nil, errors.Is(rerr, syscall.ECONNRESET):
		return out.Bytes(), true, nil
	case errors.Is(rerr, os.ErrDeadlineExceeded):
		return out.Bytes(), false, nil
	}
	return out.Bytes(), false, rerr
}

// TestNetloopOverTCP runs the table against a real server on each
// transport, in every mode.
func TestNetloopOverTCP(t *testing.T) {
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
			srv := netloop.NewServer(netloop.Config{}, http1.Demo(), tr)
			go srv.Serve(ln)
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := srv.Shutdown(ctx); err != nil {
					t.Errorf("shutdown: %v", err)
				}
			}()
			target := &tcpTarget{addr: ln.Addr().String()}
			modes := []http1.Mode{http1.Whole, http1.BytePerWrite, http1.EveryOffset}
			if testing.Short() {
				modes = modes[:2]
			}
			for _, mode := range modes {
				t.Run(mode.String(), func(t *testing.T) { http1.Run(t, target, mode) })
			}
		})
	}
}

func Example_tcpTarget() {
	fmt.Println(len(http1.Cases()) >= 170)
	// Output: true
}
