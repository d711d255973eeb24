package netloop

import (
	"errors"
	"net"
	"sync"
	"time"
)

// StdTransport serves connections with the standard net package: one
// goroutine per connection, reading into a buffer of its own. It works
// on every platform Go supports.
type StdTransport struct {
	mu     sync.Mutex
	ln     net.Listener // mu guards ln and closed
	closed bool
}

// NewStdTransport returns a transport on the standard net package.
func NewStdTransport() *StdTransport { return &StdTransport{} }

// Name implements Transport.
func (t *StdTransport) Name() string { return "std" }

// Serve implements Transport.
func (t *StdTransport) Serve(ln net.Listener, ev Events) error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.ln = ln
	t.mu.Unlock()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			t.mu.Lock()
			closed := t.closed
			t.mu.Unlock()
			if closed {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				// Out of descriptors or similar: back off and retry.
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return err
		}
		delay = 0
		c := &stdConn{nc: nc}
		st := ev.Open(c)
		if st == nil {
			nc.Close()
			continue
		}
		go c.serve(st)
	}
}

func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// StopAccepting implements Transport.
func (t *StdTransport) StopAccepting() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.closed = true
	if t.ln != nil {
		return t.ln.Close()
	}
	return nil
}

type stdConn struct {
	nc net.Conn
}

func (c *stdConn) serve(st Stream) {
	defer st.Hangup()
	defer c.nc.Close()
	buf := make([]byte, 4<<10)
	for {
		n, err := c.nc.Read(buf)
		if n > 0 {
			st.Input(buf[:n])
		}
		if err != nil {
			return
		}
	}
}

func (c *stdConn) Send(p []byte, timeout time.Duration) error {
	c.nc.SetWriteDeadline(time.Now().Add(timeout))
	_, err := c.nc.Write(p)
	return err
}

func (c *stdConn) CloseWrite() error {
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.nc.Close()
}

func (c *stdConn) Close() error         { return c.nc.Close() }
func (c *stdConn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

var _ Transport = (*StdTransport)(nil)
