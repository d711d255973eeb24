//go:build linux && (amd64 || arm64)

package netloop_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/netloop"
)

// A parked request's connection sleeps: netpoll lets go of it and the
// dorm watches it. Its answer is still written, the connection goes on
// serving requests (parked or not) in order, and its hang-up still
// reaches the parked request's owner. Sleeping counts it and comes back
// down.
func TestSleepingConnection(t *testing.T) {
	srv, p, addr := startParker(t, "netpoll")
	base := netloop.Sleeping()
	c, br, pk := parkOne(t, p, addr)
	waitFor(t, "the parked connection to sleep", 5*time.Second, func() bool { return netloop.Sleeping() == base+1 })
	if n := netloop.SleepersHoldingNetpoll(); n != 0 {
		t.Errorf("%d sleeping connections still hold netpoll's connection or read steps", n)
	}
	if err := pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		w.WriteString("woken:" + string(r.Target))
	})); err != nil {
		t.Fatal(err)
	}
	if _, body := readResponse(t, br, "GET"); body != "woken:/wait" {
		t.Fatalf("resumed answer %q", body)
	}

	// The sleeping connection serves what comes next: a pipelined pair,
	// then a request that parks again.
	io.WriteString(c, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
	for _, want := range []string{"now:/a", "now:/b"} {
		if _, body := readResponse(t, br, "GET"); body != want {
			t.Fatalf("got %q, want %q", body, want)
		}
	}
	io.WriteString(c, "GET /wait?again HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n")
	pk = nextParked(t, p)
	if err := pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		w.WriteString("again:" + string(r.Target))
	})); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"again:/wait?again", "now:/after"} {
		if _, body := readResponse(t, br, "GET"); body != want {
			t.Fatalf("got %q, want %q", body, want)
		}
	}
	if n := netloop.Sleeping(); n != base+1 {
		t.Errorf("Sleeping: %d, want %d (the connection sleeps until it closes)", n, base+1)
	}

	// Parked once more, then the client hangs up.
	io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	pk = nextParked(t, p)
	gone := make(chan struct{})
	pk.OnHangup(func() { close(gone) })
	c.Close()
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the hang-up of a sleeping connection did not reach its parked request")
	}
	waitFor(t, "the connection to be forgotten", 5*time.Second, func() bool {
		return netloop.Sleeping() == base && srv.Conns() == 0
	})
	if err := pk.Resume(netloop.HandlerFunc(func(*netloop.Response, *netloop.Request) {})); err != netloop.ErrNotParked {
		t.Errorf("Resume after the hang-up: %v, want ErrNotParked", err)
	}
}

// Input that arrives behind a sleeping connection's parked request waits
// for its answer, and a request line past the limits still fails it.
func TestSleepingConnectionPipelined(t *testing.T) {
	_, p, addr := startParker(t, "netpoll")
	c, pk := sleepOne(t, p, addr)
	br := bufio.NewReader(c)
	// In pieces, while it sleeps.
	for _, part := range []string{"GET /pi", "ped HTTP/1.1\r\nHo", "st: x\r\n\r\n"} {
		io.WriteString(c, part)
		time.Sleep(20 * time.Millisecond)
	}
	pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) { w.WriteString("first") }))
	for _, want := range []string{"first", "now:/piped"} {
		if _, body := readResponse(t, br, "GET"); body != want {
			t.Fatalf("got %q, want %q", body, want)
		}
	}
}

// The server closes a sleeping connection: when its parked request is
// cancelled, and at the idle timeout once answered.
func TestSleepingConnectionClosedByServer(t *testing.T) {
	srv, p, addr := startParkerConfig(t, "netpoll", netloop.Config{IdleTimeout: 300 * time.Millisecond})
	base := netloop.Sleeping()

	c1, pk := sleepOne(t, p, addr)
	hangups := atomic.Int32{}
	pk.OnHangup(func() { hangups.Add(1) })
	pk.Cancel()
	expectEOF(t, c1, 5*time.Second)

	c2, pk := sleepOne(t, p, addr)
	br := bufio.NewReader(c2)
	pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) { w.WriteString("ok") }))
	if _, body := readResponse(t, br, "GET"); body != "ok" {
		t.Fatalf("got %q", body)
	}
	expectEOF(t, c2, 5*time.Second) // the idle timeout
	waitFor(t, "the connections to be forgotten", 5*time.Second, func() bool {
		return netloop.Sleeping() == base && srv.Conns() == 0
	})
	if n := hangups.Load(); n != 0 {
		t.Errorf("a cancelled request's hang-up callback ran %d times, want 0 (it was answered, by Cancel)", n)
	}
}

// A client that half-closes after its long poll is taken for gone, as it
// is before its connection sleeps.
func TestSleepingConnectionHalfClosed(t *testing.T) {
	srv, p, addr := startParker(t, "netpoll")
	base := netloop.Sleeping()
	c, pk := sleepOne(t, p, addr)
	gone := make(chan struct{})
	pk.OnHangup(func() { close(gone) })
	c.(*net.TCPConn).CloseWrite()
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("a half-close did not reach the parked request")
	}
	expectEOF(t, c, 5*time.Second)
	waitFor(t, "the connection to be forgotten", 5*time.Second, func() bool {
		return netloop.Sleeping() == base && srv.Conns() == 0
	})
}

