//go:build linux && (amd64 || arm64)

package netloop_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/netloop"
)

// These tests attack the connections that sleep in the dorm: a hostile
// or unlucky client, the server closing them, and descriptors reused
// while the dorm still has events of their former owners.

// startDormServer starts a parker on netpoll like startParkerConfig, on a
// listener whose accepted sockets get a send buffer of sndbuf bytes
// (when positive), so that an answer of a few hundred KiB fills the
// socket of a client that does not read. It returns the server, the
// parker and the address.
func startDormServer(t *testing.T, cfg netloop.Config, sndbuf int) (*netloop.Server, *parker, string) {
	t.Helper()
	p := &parker{parked: make(chan *netloop.Parked, 1024), release: make(chan struct{}), slow: make(chan struct{}, 16)}
	srv, addr := serveDorm(t, cfg, sndbuf, p)
	t.Cleanup(func() {
		select {
		case <-p.release:
		default:
			close(p.release)
		}
	})
	return srv, p, addr
}

// serveDorm serves h on netpoll as startDormServer describes.
func serveDorm(t *testing.T, cfg netloop.Config, sndbuf int, h netloop.Handler) (*netloop.Server, string) {
	t.Helper()
	tr, err := netloop.NewTransport("netpoll")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if sndbuf > 0 {
		rc, err := ln.(*net.TCPListener).SyscallConn()
		if err != nil {
			t.Fatal(err)
		}
		rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_SNDBUF, sndbuf)
		})
	}
	srv := netloop.NewServer(cfg, h, tr)
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return srv, ln.Addr().String()
}

// tagParker parks every request to /wait and hands it to the test with
// its target, so that a test can tell which connection it came from;
// other paths answer at once with "now:" and the target.
type tagParker struct{ parked chan tagged }

type tagged struct {
	target string
	pk     *netloop.Parked
}

func (p *tagParker) ServeHTTP(w *netloop.Response, r *netloop.Request) {
	if string(r.Path) == "/wait" {
		p.parked <- tagged{string(r.Target), w.Park()}
		return
	}
	w.WriteString("now:" + string(r.Target))
}

// dialSmall dials addr with a receive buffer of rcvbuf bytes, set before
// the connection is made so that the window it announces stays small.
func dialSmall(t *testing.T, addr string, rcvbuf int) net.Conn {
	t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, rcvbuf)
		})
	}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// dialT dials addr and closes the connection when the test ends.
