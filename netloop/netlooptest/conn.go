// Package netlooptest drives a netloop server without sockets: Open
// gives a connection held in memory, which a test feeds with input as a
// transport would deliver it and whose output it reads back. It serves
// tests only, and is no Transport: the server it drives need not be
// serving.
package netlooptest

import (
	"bytes"
	"net"
	"sync"
	"time"

	"github.com/wasmweb/wasmweb/netloop"
)

// Conn is a connection held in memory: each Feed is one read as a
// transport would deliver it, and Output returns what the server wrote.
// A Conn is safe for concurrent use.
type Conn struct {
	st netloop.Stream

	mu         sync.Mutex
	out        bytes.Buffer // mu guards out, writeClose and closed
	writeClose bool
	closed     bool
}

// Open opens an in-memory connection to ev (a *netloop.Server), as if a
// transport had accepted it. It returns nil when the server refuses the
// connection. The server need not be serving.
func Open(ev netloop.Events) *Conn {
	c := &Conn{}
	st := ev.Open(c)
	if st == nil {
		return nil
	}
	c.st = st
	return c
}

// Feed delivers p to the server as one read. Feeding a closed connection
// does nothing.
func (c *Conn) Feed(p []byte) {
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if !closed {
		c.st.Input(p)
	}
}

// Output returns everything the server has sent so far.
func (c *Conn) Output() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.out.Bytes())
}

// Closed reports whether the server closed the connection or shut down
// its sending side.
func (c *Conn) Closed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed || c.writeClose
}

// Hangup closes the connection from the client's side.
func (c *Conn) Hangup() { c.Close() }

// Send implements netloop.Conn.
func (c *Conn) Send(p []byte, _ time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.writeClose {
		return net.ErrClosed
	}
	c.out.Write(p)
	return nil
}

// CloseWrite implements netloop.Conn.
func (c *Conn) CloseWrite() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writeClose = true
	return nil
}

// Close implements netloop.Conn: the server hears of it as a hang-up.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.st.Hangup()
	return nil
}

// RemoteAddr implements netloop.Conn.
func (c *Conn) RemoteAddr() net.Addr { return addr }

var addr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}

var _ netloop.Conn = (*Conn)(nil)
