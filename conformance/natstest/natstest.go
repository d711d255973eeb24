// Package natstest is a test kit: an embedded NATS JetStream server for
// tests of the NATS broker and of several wasmweb nodes sharing it, which
// the tests can stop and start again under running nodes. The broker
// that talks to it is host/internal/pubsub's.
package natstest

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is an embedded JetStream server that a test can stop and start
// again at the same address, as an operator restarts NATS under running
// nodes. It is safe for concurrent use.
//
// The address belongs to a listener the Server holds for the whole test.
// nats-server cannot be handed a listener (it opens its own from
// Options.Host and Port), and a port given up to restart the server on it
// can be taken meanwhile by any other process (go test ./... runs other
// packages' tests, which bind loopback ports all the time). So each start
// of nats-server listens on a port of the kernel's choosing, and the held
// listener forwards every connection to the server that is running;
// while none is, it closes the connections it accepts at once, and a
// client sees NATS down as it would at a refused connection.
type Server struct {
	t   testing.TB
	dir string
	ln  net.Listener

	mu    sync.Mutex
	ns    *server.Server        // mu guards ns (nil while stopped) and conns
	conns map[net.Conn]struct{} // both ends of every forwarded connection

	accepting sync.WaitGroup
}

// Start runs a JetStream server with its store in dir, at an address it
// keeps until the test ends, when it stops the server.
func Start(t testing.TB, dir string) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	s := &Server{t: t, dir: dir, ln: ln, conns: map[net.Conn]struct{}{}}
	s.accepting.Add(1)
	go s.accept()
	t.Cleanup(func() {
		s.Shutdown()
		ln.Close()
		s.accepting.Wait()
	})
	s.Restart()
	return s
}

// URL is the address clients connect to; it does not change when the
// server restarts.
func (s *Server) URL() string { return "nats://" + s.ln.Addr().String() }

// Shutdown stops nats-server and closes every connection to it. Clients
// see NATS go away until Restart.
func (s *Server) Shutdown() {
	s.mu.Lock()
	ns := s.ns
	s.ns = nil
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	if ns != nil {
		ns.Shutdown()
		ns.WaitForShutdown()
	}
}

// Restart starts nats-server again, on the same store; it is stopped
// first if it is running.
func (s *Server) Restart() {
	s.t.Helper()
	s.Shutdown()
	ns, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT,
		JetStream: true, StoreDir: s.dir, NoLog: true, NoSigs: true,
	})
	if err != nil {
		s.t.Fatalf("natstest: %v", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		s.t.Fatal("natstest: nats-server not ready for connections after 10 s")
	}
	s.mu.Lock()
	s.ns = ns
	s.mu.Unlock()
}

// accept forwards the held listener's connections until it is closed.
func (s *Server) accept() {
	defer s.accepting.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.forward(c)
	}
}

// forward joins c to the running server, or closes it when none runs.
func (s *Server) forward(c net.Conn) {
	s.mu.Lock()
	ns := s.ns
	s.mu.Unlock()
	if ns == nil {
		c.Close()
		return
	}
	b, err := net.DialTimeout("tcp", ns.Addr().String(), 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	s.mu.Lock()
	if s.ns != ns { // stopped while dialling
		s.mu.Unlock()
		c.Close()
		b.Close()
		return
	}
	s.conns[c], s.conns[b] = struct{}{}, struct{}{}
	s.mu.Unlock()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		io.Copy(dst, src)
		done <- struct{}{}
	}
	go pipe(b, c)
	go pipe(c, b)
	<-done // either side ending ends both
	c.Close()
	b.Close()
	<-done
	s.mu.Lock()
	delete(s.conns, c)
	delete(s.conns, b)
	s.mu.Unlock()
}
