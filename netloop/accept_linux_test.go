//go:build linux && (amd64 || arm64)

package netloop

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cloudwego/netpoll"
)

// socketFds returns how many of the process's descriptors refer to the
// socket with inode ino.
func socketFds(t *testing.T, ino uint64) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	want := fmt.Sprintf("socket:[%d]", ino)
	n := 0
	for _, e := range ents {
		if link, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil && link == want {
			n++
		}
	}
	return n
}

// acceptorListener returns the listener tr serves, once Serve has made it.
func acceptorListener(t *testing.T, tr *NetpollTransport) *npListener {
	t.Helper()
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if tr.ln == nil {
		t.Fatal("the transport has no listener")
	}
	return tr.ln
}

// dial opens n connections to addr.
func dial(t *testing.T, addr string, n int) []net.Conn {
	t.Helper()
	cs := make([]net.Conn, 0, n)
	t.Cleanup(func() {
		for _, c := range cs {
			c.Close()
		}
	})
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	return cs
}

// ask sends a request on each connection and returns which were
// answered "Hello, world"; a connection closed without an answer is not.
func ask(t *testing.T, cs []net.Conn) []bool {
	t.Helper()
	sent := make([]bool, len(cs))
	for i, c := range cs {
		c.SetDeadline(time.Now().Add(20 * time.Second))
		_, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		sent[i] = err == nil // else closed by the server
	}
	ok := make([]bool, len(cs))
	for i, c := range cs {
		if !sent[i] {
			continue
		}
		answered, err := answer(c)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		ok[i] = answered
	}
	return ok
}

// answer reads the answer to a request sent on c: true for "Hello,
// world", false when the server closed c instead, and an error when
// neither came before c's deadline or the answer was another.
func answer(c net.Conn) (bool, error) {
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			return false, fmt.Errorf("neither answered nor closed: %w", err)
		}
		return false, nil // closed
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "Hello, world" {
		return false, fmt.Errorf("answered %d %q", resp.StatusCode, body)
	}
	return true, nil
}

// dialBurst opens n connections to addr, all before any request, then
// sends a request on each and checks that every one is answered.
func dialBurst(t *testing.T, addr string, n int) {
	t.Helper()
	for i, ok := range ask(t, dial(t, addr, n)) {
		if !ok {
			t.Fatalf("connection %d of a burst of %d: closed without an answer", i, n)
		}
	}
}

// The netpoll transport's Accept takes every connection waiting (up to
// acceptBatch) and hands all but one to netpoll's server through the
// server's accept step: netpoll's poller alone would take one connection
// per pass of its poll loop, and under load a pass lasts long.
// Connections come in bursts while others keep the server busy; every
// one is served, some Accept took more than one, and once Serve returns
// no descriptor of the listening socket is left open.
func TestNetpollAcceptor(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f, err := ln.(*net.TCPListener).File()
	if err != nil {
		t.Fatal(err)
	}
	var st syscall.Stat_t
	err = syscall.Fstat(int(f.Fd()), &st)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if n := socketFds(t, st.Ino); n != 1 {
		t.Fatalf("before Serve: %d descriptors of the listening socket, want 1", n)
	}

	tr, err := NewNetpollTransport()
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(Config{}, HandlerFunc(func(w *Response, r *Request) { w.WriteString("Hello, world") }), tr)
	addr := ln.Addr().String()
	// A burst waiting in the queue when the server starts: its first
	// Accept finds all of it.
	first := dial(t, addr, 64)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	for i, ok := range ask(t, first) {
		if !ok {
			t.Fatalf("connection %d of the first burst: closed without an answer", i)
		}
	}
	l := acceptorListener(t, tr)
	if n := l.batched.Load(); n != 64 {
		t.Errorf("the first burst: %d connections went through the server's accept step, want all 64 (netpoll's layout changed? see serverOnRead)", n)
	}

	// Busy clients: each keeps a request in flight until stop.
	stop := make(chan struct{})
	var busy sync.WaitGroup
	var answers atomic.Int64
	for range 16 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		busy.Add(1)
		go func() {
			defer busy.Done()
			defer c.Close()
			br := bufio.NewReader(c)
			for {
				select {
				case <-stop:
					return
				default:
				}
				c.SetDeadline(time.Now().Add(20 * time.Second))
				if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
					t.Errorf("busy client: %v", err)
					return
				}
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Errorf("busy client: %v", err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				answers.Add(1)
			}
		}()
	}
	for range 3 {
		dialBurst(t, addr, 200)
	}
	close(stop)
	busy.Wait()
	if answers.Load() == 0 {
		t.Error("the busy clients got no answer")
	}

	// The caller's descriptor and the transport's duplicate.
	if n := socketFds(t, st.Ino); n != 2 {
		t.Errorf("while serving: %d descriptors of the listening socket, want 2", n)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	select {
	case err := <-done:
		if err != ErrServerClosed {
			t.Fatalf("Serve: %v, want ErrServerClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return 10 s after Shutdown")
	}
	if n := socketFds(t, st.Ino); n != 0 {
		t.Errorf("after Serve returned: %d descriptors of the listening socket left open", n)
	}
	if l.handed.Load() != nil {
		t.Error("a connection Accept took was never handed over")
	}
}

// Past MaxConns, the connections refused are the ones that came last:
// Accept hands a batch over in the order the connections came.
func TestNetpollAcceptOrder(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewNetpollTransport()
	if err != nil {
		t.Fatal(err)
	}
	const max = 8
	srv := NewServer(Config{MaxConns: max}, HandlerFunc(func(w *Response, r *Request) { w.WriteString("Hello, world") }), tr)
	cs := dial(t, ln.Addr().String(), 4*max)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		<-done
	}()
	for i, ok := range ask(t, cs) {
		if ok != (i < max) {
			t.Errorf("connection %d of %d with MaxConns %d: answered %v", i, len(cs), max, ok)
		}
	}
}

