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
	netpoll.Configure(netpoll.Config{
		// netpoll logs through a standard log.Logger; its lines go through
		// slog so that they carry levels.
		LoggerOutput: netpollLog{},
		// Each connection keeps an input and an output buffer node while
		// idle; 512-byte nodes (grown by doubling when a request needs
		// more) keep an idle connection near 6 KiB instead of 13 KiB.
		BufferSize: 512,
		// Input runs on our own workers; see runTask.
		Runner: runTask,
	})
	netpoll.LinkBufferCap = 512
}

// runTask runs a connection's input handling for netpoll. An idle worker,
// blocked on the unbuffered tasks channel, takes the task and is made the
// next goroutine to run, so it starts as soon as the poller yields, on a
// stack already grown by earlier requests. With no idle worker a new one
// starts, up to maxWorkers; past that the task gets a goroutine of its
// own. netpoll's default pool queues tasks for workers that, on a single
// P, wait for the poller's 10 ms preemption (p99 ≈ 15 ms under load);
// running inline on the poller would be faster still, but one slow plugin
// would stall every connection on that poller.
func runTask(_ context.Context, f func()) {
	select {
	case tasks <- f:
		return
	default:
	}
	if workers.Add(1) <= maxWorkers {
		go worker(f)
		return
	}
	workers.Add(-1)
	go f()
}

const maxWorkers = 256

var (
	tasks   = make(chan func())
	workers atomic.Int32
)

func worker(f func()) {
	for {
		f()
		f = <-tasks
	}
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
