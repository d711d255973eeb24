package netloop_test

import (
	"net"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/netloop"
)

// BenchmarkHello measures parsing a typical request and writing a small
// response, in memory, without sockets.
func BenchmarkHello(b *testing.B) {
	h := netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		w.AddHeader("Content-Type", "text/plain; charset=utf-8")
		w.WriteString("Hello, world")
	})
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
	st := srv.Open(discardConn{})
	req := []byte("GET / HTTP/1.1\r\nHost: 127.0.0.1:8888\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n")
	b.ReportAllocs()
	b.SetBytes(int64(len(req)))
	for b.Loop() {
		st.Input(req)
	}
}

// discardConn is a Conn that drops what is written, so that the benchmark
// measures the core alone.
type discardConn struct{}

func (discardConn) Send([]byte, time.Duration) error { return nil }
func (discardConn) CloseWrite() error                { return nil }
func (discardConn) Close() error                     { return nil }
func (discardConn) RemoteAddr() net.Addr             { return benchAddr }

var benchAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}
