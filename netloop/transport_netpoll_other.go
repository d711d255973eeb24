//go:build !((linux || darwin) && (amd64 || arm64))

package netloop

import (
	"errors"
	"net"
)

// NetpollSupported reports whether NetpollTransport works on this
// platform.
const NetpollSupported = false

// NetpollTransport is unavailable on this platform; use StdTransport.
type NetpollTransport struct{}

// NewNetpollTransport reports that netpoll is not supported here.
func NewNetpollTransport() (*NetpollTransport, error) {
	return nil, errors.New("netloop: the netpoll transport needs linux or darwin on amd64 or arm64; use the std transport")
}

// Name implements Transport.
func (t *NetpollTransport) Name() string { return "netpoll" }

// Serve implements Transport.
func (t *NetpollTransport) Serve(net.Listener, Events) error {
	return errors.New("netloop: netpoll transport not supported on this platform")
}

// StopAccepting implements Transport.
func (t *NetpollTransport) StopAccepting() error { return nil }

// Sleeping returns how many connections sleep outside netpoll: none on
// this platform.
func Sleeping() int { return 0 }