func dialT(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// reset closes c with a RST instead of a FIN.
func reset(c net.Conn) {
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
}

// awaitSleeping waits until n connections sleep in the dorm.
func awaitSleeping(t *testing.T, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d connections to sleep", n), 10*time.Second, func() bool { return netloop.Sleeping() == n })
}

// parkAsleep dials, sends a long poll for target and waits until its
// connection sleeps (base+1 sleeping connections, counting the ones
// already asleep as base).
func parkAsleep(t *testing.T, p *parker, addr, target string, base int) (net.Conn, *netloop.Parked) {
	t.Helper()
	c := dialT(t, addr)
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", target)
	pk := nextParked(t, p)
	awaitSleeping(t, base+1)
	return c, pk
}

// connGoroutines counts the goroutines that serve a connection: a
// worker that handles a sleeping connection's input or a resumed
// request's task, a resumption left to a task, a blocked write. Idle
// workers and the dorm's watcher are not counted.
func connGoroutines() int {
	n := 0
	for _, g := range strings.Split(stacks(), "\n\n") {
		if strings.Contains(g, "netloop.(*npConn)") || strings.Contains(g, "netloop.(*session)") ||
			strings.Contains(g, "netloop.(*Parked)") {
			n++
		}
	}
	return n
}

// watchGauges samples Sleeping and srv.Conns until stop is called, which
// fails t if either was ever negative.
func watchGauges(t *testing.T, srv *netloop.Server) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var minSleeping, minConns atomic.Int64
	wg.Go(func() {
		for {
			if s := int64(netloop.Sleeping()); s < minSleeping.Load() {
				minSleeping.Store(s)
			}
			if c := int64(srv.Conns()); c < minConns.Load() {
				minConns.Store(c)
			}
			select {
			case <-done:
				return
			case <-time.After(time.Millisecond):
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
		if s, c := minSleeping.Load(), minConns.Load(); s < 0 || c < 0 {
			t.Errorf("a gauge went negative: Sleeping %d, Conns %d", s, c)
		}
	}
}

// A sleeping connection is closed by the server while its client sends
// more (a dorm event for it is in flight), and the next connection, which
// most likely gets its descriptor number, sleeps in turn. The stale events never read
// from or write to the new connection: each client gets the answers to
// its own requests, in order, and nothing else, round after round.
func TestDormStaleEventsNeverReachANewConnection(t *testing.T) {
	srv, p, addr := startDormServer(t, netloop.Config{}, 0)
	base := netloop.Sleeping()
	stop := watchGauges(t, srv)
	rounds := 150
	if testing.Short() {
		rounds = 30
	}
	for round := range rounds {
		a, pkA := parkAsleep(t, p, addr, fmt.Sprintf("/wait?a%d", round), base)
		var wg sync.WaitGroup
		wg.Go(func() {
			fmt.Fprintf(a, "GET /from-a-%d HTTP/1.1\r\nHost: x\r\n\r\n", round)
			if round%2 == 0 {
				reset(a)
			} else {
				a.Close()
			}
		})
		wg.Go(func() {
			if round%3 == 0 {
				pkA.Cancel()
			} else {
				pkA.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
					w.WriteString("for-a-" + string(r.Target))
				}))
			}
		})
		wg.Wait()
		waitFor(t, "A to be gone", 10*time.Second, func() bool { return srv.Conns() == 0 && netloop.Sleeping() == base })

		// B most likely gets A's descriptor number.
		b := dialT(t, addr)
		fmt.Fprintf(b, "GET /wait?b%d HTTP/1.1\r\nHost: x\r\n\r\n", round)
		pkB := nextParked(t, p)
		awaitSleeping(t, base+1)
		fmt.Fprintf(b, "GET /b-after-%d HTTP/1.1\r\nHost: x\r\n\r\n", round)
		if err := pkB.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
			w.WriteString("woken:" + string(r.Target))
		})); err != nil {
			t.Fatalf("round %d: resuming B: %v", round, err)
		}
		fmt.Fprintf(b, "GET /b-last-%d HTTP/1.1\r\nHost: x\r\n\r\n", round)
		b.SetReadDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(b)
		for _, want := range []string{
			fmt.Sprintf("woken:/wait?b%d", round),
			fmt.Sprintf("now:/b-after-%d", round),
			fmt.Sprintf("now:/b-last-%d", round),
		} {
			if _, body := readResponse(t, br, "GET"); body != want {
				t.Fatalf("round %d: B got %q, want %q", round, body, want)
			}
		}
		b.Close()
		waitFor(t, "B to be gone", 10*time.Second, func() bool { return srv.Conns() == 0 && netloop.Sleeping() == base })
	}
	stop()
}