// parkOne opens a connection, closed when the test ends, that parks
// GET /wait, and returns it, a reader of its answers and the parked
// request.
func parkOne(t *testing.T, p *parker, addr string) (net.Conn, *bufio.Reader, *netloop.Parked) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	return c, bufio.NewReader(c), nextParked(t, p)
}

// sleepMany opens n connections that each park GET /wait?i, and waits
// until they all sleep. It returns the connections, closed when the test
// ends, and the parked requests in the order they parked.
func sleepMany(t *testing.T, p *parker, addr string, n int) ([]net.Conn, []*netloop.Parked) {
	t.Helper()
	base := netloop.Sleeping()
	conns := make([]net.Conn, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		conns[i] = c
		fmt.Fprintf(c, "GET /wait?%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
	}
	pks := make([]*netloop.Parked, n)
	for i := range pks {
		pks[i] = nextParked(t, p)
	}
	waitFor(t, "the parked connections to sleep", 10*time.Second, func() bool { return netloop.Sleeping() == base+n })
	return conns, pks
}

// sleepOne is sleepMany of one connection.
func sleepOne(t *testing.T, p *parker, addr string) (net.Conn, *netloop.Parked) {
	t.Helper()
	cs, pks := sleepMany(t, p, addr, 1)
	return cs[0], pks[0]
}

// A slow reader on a sleeping connection does not hold up the others:
// its large answer waits for it to read, while the other sleeping
// connections are answered; then it reads the answer whole.
func TestSleepingConnectionSlowReader(t *testing.T) {
	_, p, addr := startParkerConfig(t, "netpoll", netloop.Config{WriteTimeout: 10 * time.Second})
	const n = 21
	conns, pks := sleepMany(t, p, addr, n)
	const bigSize = 8 << 20
	answer := netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		if string(r.Target) == "/wait?0" {
			w.Write(make([]byte, bigSize))
			return
		}
		w.WriteString("small:" + string(r.Target))
	})
	for _, pk := range pks {
		if err := pk.Resume(answer); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i, c := range conns[1:] {
		wg.Go(func() {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, body := readResponse(t, bufio.NewReader(c), "GET"); body != fmt.Sprintf("small:/wait?%d", i+1) {
				t.Errorf("connection %d: %q", i+1, body)
			}
		})
	}
	wg.Wait()
	conns[0].SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, body := readResponse(t, bufio.NewReader(conns[0]), "GET"); len(body) != bigSize {
		t.Errorf("the slow reader's answer: %d bytes, want %d", len(body), bigSize)
	}
}

// Many sleeping connections, resumed while their clients hang up: each
// parked request is either answered or told of its client's hang-up,
// never both or neither, and the counts come back to where they were.
func TestSleepingConnectionsResumeRacesHangup(t *testing.T) {
	srv, p, addr := startParker(t, "netpoll")
	base := netloop.Sleeping()
	const n = 200
	conns, pks := sleepMany(t, p, addr, n)
	var answered, hungUp atomic.Int32
	for _, pk := range pks {
		pk.OnHangup(func() { hungUp.Add(1) })
	}
	var wg sync.WaitGroup
	for i, c := range conns {
		if i%2 == 0 {
			wg.Go(func() { c.Close() })
		}
	}
	for _, pk := range pks {
		wg.Go(func() {
			if pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) { w.WriteString("ok") })) == nil {
				answered.Add(1)
			}
		})
	}
	wg.Wait()
	for i, c := range conns {
		if i%2 == 1 {
			c.Close()
		}
	}
	waitFor(t, "every connection to be forgotten", 10*time.Second, func() bool {
		return netloop.Sleeping() == base && srv.Conns() == 0
	})
	if a, h := answered.Load(), hungUp.Load(); a+h != n {
		t.Errorf("%d answered + %d hung up = %d, want %d", a, h, a+h, n)
	}
	if s := netloop.Sleeping(); s < 0 {
		t.Errorf("Sleeping is negative: %d", s)
	}
}

// The dorm's goroutine waits for its epoll set in Go's poller ("IO
// wait"), never in a blocking epoll_wait ("syscall"), which would hold
// its P until the runtime's monitor took it back: with GOMAXPROCS=1
// every other request would wait up to tens of milliseconds each time
// the dorm went back to its wait.
func TestDormWaitsInGoPoller(t *testing.T) {
	_, p, addr := startParker(t, "netpoll")
	sleepOne(t, p, addr)
	// The goroutine's state line, once it waits (it may still be
	// handing the connection on when the connection is counted asleep).
	state := ""
	waitFor(t, "the dorm's goroutine to wait", 5*time.Second, func() bool {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "netloop.(*dorm).watch") {
				state, _, _ = strings.Cut(g, "\n")
				return strings.Contains(state, "[IO wait") || strings.Contains(state, "[syscall")
			}
		}
		return false
	})
	if !strings.Contains(state, "[IO wait") {
		t.Fatalf("the dorm waits as %q, want in Go's poller (IO wait)", state)
	}
}
