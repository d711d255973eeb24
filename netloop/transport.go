package netloop

import (
	"fmt"
	"net"
	"time"
)

// Transport accepts connections and moves bytes between them and the HTTP
// core. Implementations must call Stream.Input for one connection from one
// goroutine at a time.
type Transport interface {
	// Name identifies the transport ("netpoll", "std").
	Name() string
	// Serve accepts connections from ln, opening a Stream for each with
	// ev, until StopAccepting is called (then it returns nil) or ln fails.
	Serve(ln net.Listener, ev Events) error
	// StopAccepting makes Serve stop accepting and return. Connections
	// already accepted stay open.
	StopAccepting() error
}

// Events is how a Transport reports new connections. *Server implements it.
type Events interface {
	// Open returns the Stream that handles c, or nil when c must be
	// closed at once (the server is at its connection cap or draining).
	Open(c Conn) Stream
}

// Stream consumes one connection's input. *Server's streams are safe to
// Hangup concurrently with Input, and with a parked request's Resume.
type Stream interface {
	// Input handles bytes read from the connection. p is valid only
	// during the call and is consumed whole.
	Input(p []byte)
	// Hangup reports that the connection is closed, by either side. It is
	// called once, after the last Input.
	Hangup()
}

// Conn is the writing side of a connection, as a Stream sees it. Its
// methods are safe to call concurrently with the transport closing the
// connection: once the connection is closed they return an error and
// touch nothing that belonged to it.
type Conn interface {
	// Send writes p to the peer, waiting at most timeout for a client
	// that does not read. p is not retained after Send returns. A peer
	// that has shut down only its sending side (a half-close) still
	// receives what is sent.
	Send(p []byte, timeout time.Duration) error
	// CloseWrite shuts down the sending side (TCP half-close).
	CloseWrite() error
	// Close closes the connection; the transport then calls Hangup.
	Close() error
	// RemoteAddr returns the peer's address.
	RemoteAddr() net.Addr
}

// DefaultTransportName is the transport used when none is named:
// "netpoll" where NetpollSupported, else "std".
func DefaultTransportName() string {
	if NetpollSupported {
		return "netpoll"
	}
	return "std"
}

// NewTransport returns the transport called name ("netpoll" or "std");
// an empty name selects DefaultTransportName.
func NewTransport(name string) (Transport, error) {
	switch name {
	case "":
		return NewTransport(DefaultTransportName())
	case "netpoll":
		return NewNetpollTransport()
	case "std":
		return NewStdTransport(), nil
	}
	return nil, fmt.Errorf("netloop: unknown transport %q (want netpoll or std)", name)
}