// Many sleeping connections, and everything that can end a parked
// request happens to them at once: Resume, the client's close or reset,
// Cancel, Resume racing Cancel or the client, the idle timeout once
// answered, and Shutdown for the ones nobody answers. Each parked request
// is answered (Resume returns nil, and a client still there reads the
// answer) or told that it is gone (its hang-up callback runs, or Resume
// says ErrNotParked), never both; a client that hung up is always told
// of. The gauges never go negative and come back to their baseline, and
// no goroutine is left serving a connection.
func TestDormEverythingAtOnce(t *testing.T) {
	before := connGoroutines()
	p := &tagParker{parked: make(chan tagged, 1024)}
	srv, addr := serveDorm(t, netloop.Config{IdleTimeout: 200 * time.Millisecond}, 0, p)
	base := netloop.Sleeping()
	stop := watchGauges(t, srv)
	const n = 140
	conns := make([]net.Conn, n)
	for i := range conns {
		conns[i] = dialT(t, addr)
		fmt.Fprintf(conns[i], "GET /wait?%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
	}
	byTarget := map[string]*netloop.Parked{}
	for range n {
		tg := recv(t, p.parked, 10*time.Second, "a parked request")
		byTarget[tg.target] = tg.pk
	}
	awaitSleeping(t, base+n)
	hangups := make([]atomic.Int32, n)
	resumed := make([]error, n)
	resumeCalled := make([]bool, n)
	pks := make([]*netloop.Parked, n)
	for i := range pks {
		pks[i] = byTarget[fmt.Sprintf("/wait?%d", i)]
		pks[i].OnHangup(func() { hangups[i].Add(1) })
	}
	answer := netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) { w.WriteString("ok:" + string(r.Target)) })
	const kinds = 7
	var wg sync.WaitGroup
	read := make([]string, n)
	for i, c := range conns {
		pk := pks[i]
		resume := func() { resumed[i] = pk.Resume(answer) }
		switch i % kinds {
		case 0: // answered, read, then closed at the idle timeout
			resumeCalled[i] = true
			wg.Go(resume)
			wg.Go(func() {
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				b, _ := io.ReadAll(c)
				read[i] = string(b)
			})
		case 1:
			wg.Go(func() { c.Close() })
		case 2:
			wg.Go(func() { reset(c) })
		case 3:
			wg.Go(pk.Cancel)
		case 4:
			resumeCalled[i] = true
			wg.Go(resume)
			wg.Go(func() { reset(c) })
		case 5:
			resumeCalled[i] = true
			wg.Go(resume)
			wg.Go(pk.Cancel)
		case 6: // nobody answers: Shutdown closes it
		}
	}
	wg.Go(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		srv.Shutdown(ctx)
	})
	wg.Wait()
	for _, c := range conns {
		c.Close()
	}
	waitFor(t, "every connection to be forgotten", 10*time.Second, func() bool {
		return netloop.Sleeping() == base && srv.Conns() == 0
	})
	stop()
	for i := range n {
		h := hangups[i].Load()
		answered := resumeCalled[i] && resumed[i] == nil
		switch {
		case h > 1:
			t.Errorf("request %d: hang-up callback ran %d times", i, h)
		case answered && h != 0:
			t.Errorf("request %d (kind %d): answered and hung up", i, i%kinds)
		case (i%kinds == 1 || i%kinds == 2 || i%kinds == 6) && h != 1:
			t.Errorf("request %d (kind %d): its client or the server hung up, but the callback ran %d times", i, i%kinds, h)
		case resumeCalled[i] && !answered && h == 0 && resumed[i] != netloop.ErrNotParked:
			t.Errorf("request %d (kind %d): Resume said %v and no hang-up came", i, i%kinds, resumed[i])
		}
		if i%kinds == 0 {
			want := fmt.Sprintf("ok:/wait?%d", i)
			if answered && !strings.HasSuffix(read[i], "\r\n\r\n"+want) {
				t.Errorf("request %d: answered, but its client read %q", i, read[i])
			}
		}
	}
	waitFor(t, "the connections' goroutines to end", 10*time.Second, func() bool { return connGoroutines() <= before })
}

// A client that sends megabytes behind its parked request while its
// connection sleeps gets 431 and a closed connection, as it would
// awake; its parked request's owner is told it is gone.
func TestDormHugeInputWhileAsleep(t *testing.T) {
	srv, p, addr := startDormServer(t, netloop.Config{}, 0)
	base := netloop.Sleeping()
	c, pk := parkAsleep(t, p, addr, "/wait", base)
	gone := make(chan struct{})
	pk.OnHangup(func() { close(gone) })
	flood := []byte("GET /" + strings.Repeat("x", 1<<20))
	var got []byte
	var wg sync.WaitGroup
	wg.Go(func() {
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		for range 8 {
			if _, err := c.Write(flood); err != nil {
				return // the server closed: expected
			}
		}
	})
	got = expectEOF(t, c, 10*time.Second)
	wg.Wait()
	if !strings.HasPrefix(string(got), "HTTP/1.1 431 ") {
		t.Fatalf("a flood behind a sleeping parked request got %.80q, want a 431", got)
	}
	recv(t, gone, 10*time.Second, "the parked request's hang-up")
	if err := pk.Resume(netloop.HandlerFunc(func(*netloop.Response, *netloop.Request) {})); err != netloop.ErrNotParked {
		t.Errorf("Resume after the 431: %v, want ErrNotParked", err)
	}
	waitFor(t, "the connection to be forgotten", 10*time.Second, func() bool {
		return netloop.Sleeping() == base && srv.Conns() == 0
	})
}

