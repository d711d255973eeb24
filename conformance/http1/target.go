package http1

import (
	"bytes"
	"errors"
	"net"
	"os"
	"syscall"
	"time"
)

// NetTarget is a Target that talks to a server over a real network
// connection, for example a wasmweb server started on 127.0.0.1. It is safe
// for concurrent use.
//
// Over TCP the server may receive two writes in one read, so the split
// modes are best effort; set WriteGap to make separate reads more likely.
type NetTarget struct {
	// Network is the network passed to net.Dial; "tcp" when empty.
	Network string
	// Addr is the server's address, such as "127.0.0.1:8888".
	Addr string
	// Timeout bounds one whole exchange, from dialling to the server's
	// close; 5 seconds when zero. An exchange that times out reports
	// the connection as not closed.
	Timeout time.Duration
	// WriteGap is an optional pause between writes.
	WriteGap time.Duration
}

// Exchange dials the server, writes the chunks and reads until the server
// closes the connection or the timeout expires.
func (n NetTarget) Exchange(chunks [][]byte) ([]byte, bool, error) {
	network, timeout := n.Network, n.Timeout
	if network == "" {
		network = "tcp"
	}
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	conn, err := net.DialTimeout(network, n.Addr, timeout)
	if err != nil {
		return nil, false, err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, false, err
	}

	type result struct {
		out []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		var buf bytes.Buffer
		_, err := buf.ReadFrom(conn)
		done <- result{buf.Bytes(), err}
	}()

	for i, c := range chunks {
		if i > 0 && n.WriteGap > 0 {
			time.Sleep(n.WriteGap)
		}
		if _, err := conn.Write(c); err != nil {
			// The server has closed (or reset) the connection; what
			// it wrote before is still read below.
			break
		}
	}

	r := <-done
	switch {
	case r.err == nil:
		return r.out, true, nil
	case errors.Is(r.err, os.ErrDeadlineExceeded):
		return r.out, false, nil
	case errors.Is(r.err, syscall.ECONNRESET):
		// A reset after the server's close still ends the connection;
		// it is the server's job to close gracefully so no response is
		// lost, and Check will notice a lost one.
		return r.out, true, nil
	default:
		return r.out, false, r.err
	}
}
