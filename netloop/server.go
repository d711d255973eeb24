package netloop

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Server serves HTTP/1.1 over a Transport. Its methods are safe for
// concurrent use.
type Server struct {
	cfg     Config // immutable after NewServer
	h       Handler
	tr      Transport
	log     *slog.Logger
	wheel   *wheel
	workers *workers
	clock   *clock

	mu       sync.Mutex
	sessions map[*session]struct{} // mu guards sessions
	serving  bool                  // mu guards serving

	onShutdown []func() // mu guards onShutdown

	conns    atomic.Int64
	draining atomic.Bool
	refused  atomic.Int64
	carried  atomic.Int64 // tasks queued for resumed requests (park.go)
}

// NewServer returns a server that answers requests with h, reading and
// writing through tr. Zero fields of cfg take their defaults.
// A handler that implements Attacher is told of the server.
func NewServer(cfg Config, h Handler, tr Transport) *Server {
	srv := &Server{
		cfg:      cfg.withDefaults(),
		h:        h,
		tr:       tr,
		log:      logger,
		wheel:    newWheel(100 * time.Millisecond),
		workers:  newWorkers(),
		clock:    newClock(),
		sessions: make(map[*session]struct{}),
	}
	if a, ok := h.(Attacher); ok {
		a.Attach(srv)
	}
	return srv
}

// SetLogger sets the logger for connection-level errors. Call it before
// Serve.
func (srv *Server) SetLogger(l *slog.Logger) { srv.log = l }

// Config returns the server's effective configuration.
func (srv *Server) Config() Config { return srv.cfg }

// Transport returns the server's transport.
func (srv *Server) Transport() Transport { return srv.tr }

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("netloop: server closed")

// Serve accepts connections on ln until Shutdown. It returns
// ErrServerClosed after a shutdown, or the listener's error.
func (srv *Server) Serve(ln net.Listener) error {
	srv.mu.Lock()
	if srv.serving || srv.draining.Load() {
		srv.mu.Unlock()
		return errors.New("netloop: Serve called twice or after Shutdown")
	}
	srv.serving = true
	srv.mu.Unlock()
	go srv.wheel.run()
	err := srv.tr.Serve(ln, srv)
	if srv.draining.Load() {
		return ErrServerClosed
	}
	return err
}

// Open implements Events.
func (srv *Server) Open(c Conn) Stream {
	if srv.draining.Load() {
		srv.refused.Add(1)
		return nil
	}
	// Give the slot back on refusal whatever happens meanwhile: asking
	// draining again here would leak it if a shutdown began in between.
	if srv.conns.Add(1) > int64(srv.cfg.MaxConns) {
		srv.conns.Add(-1)
		srv.refused.Add(1)
		return nil
	}
	s := &session{srv: srv, c: c}
	srv.mu.Lock()
	srv.sessions[s] = struct{}{}
	srv.mu.Unlock()
	srv.wheel.schedule(s, srv.wheel.now()+int64(srv.cfg.HeaderTimeout))
	return s
}

func (srv *Server) forget(s *session) {
	srv.mu.Lock()
	if _, ok := srv.sessions[s]; ok {
		delete(srv.sessions, s)
		srv.conns.Add(-1)
	}
	srv.mu.Unlock()
	srv.wheel.forget(s)
}

// Conns returns the number of open connections.
func (srv *Server) Conns() int { return int(srv.conns.Load()) }

// Refused returns how many connections were closed at once because the
// server was at its cap or draining.
func (srv *Server) Refused() int64 { return srv.refused.Load() }

// RegisterOnShutdown registers f to run, in a goroutine of its own, when
// Shutdown starts: the place to answer parked requests, which Shutdown
// otherwise waits for like any request in progress.
func (srv *Server) RegisterOnShutdown(f func()) {
	srv.mu.Lock()
	srv.onShutdown = append(srv.onShutdown, f)
	srv.mu.Unlock()
}

// Shutdown stops accepting, closes idle connections, lets requests in
// progress (parked ones included) finish and then closes their
// connections. When ctx ends first, it closes the rest and returns ctx's
// error. Either way the server's goroutines (its workers, its clock and
// its timer wheel) end: by the time Shutdown returns nil, they have;
// after ctx ends, a worker still running a handler ends with it.
func (srv *Server) Shutdown(ctx context.Context) error {
	if srv.draining.Swap(true) {
		return errors.New("netloop: Shutdown called twice")
	}
	srv.tr.StopAccepting()
	srv.mu.Lock()
	for _, f := range srv.onShutdown {
		go f()
	}
	srv.mu.Unlock()
	defer srv.stopWheel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		open := 0
		for _, s := range srv.snapshot() {
			if !s.closeIfIdle() {
				open++
			}
		}
		if open == 0 {
			srv.clock.stop()
			srv.workers.stop()
			srv.workers.wait()
			return nil
		}
		select {
		case <-ctx.Done():
			for _, s := range srv.snapshot() {
				s.forceClose()
			}
			srv.clock.stop()
			srv.workers.stop()
			return ctx.Err()
		case <-tick.C:
		}
	}
}

func (srv *Server) stopWheel() {
	srv.mu.Lock()
	serving := srv.serving
	srv.mu.Unlock()
	if serving {
		srv.wheel.close()
	}
}

func (srv *Server) snapshot() []*session {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	list := make([]*session, 0, len(srv.sessions))
	for s := range srv.sessions {
		list = append(list, s)
	}
	return list
}