// A head trickled into a sleeping connection, after its long poll was
// answered, meets the header timeout as it would awake: 408, then the
// connection closes. A head trickled in while the request is still
// parked waits for the answer and is then served.
func TestDormSlowlorisWhileAsleep(t *testing.T) {
	srv, p, addr := startDormServer(t, netloop.Config{HeaderTimeout: 300 * time.Millisecond}, 0)
	base := netloop.Sleeping()

	c, pk := parkAsleep(t, p, addr, "/wait", base)
	br := bufio.NewReader(c)
	for _, part := range []string{"GET /tr", "ickled HTTP/1.1\r\n", "Host: x\r\n", "\r\n"} {
		io.WriteString(c, part)
		time.Sleep(10 * time.Millisecond) // pieces, not a timing assertion
	}
	if err := pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) { w.WriteString("first") })); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"first", "now:/trickled"} {
		if _, body := readResponse(t, br, "GET"); body != want {
			t.Fatalf("got %q, want %q", body, want)
		}
	}

	// Now a head that never ends.
	io.WriteString(c, "GET /never HTTP/1.1\r\nHost: x\r\n")
	resp, _ := readResponse(t, br, "GET")
	if resp.StatusCode != 408 {
		t.Fatalf("an unfinished head on a sleeping connection got %d, want 408", resp.StatusCode)
	}
	expectEOF(t, c, 10*time.Second)
	waitFor(t, "the connection to be forgotten", 10*time.Second, func() bool {
		return netloop.Sleeping() == base && srv.Conns() == 0
	})
}

// bigAnswer is the size of an answer that does not fit in the socket
// buffers of startDormServer's sockets (sndbuf 4 KiB) and a client
// dialled with dialSmall (rcvbuf 4 KiB).
const bigAnswer = 1 << 20

func writeBig(w *netloop.Response, r *netloop.Request) {
	w.SetContentLength(bigAnswer)
	w.Write([]byte(strings.Repeat("y", bigAnswer)))
}

