//go:build (linux || darwin) && (amd64 || arm64)

package netloop

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// wholeEvents opens streams that answer "ok" to every blank-line-ended
// request and count the inputs that ended inside one. It runs each task
// on the poller, before the poller reads again, so that an input the
// poller left unfinished reaches the stream as it was read, as with a
// server's workers on one P (workers.handOff starts the task before the
// poller goes on). With a goroutine a task instead, the poller would
// often read the rest before the task started, and hide the cut.
type wholeEvents struct {
	mu     sync.Mutex
	inputs int // Input calls
	cut    int // Input calls whose bytes ended inside a request
}

func (e *wholeEvents) Open(c Conn) Stream { return &wholeStream{e: e, c: c} }

func (e *wholeEvents) handOff(f func()) { f() }

type wholeStream struct {
	e       *wholeEvents
	c       Conn
	pending []byte
}

func (s *wholeStream) Input(p []byte) {
	s.pending = append(s.pending, p...)
	answers := 0
	for {
		i := bytes.Index(s.pending, []byte("\r\n\r\n"))
		if i < 0 {
			break
		}
		s.pending = s.pending[i+4:]
		answers++
	}
	// Counted before the answers go, which the client waits for.
	s.e.mu.Lock()
	s.e.inputs++
	if len(s.pending) > 0 {
		s.e.cut++
	}
	s.e.mu.Unlock()
	for range answers {
		s.c.Send([]byte("ok\n"), time.Second)
	}
}

func (s *wholeStream) Hangup() {}

func (e *wholeEvents) counts() (inputs, cut int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.inputs, e.cut
}

// serveWhole serves wholeEvents on the netpoll transport.
func serveWhole(t *testing.T) (*wholeEvents, string) {
	t.Helper()
	tr, err := NewNetpollTransport()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ev := &wholeEvents{}
	done := make(chan error, 1)
	go func() { done <- tr.Serve(ln, ev) }()
	t.Cleanup(func() {
		tr.StopAccepting()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ev, ln.Addr().String()
}

// A request that the end of netpoll's buffer node cuts (its nodes hold
// 512 bytes) reaches the stream whole: the poller reads the rest before
// the input is handled, instead of leaving it in the socket until its
// next pass, after every other ready connection. Each request here is
// sent alone and answered before the next, so every input is one
// request, and 300 requests of 41 bytes cross a node's end 24 times.
func TestCutReadIsFinished(t *testing.T) {
	ev, addr := serveWhole(t)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	req := "GET /abc HTTP/1.1\r\nHost: example.test\r\n\r\n"
	if len(req) != 41 {
		t.Fatalf("request of %d bytes, want 41", len(req))
	}
	const n = 300
	for i := range n {
		if _, err := io.WriteString(c, req); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if line, err := br.ReadString('\n'); err != nil || line != "ok\n" {
			t.Fatalf("request %d: answer %q, %v", i, line, err)
		}
	}
	inputs, cut := ev.counts()
	crossings := n * len(req) / 512
	t.Logf("%d requests, %d inputs, %d ended inside a request, %d node ends crossed", n, inputs, cut, crossings)
	if cut > 0 || inputs != n {
		t.Errorf("%d of %d requests reached the stream cut at a node's end (%d crossed one), in %d inputs", cut, n, crossings, inputs)
	}
}

// A request longer than the room netpoll gives a read, then the end of
// input: the rest of the request and the end are both read, the request
// is answered, and the connection closes. (netpoll reads what is left
// at a hang-up itself; this guards the end of input met by readRest,
// at 512 bytes, and a rest longer than one more read, at 3,000.)
func TestCutReadThenEnd(t *testing.T) {
	for _, size := range []int{512, 513, 1000, 3000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			_, addr := serveWhole(t)
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			head := "GET /a HTTP/1.1\r\nHost: example.test\r\nX-Pad: "
			req := head + strings.Repeat("a", size-len(head)-4) + "\r\n\r\n"
			if _, err := io.WriteString(c, req); err != nil {
				t.Fatal(err)
			}
			c.(*net.TCPConn).CloseWrite()
			c.SetReadDeadline(time.Now().Add(10 * time.Second))
			got, err := io.ReadAll(c)
			if err != nil || string(got) != "ok\n" {
				t.Fatalf("read %q, %v; want the answer, then the end", got, err)
			}
		})
	}
}
