package netloop

import (
	"bytes"
	"net"
	"sync"
	"time"
)

// MemConn is a connection held in memory, for tests and for tools that
// drive a Server without sockets: each Feed is one read as a transport
// would deliver it, and Output returns what the server wrote. A MemConn is
// safe for concurrent use.
type MemConn struct {
	st Stream

	mu         sync.Mutex
	out        bytes.Buffer // mu guards out, writeClosed, closed
	writeClose bool
	closed     bool
}

// OpenMem opens an in-memory connection to srv, as if a transport had
// accepted it. It returns nil when the server refuses the connection.
// The server need not be serving.
func (srv *Server) OpenMem() *MemConn {
	m := &MemConn{}
	st := srv.Open(m)
	if st == nil {
		return nil
	}
	m.st = st
	return m
}

// Feed delivers p to the server as one read. Feeding a closed connection
// does nothing.
func (m *MemConn) Feed(p []byte) {
	m.mu.Lock()
	closed := m.closed
	m.mu.Unlock()
	if !closed {
		m.st.Input(p)
	}
}

// Output returns everything the server has flushed so far.
func (m *MemConn) Output() []byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	return bytes.Clone(m.out.Bytes())
}

// Closed reports whether the server closed the connection or shut down
// its sending side.
func (m *MemConn) Closed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.closed || m.writeClose
}

// Hangup closes the connection from the client's side.
func (m *MemConn) Hangup() { m.Close() }

// Send implements Conn.
func (m *MemConn) Send(p []byte, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed || m.writeClose {
		return net.ErrClosed
	}
	m.out.Write(p)
	return nil
}

// CloseWrite implements Conn.
func (m *MemConn) CloseWrite() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.writeClose = true
	return nil
}

// Close implements Conn.
func (m *MemConn) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.mu.Unlock()
	m.st.Hangup()
	return nil
}

// RemoteAddr implements Conn.
func (m *MemConn) RemoteAddr() net.Addr { return memAddr }

var memAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}

var _ Conn = (*MemConn)(nil)