// Input that arrives while a sleeping connection's large answer is still
// being written is served after it, in order; so is input sent by a
// client that waits for nothing.
func TestDormInputWhileAnswerIsWritten(t *testing.T) {
	_, p, addr := startDormServer(t, netloop.Config{}, 4<<10)
	base := netloop.Sleeping()
	c := dialSmall(t, addr, 4<<10)
	io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
	pk := nextParked(t, p)
	awaitSleeping(t, base+1)
	if err := pk.Resume(netloop.HandlerFunc(writeBig)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	// Read a little of the answer, so that its write is under way, then
	// send more requests.
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := br.Peek(1000); err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET /second HTTP/1.1\r\nHost: x\r\n\r\nGET /third HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := readResponse(t, br, "GET"); len(body) != bigAnswer {
		t.Fatalf("the large answer: %d bytes, want %d", len(body), bigAnswer)
	}
	for _, want := range []string{"now:/second", "now:/third"} {
		if _, body := readResponse(t, br, "GET"); body != want {
			t.Fatalf("got %q, want %q", body, want)
		}
	}
}

// A client that half-closes or resets while its request is parked, or
// while the answer to it is being written, ends its connection: the
// parked request is told once, what the client read is a prefix of the
// answer, and the gauges come back.
func TestDormHalfCloseAndReset(t *testing.T) {
	srv, p, addr := startDormServer(t, netloop.Config{}, 4<<10)
	base := netloop.Sleeping()
	for _, how := range []string{"half-close", "reset"} {
		t.Run(how+"/parked", func(t *testing.T) {
			c, pk := parkAsleep(t, p, addr, "/wait", base)
			var hangups atomic.Int32
			gone := make(chan struct{})
			pk.OnHangup(func() {
				if hangups.Add(1) == 1 {
					close(gone)
				}
			})
			if how == "reset" {
				reset(c)
			} else {
				c.(*net.TCPConn).CloseWrite()
			}
			recv(t, gone, 10*time.Second, "the hang-up")
			waitFor(t, "the connection to be forgotten", 10*time.Second, func() bool {
				return netloop.Sleeping() == base && srv.Conns() == 0
			})
			if n := hangups.Load(); n != 1 {
				t.Errorf("hang-up callback ran %d times", n)
			}
		})
		t.Run(how+"/writing", func(t *testing.T) {
			c := dialSmall(t, addr, 4<<10)
			io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
			pk := nextParked(t, p)
			awaitSleeping(t, base+1)
			if err := pk.Resume(netloop.HandlerFunc(writeBig)); err != nil {
				t.Fatal(err)
			}
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			head := make([]byte, 1000)
			if _, err := io.ReadFull(c, head); err != nil {
				t.Fatal(err)
			}
			if how == "reset" {
				reset(c)
			} else {
				c.(*net.TCPConn).CloseWrite()
				rest, _ := io.ReadAll(c)
				got := string(head) + string(rest)
				_, body, ok := strings.Cut(got, "\r\n\r\n")
				if !strings.HasPrefix(got, "HTTP/1.1 200 ") || !ok || strings.Trim(body, "y") != "" {
					t.Errorf("a half-closed client read %.100q..., not a prefix of its answer", got)
				}
			}
			waitFor(t, "the connection to be forgotten", 10*time.Second, func() bool {
				return netloop.Sleeping() == base && srv.Conns() == 0
			})
		})
	}
}

// A sleeping connection whose client never reads its large answer is
// closed at the write timeout; meanwhile the other sleeping connections
// are answered, and go on serving requests.
func TestDormNonReaderMeetsWriteTimeout(t *testing.T) {
	srv, p, addr := startDormServer(t, netloop.Config{WriteTimeout: time.Second}, 4<<10)
	base := netloop.Sleeping()
	slow := dialSmall(t, addr, 4<<10)
	io.WriteString(slow, "GET /wait?slow HTTP/1.1\r\nHost: x\r\n\r\n")
	pkSlow := nextParked(t, p)
	const n = 20
	others := make([]net.Conn, n)
	pks := make([]*netloop.Parked, n)
	for i := range others {
		others[i], pks[i] = parkAsleep(t, p, addr, fmt.Sprintf("/wait?%d", i), base+1+i)
	}
	awaitSleeping(t, base+n+1)
	if err := pkSlow.Resume(netloop.HandlerFunc(writeBig)); err != nil {
		t.Fatal(err)
	}
	for i, c := range others {
		if err := pks[i].Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
			w.WriteString("small:" + string(r.Target))
		})); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		if _, body := readResponse(t, br, "GET"); body != fmt.Sprintf("small:/wait?%d", i) {
			t.Fatalf("connection %d: %q", i, body)
		}
		fmt.Fprintf(c, "GET /next%d HTTP/1.1\r\nHost: x\r\n\r\n", i)
		if _, body := readResponse(t, br, "GET"); body != fmt.Sprintf("now:/next%d", i) {
			t.Fatalf("connection %d: %q", i, body)
		}
	}
	// The slow client gives up waiting; what it finds is part of its
	// answer and then the end of the connection.
	waitFor(t, "the slow connection to be closed", 20*time.Second, func() bool { return srv.Conns() == n })
	got := expectEOF(t, slow, 10*time.Second)
	if len(got) >= bigAnswer {
		t.Errorf("the slow client got %d bytes, more than its answer's body (the write should have timed out)", len(got))
	}
}

