package netloop

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// memConn is a Conn that keeps what is sent to it.
type memConn struct {
	mu     sync.Mutex
	sent   []byte
	closed bool
}

func (c *memConn) Send(p []byte, _ time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, p...)
	return nil
}
func (c *memConn) CloseWrite() error    { return nil }
func (c *memConn) Close() error         { c.mu.Lock(); c.closed = true; c.mu.Unlock(); return nil }
func (c *memConn) RemoteAddr() net.Addr { return &net.TCPAddr{} }

// idleTransport serves nothing: the test opens its connections itself.
type idleTransport struct{}

func (idleTransport) Name() string                     { return "idle" }
func (idleTransport) Serve(net.Listener, Events) error { return nil }
func (idleTransport) StopAccepting() error             { return nil }

// A Resume that takes a parked request from its waiting state just as
// the client hangs up (the hang-up then finds the request no longer
// waiting and tells no one) returns ErrNotParked and runs the hang-up
// callback itself, once: both where Resume finds the session busy (the
// goroutine that holds it finishes the hang-up as it unlocks) and where
// it gets the session between that goroutine's unlock and its reap.
func TestResumeLosingToHangupTellsTheOwner(t *testing.T) {
	for _, tc := range []struct {
		name string
		held bool // Resume runs while the session is still held
	}{
		{"session held", true},
		{"session between unlock and reap", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parked := make(chan *Parked, 1)
			srv := NewServer(Config{}, HandlerFunc(func(w *Response, r *Request) { parked <- w.Park() }), idleTransport{})
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				srv.Shutdown(ctx)
			})
			st := srv.Open(&memConn{})
			st.Input([]byte("GET /wait HTTP/1.1\r\nHost: h\r\n\r\n"))
			var p *Parked
			select {
			case p = <-parked:
			case <-time.After(10 * time.Second):
				t.Fatal("no request was parked")
			}
			var hangups atomic.Int32
			p.OnHangup(func() { hangups.Add(1) })
			s := st.(*session)

			// Another goroutine holds the session when the client hangs
			// up: Hangup leaves the reap to it.
			s.mu.Lock()
			st.Hangup()
			if !tc.held {
				s.mu.Unlock() // the holder's unlock, before its reap
			}
			ran := false
			err := p.Resume(HandlerFunc(func(*Response, *Request) { ran = true }))
			if tc.held {
				s.unlock()
			} else {
				s.reap()
			}
			if err != ErrNotParked {
				t.Errorf("Resume = %v, want ErrNotParked", err)
			}
			if ran {
				t.Error("the resumed handler ran for a client that had gone")
			}
			if n := hangups.Load(); n != 1 {
				t.Errorf("hang-up callback ran %d times, want once", n)
			}
		})
	}
}