// serverOnRead finds the accept step of a running netpoll server, and
// nothing in an event loop that serves nothing yet.
func TestServerOnRead(t *testing.T) {
	evl, err := netpoll.NewEventLoop(func(context.Context, netpoll.Connection) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if serverOnRead(evl) != nil {
		t.Error("an event loop that serves nothing has an accept step")
	}
	ln, err := netpoll.CreateListener("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- evl.Serve(ln) }()
	var onRead func(netpoll.Poll) error
	for range 500 {
		if onRead = serverOnRead(evl); onRead != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if onRead == nil {
		t.Fatal("no accept step found in a serving event loop: netpoll's layout changed")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	evl.Shutdown(ctx)
	<-done
}

// Out of descriptors, the netpoll transport closes the connections it
// cannot take, logging a warning, and the standard transport leaves
// them queued until descriptors are free; with either, every client
// gets its answer or a closed connection, service goes on once
// descriptors are free, goroutines do not pile up, and the server still
// shuts down. A child process serves with a low open-file limit, so that
// the test's own connections do not count against it.
func TestOutOfDescriptors(t *testing.T) {
	if tr := os.Getenv("NETLOOP_FD_CHILD"); tr != "" {
		fdChild(tr)
		return
	}
	if _, err := os.ReadDir("/proc/self/fd"); err != nil {
		t.Skipf("no /proc/self/fd, which the child counts its descriptors in: %v", err)
	}
	for _, transport := range []string{"netpoll", "std"} {
		t.Run(transport, func(t *testing.T) { testOutOfDescriptors(t, transport) })
	}
}

func testOutOfDescriptors(t *testing.T, transport string) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestOutOfDescriptors$", "-test.v")
	cmd.Env = append(os.Environ(), "NETLOOP_FD_CHILD="+transport)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	out := bufio.NewScanner(stdout)
	child := func(prefix string) string {
		t.Helper()
		for out.Scan() {
			if line := out.Text(); strings.HasPrefix(line, prefix) {
				return strings.TrimPrefix(line, prefix)
			}
		}
		t.Fatalf("the child said no %q; its stderr:\n%s", prefix, stderr.String())
		return ""
	}
	addr := child("addr ")

	// Several times more connections than the child has descriptors
	// for, each closed once answered, which frees the child's.
	cs := dial(t, addr, 64)
	var answered, closed atomic.Int64
	var wg sync.WaitGroup
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
				closed.Add(1)
				return
			}
			switch ok, err := answer(c); {
			case err != nil:
				t.Errorf("connection %d: %v", i, err)
			case ok:
				answered.Add(1)
			default:
				closed.Add(1)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	switch transport {
	case "netpoll":
		if answered.Load() == 0 || closed.Load() == 0 {
			t.Fatalf("%d of %d connections answered and %d closed, want both (the child has about 16 descriptors to spare)", answered.Load(), len(cs), closed.Load())
		}
	default:
		if answered.Load() != int64(len(cs)) {
			t.Fatalf("%d of %d connections answered and %d closed, want every one answered once descriptors were free", answered.Load(), len(cs), closed.Load())
		}
	}
	// Descriptors free again: new connections are served, once the
	// child has seen the old ones close.
	deadline := time.Now().Add(10 * time.Second)
	for {
		ok := ask(t, dial(t, addr, 1))[0]
		if ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no connection served 10 s after the others closed")
		}
		time.Sleep(50 * time.Millisecond)
	}
	stdin.Close() // the child shuts its server down
	goroutines := child("goroutines ")
	done := make(chan error, 1)
	go func() {
		for out.Scan() { // the rest of its output, read before Wait as os/exec wants
		}
		done <- cmd.Wait()
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("child: %v; its stderr:\n%s", err, stderr.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the child's server did not shut down in 20 s; its stderr:\n%s", stderr.String())
	}
	if n, err := strconv.Atoi(goroutines); err != nil || n > 50 {
		t.Errorf("the child had %s goroutines after the flood, want few", goroutines)
	}
	if warned := strings.Contains(stderr.String(), "out of file descriptors"); warned != (transport == "netpoll") {
		t.Errorf("the child's warning about descriptors: %v, want %v; its stderr:\n%s", warned, transport == "netpoll", stderr.String())
	}
}

// fdChild serves hello on the named transport with the open-file limit
// lowered to 16 above what is open, until its stdin closes.
func fdChild(transport string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	tr, err := NewTransport(transport)
	if err != nil {
		panic(err)
	}
	srv := NewServer(Config{}, HandlerFunc(func(w *Response, r *Request) { w.WriteString("Hello, world") }), tr)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	// Serve is running once it answers.
	for {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err == nil {
			io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			io.Copy(io.Discard, c)
			c.Close()
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		panic(err)
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		panic(err)
	}
	lim.Cur = uint64(len(ents) + 16)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		panic(err)
	}
	fmt.Printf("addr %s\n", ln.Addr())
	io.Copy(io.Discard, os.Stdin)
	fmt.Printf("goroutines %d\n", runtime.NumGoroutine())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	if err := <-done; err != ErrServerClosed {
		panic(err)
	}
}