// A connection that parks, is answered and then serves thousands of
// requests, pipelined in batches of varying size, does so through the
// dorm: every answer comes, in order.
func TestDormBusyKeepAlive(t *testing.T) {
	_, p, addr := startDormServer(t, netloop.Config{}, 0)
	base := netloop.Sleeping()
	c, pk := parkAsleep(t, p, addr, "/wait", base)
	if err := pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) { w.WriteString("woken") })); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	c.SetDeadline(time.Now().Add(60 * time.Second))
	if _, body := readResponse(t, br, "GET"); body != "woken" {
		t.Fatalf("got %q", body)
	}
	total := 3000
	if testing.Short() {
		total = 500
	}
	rng := rand.New(rand.NewPCG(1, 2))
	sent := 0
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	wg.Go(func() {
		for sent < total {
			k := min(1+rng.IntN(40), total-sent)
			var b strings.Builder
			for j := range k {
				fmt.Fprintf(&b, "GET /r%d HTTP/1.1\r\nHost: x\r\n\r\n", sent+j)
			}
			if _, err := io.WriteString(c, b.String()); err != nil {
				errs <- err
				return
			}
			sent += k
		}
	})
	for i := range total {
		resp, body := readResponse(t, br, "GET")
		if want := "now:/r" + strconv.Itoa(i); body != want || resp.StatusCode != 200 {
			t.Fatalf("answer %d: %d %q, want %q", i, resp.StatusCode, body, want)
		}
	}
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	if s := netloop.Sleeping(); s != base+1 {
		t.Errorf("Sleeping %d, want %d: the busy connection should have stayed in the dorm", s, base+1)
	}
}

// Shutdown with sleeping connections: those idle after their answer are
// closed at once; parked ones are answered by the shutdown hook (and
// then closed), and when the hook leaves some unanswered, the deadline
// closes them and tells their owners.
func TestDormShutdown(t *testing.T) {
	for _, answer := range []bool{true, false} {
		t.Run(fmt.Sprintf("answered=%v", answer), func(t *testing.T) {
			srv, p, addr := startDormServer(t, netloop.Config{}, 0)
			base := netloop.Sleeping()
			const n = 10
			idle := make([]net.Conn, n)
			for i := range idle {
				c, pk := parkAsleep(t, p, addr, "/wait", base+i)
				if err := pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) { w.WriteString("done") })); err != nil {
					t.Fatal(err)
				}
				if _, body := readResponse(t, bufio.NewReader(c), "GET"); body != "done" {
					t.Fatalf("got %q", body)
				}
				idle[i] = c
			}
			parked := make([]net.Conn, n)
			pks := make([]*netloop.Parked, n)
			var hangups atomic.Int32
			for i := range parked {
				parked[i], pks[i] = parkAsleep(t, p, addr, "/wait", base+n+i)
				pks[i].OnHangup(func() { hangups.Add(1) })
			}
			if answer {
				srv.RegisterOnShutdown(func() {
					for _, pk := range pks {
						pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) { w.WriteString("bye") }))
					}
				})
			}
			// The clients read until the server closes, and then close:
			// an answered one is told Connection: close and lingers until
			// its client does.
			got := make([]string, n)
			var wg sync.WaitGroup
			for i, c := range parked {
				wg.Go(func() {
					c.SetReadDeadline(time.Now().Add(10 * time.Second))
					b, _ := io.ReadAll(c)
					got[i] = string(b)
					c.Close()
				})
			}
			timeout := 500 * time.Millisecond
			if answer {
				timeout = 10 * time.Second
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			err := srv.Shutdown(ctx)
			if answer && err != nil {
				t.Fatalf("Shutdown: %v", err)
			}
			if !answer && err == nil {
				t.Fatal("Shutdown returned nil with requests still parked")
			}
			wg.Wait()
			for i, c := range idle {
				if got := expectEOF(t, c, 10*time.Second); len(got) != 0 {
					t.Errorf("idle connection %d got %q", i, got)
				}
			}
			for i, got := range got {
				if answer && (!strings.HasSuffix(got, "\r\n\r\nbye") || !strings.Contains(got, "Connection: close")) {
					t.Errorf("parked connection %d got %q, want its answer with Connection: close", i, got)
				}
				if !answer && got != "" {
					t.Errorf("parked connection %d got %q", i, got)
				}
			}
			if h := hangups.Load(); answer && h != 0 || !answer && h != n {
				t.Errorf("%d hang-up callbacks, want %d", h, map[bool]int32{true: 0, false: n}[answer])
			}
			waitFor(t, "the dorm to be empty", 10*time.Second, func() bool {
				return netloop.Sleeping() == base && srv.Conns() == 0
			})
		})
	}
}

