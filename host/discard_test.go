package host_test

import (
	"net"
	"time"
)

type discard struct{}

func (discard) Send([]byte, time.Duration) error { return nil }
func (discard) CloseWrite() error                { return nil }
func (discard) Close() error                     { return nil }
func (discard) RemoteAddr() net.Addr             { return discardAddr }

var discardAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}
