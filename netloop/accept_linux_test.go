//go:build linux && (amd64 || arm64)

package netloop

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"
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

// The netpoll transport watches the listening socket through acceptors
// descriptors, so that each pass of netpoll's poll loop accepts up to
// that many connections rather than one; every connection is served
// whichever descriptor accepted it, and once Serve returns none of the
// descriptors is left open.
func TestNetpollAcceptors(t *testing.T) {
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
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()

	// A burst of connections, all open before any is answered.
	const conns = 4 * acceptors
	cs := make([]net.Conn, 0, conns)
	defer func() {
		for _, c := range cs {
			c.Close()
		}
	}()
	for range conns {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, c)
	}
	for i, c := range cs {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
	}
	for i, c := range cs {
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(body) != "Hello, world" {
			t.Fatalf("connection %d: %d %q", i, resp.StatusCode, body)
		}
	}
	// The answers came from the event loops, which start after every
	// acceptor's descriptor exists: the caller's, the transport's
	// duplicate, and acceptors-1 more.
	if n := socketFds(t, st.Ino); n != acceptors+1 {
		t.Errorf("while serving: %d descriptors of the listening socket, want %d", n, acceptors+1)
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
}