// Closing a connection does not wait for a write to a client that does
// not read: Shutdown's deadline (or Cancel) ends it at once, whether
// netpoll writes the answer (the connection is awake) or the connection
// sleeps and writes it to the socket itself. The write timeout is far
// off; Shutdown must return long before it.
func TestDormCloseDoesNotWaitForABlockedWrite(t *testing.T) {
	const writeTimeout = 20 * time.Second
	for _, asleep := range []bool{false, true} {
		t.Run(fmt.Sprintf("asleep=%v", asleep), func(t *testing.T) {
			srv, p, addr := startDormServer(t, netloop.Config{WriteTimeout: writeTimeout}, 4<<10)
			base := netloop.Sleeping()
			c := dialSmall(t, addr, 4<<10)
			if asleep {
				io.WriteString(c, "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
				pk := nextParked(t, p)
				awaitSleeping(t, base+1)
				if err := pk.Resume(netloop.HandlerFunc(writeBig)); err != nil {
					t.Fatal(err)
				}
			} else {
				io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
			}
			// Wait until the write is stuck: some of the answer arrived,
			// and the rest waits for the client.
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			if _, err := io.ReadFull(c, make([]byte, 100)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the write to block", 10*time.Second, func() bool { return strings.Contains(stacks(), "netloop.(*npConn).Send") })
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			srv.Shutdown(ctx)
			if d := time.Since(start); d > writeTimeout/4 {
				t.Fatalf("Shutdown took %v: closing the connection waited for its write", d)
			}
			expectEOF(t, c, writeTimeout/4)
			waitFor(t, "the connection to be forgotten", 10*time.Second, func() bool {
				return netloop.Sleeping() == base && srv.Conns() == 0
			})
		})
	}
}

// threads returns how many threads the process has.
func threads(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	t.Skip("no thread count in /proc/self/status")
	return 0
}

// A write to a sleeping connection whose client does not read waits
// without an OS thread: many such clients must not make the process
// start a thread each (past 10,000 threads the Go runtime aborts the
// process), as netpoll's writes to awake connections do not.
func TestDormBlockedWritesHoldNoThreads(t *testing.T) {
	srv, p, addr := startDormServer(t, netloop.Config{WriteTimeout: 60 * time.Second}, 4<<10)
	base := netloop.Sleeping()
	const n = 80
	conns := make([]net.Conn, n)
	pks := make([]*netloop.Parked, n)
	for i := range conns {
		conns[i] = dialSmall(t, addr, 4<<10)
		io.WriteString(conns[i], "GET /wait HTTP/1.1\r\nHost: x\r\n\r\n")
		pks[i] = nextParked(t, p)
	}
	awaitSleeping(t, base+n)
	before := threads(t)
	for _, pk := range pks {
		if err := pk.Resume(netloop.HandlerFunc(writeBig)); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "every answer's write to block", 20*time.Second, func() bool {
		return strings.Count(stacks(), "netloop.(*npConn).sendDirect") == n
	})
	most := 0
	for range 10 { // each blocked write, if it holds a thread, does so again within 100 ms
		most = max(most, threads(t))
		time.Sleep(30 * time.Millisecond)
	}
	if grown := most - before; grown > n/2 {
		t.Errorf("%d writes blocked on clients that do not read took %d more threads", n, grown)
	}
	for _, c := range conns {
		c.Close()
	}
	waitFor(t, "the connections to be forgotten", 20*time.Second, func() bool {
		return netloop.Sleeping() == base && srv.Conns() == 0
	})
}

// A pipelined request that arrives just as its connection falls asleep
// (netpoll lets go of it while it may still be reading the socket) is
// neither lost nor split: many rounds, each with the second request
// sent right as the first one parks.
func TestDormPipelinedAsItFallsAsleep(t *testing.T) {
	srv, p, addr := startDormServer(t, netloop.Config{}, 0)
	rounds := 1000
	if testing.Short() {
		rounds = 200
	}
	const width = 8
	for round := 0; round < rounds; round += width {
		conns := make([]net.Conn, width)
		var wg sync.WaitGroup
		for k := range conns {
			c := dialT(t, addr)
			conns[k] = c
			fmt.Fprintf(c, "GET /wait?%d HTTP/1.1\r\nHost: x\r\n\r\n", round+k)
			wg.Go(func() {
				// Right as it parks: while the handler runs, or just after.
				time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
				fmt.Fprintf(c, "GET /then%d HTTP/1.1\r\nHost: x\r\n\r\n", round+k)
			})
		}
		wg.Wait()
		for range width {
			pk := nextParked(t, p)
			if err := pk.Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
				w.WriteString("woken:" + string(r.Target))
			})); err != nil {
				t.Fatal(err)
			}
		}
		for k, c := range conns {
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			br := bufio.NewReader(c)
			for _, want := range []string{fmt.Sprintf("woken:/wait?%d", round+k), fmt.Sprintf("now:/then%d", round+k)} {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("round %d: waiting for %q: %v (Sleeping %d, Conns %d)", round+k, want, err, netloop.Sleeping(), srv.Conns())
				}
				body, _ := io.ReadAll(resp.Body)
				if string(body) != want {
					t.Fatalf("round %d: got %q, want %q", round+k, body, want)
				}
			}
			c.Close()
		}
	}
	waitFor(t, "the connections to be forgotten", 10*time.Second, func() bool { return srv.Conns() == 0 })
}

