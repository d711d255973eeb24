//go:build (linux || darwin) && (amd64 || arm64)

package netloop

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cloudwego/netpoll"
)

func init() {
	// netpoll logs through a standard log.Logger; route its lines through
	// slog so they carry levels. Its routine complaints about connections
	// the peer already closed are debug noise; accept failures are not.
	netpoll.Configure(netpoll.Config{LoggerOutput: netpollLog{}})
}

type netpollLog struct{}

func (netpollLog) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	if i := strings.Index(msg, "NETPOLL: "); i >= 0 {
		msg = msg[i+len("NETPOLL: "):]
	}
	level := slog.LevelDebug
	if strings.Contains(msg, "accept") {
		level = slog.LevelWarn
	}
	slog.Default().Log(context.Background(), level, "netpoll: "+msg)
	return len(p), nil
}

// NetpollSupported reports whether NetpollTransport works on this
// platform.
const NetpollSupported = true

// NetpollTransport serves connections on cloudwego/netpoll's event loop:
// no goroutine exists per connection, input is read into netpoll's
// buffers and handed over without copying, and a goroutine from netpoll's
// pool runs only while a connection has input to handle.
type NetpollTransport struct {
	mu      sync.Mutex
	ln      *npListener // mu guards ln and stopped
	stopped bool
}

// NewNetpollTransport returns a transport on cloudwego/netpoll.
func NewNetpollTransport() (*NetpollTransport, error) { return &NetpollTransport{}, nil }

// Name implements Transport.
func (t *NetpollTransport) Name() string { return "netpoll" }

type streamKey struct{}

// Serve implements Transport.
func (t *NetpollTransport) Serve(ln net.Listener, ev Events) error {
	inner, err := netpoll.ConvertListener(ln)
	if err != nil {
		return err
	}
	npl := &npListener{Listener: inner}
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		npl.Close()
		return nil
	}
	t.ln = npl
	t.mu.Unlock()
	defer npl.Close()

	prepare := func(conn netpoll.Connection) context.Context {
		st := ev.Open(&npConn{conn: conn})
		if st == nil {
			conn.Close()
			return context.Background()
		}
		conn.AddCloseCallback(func(netpoll.Connection) error {
			st.Hangup()
			return nil
		})
		return context.WithValue(context.Background(), streamKey{}, st)
	}
	evl, err := netpoll.NewEventLoop(onNetpollRequest, netpoll.WithOnPrepare(prepare))
	if err != nil {
		return err
	}
	err = evl.Serve(npl)
	if npl.stopped.Load() {
		return nil
	}
	return err
}

func onNetpollRequest(ctx context.Context, conn netpoll.Connection) error {
	st, _ := ctx.Value(streamKey{}).(Stream)
	r := conn.Reader()
	if st == nil {
		r.Skip(r.Len())
		r.Release()
		return conn.Close()
	}
	p, err := r.Next(r.Len())
	if err != nil {
		return err
	}
	st.Input(p)
	return r.Release()
}

// StopAccepting implements Transport.
func (t *NetpollTransport) StopAccepting() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	if t.ln == nil {
		return nil
	}
	return t.ln.stop()
}

// npListener lets the transport stop accepting without netpoll closing
// the connections it already has, which EventLoop.Shutdown would do.
type npListener struct {
	netpoll.Listener
	stopped atomic.Bool
}

var errListenerClosed = errors.New("netloop: listener closed")

func (l *npListener) Accept() (net.Conn, error) {
	if l.stopped.Load() {
		return nil, errListenerClosed // netpoll detaches a listener whose error says "closed"
	}
	return l.Listener.Accept()
}

// stop marks the listener closed and wakes netpoll's poller on it: a
// listening socket shut down for reading reports a hang-up.
func (l *npListener) stop() error {
	l.stopped.Store(true)
	if err := syscall.Shutdown(l.Fd(), syscall.SHUT_RD); err != nil {
		// Not every kernel wakes pollers this way; a connection does.
		if c, err := net.DialTimeout(l.Addr().Network(), l.Addr().String(), time.Second); err == nil {
			c.Close()
		}
	}
	return nil
}

type npConn struct {
	conn netpoll.Connection
}

func (c *npConn) Write(p []byte) error {
	w := c.conn.Writer()
	// Malloc and copy: WriteBinary would keep a reference to large p.
	buf, err := w.Malloc(len(p))
	if err != nil {
		return err
	}
	copy(buf, p)
	return nil
}

func (c *npConn) Flush(timeout time.Duration) error {
	c.conn.SetWriteTimeout(timeout)
	return c.conn.Writer().Flush()
}

func (c *npConn) CloseWrite() error {
	fc, ok := c.conn.(interface{ Fd() int })
	if !ok {
		return errors.New("netloop: connection has no descriptor")
	}
	return syscall.Shutdown(fc.Fd(), syscall.SHUT_WR)
}

func (c *npConn) Close() error         { return c.conn.Close() }
func (c *npConn) RemoteAddr() net.Addr { return c.conn.RemoteAddr() }

var _ Transport = (*NetpollTransport)(nil)