// Sleeping connections whose clients flood them while their parked
// requests are resumed: whichever comes first, the answer or the 431,
// every connection ends (the flood is never a request), nothing is told
// twice, and the gauges come back.
func TestDormFloodRacesResume(t *testing.T) {
	srv, p, addr := startDormServer(t, netloop.Config{}, 0)
	base := netloop.Sleeping()
	stop := watchGauges(t, srv)
	const n = 40
	conns := make([]net.Conn, n)
	pks := make([]*netloop.Parked, n)
	hangups := make([]atomic.Int32, n)
	for i := range conns {
		conns[i], pks[i] = parkAsleep(t, p, addr, "/wait", base+i)
		pks[i].OnHangup(func() { hangups[i].Add(1) })
	}
	flood := []byte("GET /" + strings.Repeat("z", 256<<10))
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() {
			c.SetWriteDeadline(time.Now().Add(10 * time.Second))
			for range 4 {
				if _, err := c.Write(flood); err != nil {
					return
				}
			}
		})
		wg.Go(func() {
			pks[i].Resume(netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) { w.WriteString("ok") }))
		})
	}
	for i, c := range conns {
		got := string(expectEOF(t, c, 10*time.Second))
		if !strings.Contains(got, "HTTP/1.1 431 ") && !strings.Contains(got, "HTTP/1.1 414 ") {
			t.Errorf("connection %d: the flood was not refused: %.200q", i, got)
		}
	}
	wg.Wait()
	waitFor(t, "every connection to be forgotten", 10*time.Second, func() bool {
		return netloop.Sleeping() == base && srv.Conns() == 0
	})
	stop()
	for i := range hangups {
		if h := hangups[i].Load(); h > 1 {
			t.Errorf("request %d: hang-up callback ran %d times", i, h)
		}
	}
}
