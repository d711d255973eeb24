//go:build (linux || darwin) && (amd64 || arm64)

package netloop

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/cloudwego/netpoll"
	"github.com/wasmweb/wasmweb/internal/monotime"
)

// configureNetpoll sets netpoll's process-wide options, once, before the
// first event loop exists: netpoll reads them when it starts its pollers
// and makes its connections, so changing them later would race with it.
var configureNetpoll = sync.OnceFunc(func() {
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
})

// runTask runs a connection's tasks for netpoll on its server's workers
// (see workers), found in the context prepare made. The first is
// onNetpollConnect's, handed over by the poller that accepted the
// connection; every later one netpoll hands over on the poller that
// read the input, which is where the first of them limits that
// poller's batches (limitPollBatch), and where each reads the rest of
// an input that a read cut short (readRest) before the task starts:
// netpoll hands a task over only from the poller's read of the
// connection, with no other task of it running.
func runTask(ctx context.Context, f func()) {
	if ctx == nil { // netpoll's own uses, such as its mux package
		go f()
		return
	}
	if c, ok := ctx.Value(connKey{}).(*npStream); ok {
		if c.c.registered.Load() {
			if !c.polled {
				c.polled = true
				if nc := c.c.nc.Load(); nc != nil {
					limitPollBatch(*nc)
				}
			}
			c.c.reads.readRest()
		}
		c.run(f)
		return
	}
	go f()
}

// onNetpollConnect runs, as the connection's first task, once netpoll
// has registered a new connection with its poller. Until then Close
// must leave netpoll's connection alone: netpoll's Close frees the
// operator that the registration, on the accepting poller, may still
// be reading (Shutdown right after an accept did it). A Close that came
// before is finished here.
func onNetpollConnect(ctx context.Context, conn netpoll.Connection) context.Context {
	if ns, _ := ctx.Value(connKey{}).(*npStream); ns != nil {
		ns.c.registered.Store(true)
		if ns.c.closing.Load() {
			conn.Close()
		}
	}
	return ctx
}

type netpollLog struct{}

func (netpollLog) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	if i := strings.Index(msg, "NETPOLL: "); i >= 0 {
		msg = msg[i+len("NETPOLL: "):]
	}
	level := slog.LevelDebug
	// A failed accept is worth a warning, but not the one the listener
	// reports when it stops.
	if strings.Contains(msg, "accept") && !strings.Contains(msg, errListenerClosed.Error()) {
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

// NewNetpollTransport returns a transport on cloudwego/netpoll. The first
// call sets netpoll's options for the process; a program that uses
// netpoll for something else as well should make its transport first.
func NewNetpollTransport() (*NetpollTransport, error) {
	configureNetpoll()
	return &NetpollTransport{}, nil
}

// Name implements Transport.
func (t *NetpollTransport) Name() string { return "netpoll" }

type connKey struct{}

// handOffer is Events that run the connections' tasks themselves:
// handOff runs one for the poller that read its input (workers.handOff
// for *Server). Other Events get a goroutine a task.
type handOffer interface{ handOff(func()) }

func (srv *Server) handOff(f func()) { srv.workers.handOff(f) }

// npStream is what a netpoll connection's context holds: the stream
// that handles its input, and how to run that handling.
type npStream struct {
	st     Stream
	run    func(func())
	c      *npConn
	polled bool // runTask has limited the batches of the connection's poller; its poller alone reads and writes it
}

// Serve implements Transport.
func (t *NetpollTransport) Serve(ln net.Listener, ev Events) error {
	configureNetpoll() // for a transport made without NewNetpollTransport
	npl, err := newNPListener(ln)
	if err != nil {
		return err
	}
	t.mu.Lock()
	if t.stopped {
		t.mu.Unlock()
		npl.Close()
		return nil
	}
	t.ln = npl
	t.mu.Unlock()
	defer npl.Close()
	run := func(f func()) { go f() }
	if h, ok := ev.(handOffer); ok {
		run = h.handOff
	}

	prepare := func(conn netpoll.Connection) context.Context {
		c := &npConn{conn: conn, fd: -1, remote: conn.RemoteAddr()}
		c.nc.Store(&conn)
		if fc, ok := conn.(interface{ Fd() int }); ok {
			c.fd = fc.Fd()
		}
		st := ev.Open(c)
		if st == nil {
			conn.Close()
			return context.Background()
		}
		ns := &npStream{st: st, run: run, c: c}
		c.ns = ns
		c.watchReads(conn)
		// Close callbacks run newest first, so this one runs before the
		// one netpoll registered when it made the connection, which
		// closes the descriptor (unless the connection is falling
		// asleep) and frees the buffers.
		conn.AddCloseCallback(c.onClose)
		return context.WithValue(context.Background(), connKey{}, ns)
	}
	evl, err := netpoll.NewEventLoop(onNetpollRequest, netpoll.WithOnPrepare(prepare), netpoll.WithOnConnect(onNetpollConnect))
	if err != nil {
		return err
	}
	npl.mu.Lock()
	npl.evl = evl
	npl.mu.Unlock()
	err = evl.Serve(npl)
	stopped := npl.stopped.Load()
	if !stopped {
		npl.stop()
	}
	if stopped {
		return nil
	}
	return err
}

func onNetpollRequest(ctx context.Context, conn netpoll.Connection) error {
	ns, _ := ctx.Value(connKey{}).(*npStream)
	if ns == nil {
		r := conn.Reader()
		r.Skip(r.Len())
		r.Release()
		return conn.Close()
	}
	return ns.input(conn)
}

// input hands what netpoll read to the stream, on netpoll's task for the
// connection; then, when the stream waits for an answer with nothing
// else to do, the connection falls asleep.
func (ns *npStream) input(conn netpoll.Connection) error {
	r := conn.Reader()
	p, err := r.Next(r.Len())
	if err != nil {
		return err
	}
	ns.st.Input(p)
	if err := r.Release(); err != nil {
		return err
	}
	if r.Len() == 0 {
		if d, ok := ns.st.(drowser); ok && d.drowsy() {
			ns.c.doze(conn)
		}
	}
	return nil
}

// drowser is implemented by a Stream that can tell when its connection
// may sleep: a parked request, with no input or output pending.
type drowser interface{ drowsy() bool }

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

// npListener is the listening socket as netpoll polls it: a duplicate of
// the caller's listener's descriptor, which it owns and closes once.
// netpoll's own listener closes its descriptor twice (once by number,
// once through the *os.File it came from), and again each time Close is
// called: between two of those closes the number can be given to a file
// opened elsewhere in the process, which is then closed under its owner.
// npListener also lets the transport stop accepting without netpoll
// closing the connections it already has, which EventLoop.Shutdown would
// do.
//
// netpoll's server accepts one connection each time its poller reports
// the socket readable, once per pass of the poll loop, and a pass first
// serves every connection with input: with thousands of busy
// connections, new ones would wait seconds in the kernel's queue. So
// Accept, which the poller calls, takes up to acceptBatch connections
// and hands each to the server's own accept step (serverOnRead), which
// calls Accept again and makes the connection from what it returns, on
// the poller, as netpoll's own accept does.
type npListener struct {
	ln      net.Listener
	file    *os.File // the duplicate; closing it closes fd
	fd      int
	stopped atomic.Bool
	// handed is the connection Accept hands to the server's accept step,
	// which takes it from the Accept that step makes.
	handed atomic.Pointer[npAccepted]
	// batched counts the connections handed over that way.
	batched atomic.Int64

	mu sync.Mutex
	// mu guards the fields below.
	closed bool // fd is no longer ours
	// evl is the event loop that serves this listener, set before it
	// starts; the first Accept looks its accept step up (serverOnRead)
	// and keeps it in step, nil when it cannot be found.
	evl    netpoll.EventLoop
	looked bool
	step   func(netpoll.Poll) error
	// spare is a descriptor held in reserve (/dev/null), or -1: when the
	// process runs out of descriptors, Accept closes it to take a waiting
	// connection and close that too (shed).
	spare     int
	shedCount int64 // connections shed so far
	shedLog   int64 // when shed last logged, on the monotonic clock
}

// acceptBatch is the most connections Accept takes from the queue at a
// call: enough for a burst of thousands to be accepted in a few passes,
// few enough that accepting cannot hold the poller for long when
// connections come faster than it accepts them.
const acceptBatch = 1024

var errListenerClosed = errors.New("netloop: listener closed")

func newNPListener(ln net.Listener) (*npListener, error) {
	f, ok := ln.(interface{ File() (*os.File, error) })
	if !ok {
		return nil, fmt.Errorf("netloop: netpoll cannot serve a %T; use a TCP or Unix listener", ln)
	}
	file, err := f.File()
	if err != nil {
		return nil, err
	}
	l := &npListener{ln: ln, file: file, fd: int(file.Fd()), spare: openSpare()}
	if err := syscall.SetNonblock(l.fd, true); err != nil {
		file.Close()
		l.closeSpare()
		return nil, err
	}
	return l, nil
}

// Accept implements net.Listener for netpoll's server, whose poller
// calls it when the socket is readable. A nil connection and error mean
// there was none after all.
//
// It hands the connections it takes to the server's accept step one by
// one, in the order they came, and returns nil when the queue is empty
// or the batch is full: the step makes each connection from what the
// Accept it calls returns, handed.
func (l *npListener) Accept() (net.Conn, error) {
	if l.stopped.Load() {
		return nil, errListenerClosed // netpoll detaches a listener whose error says "closed"
	}
	if c := l.handed.Swap(nil); c != nil {
		return c, nil // the server's accept step, called below
	}
	step := l.acceptStep()
	for i := range acceptBatch {
		c, err := l.accept()
		if c == nil {
			if outOfDescriptors(err) && l.shed() {
				return nil, nil
			}
			if i > 0 {
				return nil, nil // none left, or a failure the next pass meets again
			}
			return nil, err // not a nil *npAccepted, which netpoll would take for a connection
		}
		if step == nil || !l.handed.CompareAndSwap(nil, c) {
			return c, nil // one a call (or another caller is handing one over)
		}
		step(nil) // netpoll's accept step does not use its poller
		if c := l.handed.Swap(nil); c != nil {
			syscall.Close(c.fd) // not taken: the listener stopped meanwhile
			return nil, errListenerClosed
		}
		l.batched.Add(1)
	}
	return nil, nil
}

// accept takes one connection from the socket's queue: nil and no error
// when the queue is empty.
func (l *npListener) accept() (*npAccepted, error) {
	fd, sa, err := syscall.Accept(l.fd)
	if err != nil {
		if err == syscall.EAGAIN || err == syscall.EWOULDBLOCK {
			return nil, nil
		}
		return nil, err
	}
	syscall.CloseOnExec(fd)
	if l.ln.Addr().Network() == "tcp" {
		syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	}
	return &npAccepted{fd: fd, local: l.ln.Addr(), remote: sockaddrAddr(sa)}, nil
}

// acceptStep returns the server's accept step, found at the first call:
// by then the server runs. nil means Accept takes one connection a call.
func (l *npListener) acceptStep() func(netpoll.Poll) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.looked && l.evl != nil {
		l.step = serverOnRead(l.evl)
		l.looked = true
	}
	return l.step
}

// shed closes the first connection waiting in the queue when the
// process is out of descriptors: it is accepted into the spare's
// descriptor and closed at once, so that its client learns at once
// instead of waiting, and the next Accept tries a real accept again, so
// a descriptor freed meanwhile serves the next connection. Without it
// the socket would stay readable with nothing taken, and netpoll's own
// answer to EMFILE (take the socket off its poller and retry on a
// goroutine) works once per listener: the second time the socket stays
// on the poller and each pass starts another retrying goroutine. shed
// reports false when it has no spare and cannot open one (the system's
// table is full, say); Accept then returns the error to netpoll.
func (l *npListener) shed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return false
	}
	if l.spare < 0 {
		// Lost to another opener last time, or never opened.
		if l.spare = openSpare(); l.spare < 0 {
			return false
		}
	}
	syscall.Close(l.spare)
	fd, _, err := syscall.Accept(l.fd)
	if err == nil {
		syscall.Close(fd)
		l.shedCount++
	}
	l.spare = openSpare()
	now := monotime.Now()
	if last := l.shedLog; last == 0 || now-last >= int64(shedLogEvery) {
		l.shedLog = now
		slog.Warn("netloop: out of file descriptors; closing new connections as they come", "addr", l.ln.Addr().String(), "closed", l.shedCount)
	}
	return true
}

// shedLogEvery is the least time between two of shed's warnings.
const shedLogEvery = 10 * time.Second

// outOfDescriptors reports whether err is an accept's failure for want
// of a descriptor, the process's or the system's.
func outOfDescriptors(err error) bool {
	return err == syscall.EMFILE || err == syscall.ENFILE
}

// openSpare opens the spare descriptor, or returns -1.
func openSpare() int {
	fd, err := syscall.Open(os.DevNull, syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return -1
	}
	return fd
}

// closeSpare closes the spare; l.mu is held, or l is not shared yet.
func (l *npListener) closeSpare() {
	if l.spare >= 0 {
		syscall.Close(l.spare)
		l.spare = -1
	}
}

// serverOnRead returns the accept step of the netpoll server that evl
// runs (the OnRead of the server's operator for its listener), or nil
// when netpoll's layout is not the one expected: an event loop holding
// its server in a field svr, under its embedded mutex, and a server
// holding an FDOperator in a field operator. netpoll has no way to hand
// it a connection accepted elsewhere that goes through the event loop's
// options (our prepare step, the connect task on the server's workers);
// its accept step is that way. The step takes a connection from the
// listener's Accept, so Accept puts it where its next call returns it.
func serverOnRead(evl netpoll.EventLoop) func(netpoll.Poll) error {
	v := reflect.ValueOf(evl)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	e := v.Elem()
	mf, ok1 := e.Type().FieldByName("Mutex")
	sf, ok2 := e.Type().FieldByName("svr")
	// Fields of the struct itself (one index), not promoted from an
	// embedded one, whose offsets count from elsewhere.
	if !ok1 || !ok2 || len(mf.Index) != 1 || len(sf.Index) != 1 || mf.Type != reflect.TypeFor[sync.Mutex]() ||
		sf.Type.Kind() != reflect.Pointer || sf.Type.Elem().Kind() != reflect.Struct {
		return nil
	}
	mu, svr := e.Field(mf.Index[0]), e.Field(sf.Index[0])
	f, ok := sf.Type.Elem().FieldByName("operator")
	if !ok || len(f.Index) != 1 || f.Type != reflect.TypeFor[netpoll.FDOperator]() {
		return nil
	}
	// Serve sets svr and starts the server under the mutex.
	m := (*sync.Mutex)(unsafe.Pointer(mu.UnsafeAddr()))
	m.Lock()
	p := svr.UnsafePointer()
	m.Unlock()
	if p == nil {
		return nil
	}
	return (*netpoll.FDOperator)(unsafe.Add(p, f.Offset)).OnRead
}

// Fd implements netpoll.Listener.
func (l *npListener) Fd() int { return l.fd }

// Addr implements net.Listener.
func (l *npListener) Addr() net.Addr { return l.ln.Addr() }

// Close closes the duplicate and the caller's listener, once, whoever
// calls it first (the transport or netpoll's server).
func (l *npListener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	l.closeSpare()
	l.file.Close()
	return l.ln.Close()
}

// stop marks the listener closed and wakes netpoll's poller on it: a
// listening socket shut down for reading reports a hang-up.
func (l *npListener) stop() error {
	l.stopped.Store(true)
	l.mu.Lock()
	var err error = syscall.EBADF
	if !l.closed {
		err = syscall.Shutdown(l.fd, syscall.SHUT_RD)
	}
	l.mu.Unlock()
	if err != nil {
		// Not every kernel wakes pollers this way; a connection does.
		if c, err := net.DialTimeout(l.Addr().Network(), l.Addr().String(), time.Second); err == nil {
			c.Close()
		}
	}
	return nil
}

// npAccepted hands an accepted socket to netpoll, which takes its
// descriptor and addresses and owns it from then on; its other methods
// are never called.
type npAccepted struct {
	net.Conn
	fd            int
	local, remote net.Addr
}

func (c *npAccepted) Fd() int              { return c.fd }
func (c *npAccepted) LocalAddr() net.Addr  { return c.local }
func (c *npAccepted) RemoteAddr() net.Addr { return c.remote }

func sockaddrAddr(sa syscall.Sockaddr) net.Addr {
	switch sa := sa.(type) {
	case *syscall.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(sa.Addr[:]).To16(), Port: sa.Port}
	case *syscall.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(sa.Addr[:]), Port: sa.Port}
	case *syscall.SockaddrUnix:
		return &net.UnixAddr{Net: "unix", Name: sa.Name}
	}
	return &net.TCPAddr{}
}

var (
	_ netpoll.Listener = (*npListener)(nil)
	_ netpoll.Conn     = (*npAccepted)(nil)
)

// npConn is a netpoll connection as a Stream writes to it.
//
// netpoll frees a connection's buffers and closes its descriptor in a
// close callback, which may run on any goroutine (the poller, netpoll's
// task, a closer) while a parked request is answered on another. mu
// serialises the two: every use of the buffers or the descriptor holds it
// and checks closed, and onClose, the close callback that runs before
// netpoll's own, takes it and sets closed. So nothing of the connection
// is touched once netpoll has let it go.
//
// A connection whose request is parked, with nothing else to read or
// write, falls asleep (doze): netpoll lets go of it, freeing its buffers
// and poll state but leaving the socket open, and the dorm watches the
// socket instead (dorm_linux.go). From then on its input is read by
// serve and its answers are written to the socket directly, until it
// closes. So tens of thousands of long polls hold no netpoll state while
// they wait.
type npConn struct {
	fd     int       // the socket, valid while !closed
	remote net.Addr  // the peer, kept here so that a resumed request need not reach into netpoll's connection for it
	ns     *npStream // what handles the connection's input and runs its tasks
	// nc is netpoll's connection for Close, which reads it without mu
	// (see there); nil once the connection sleeps, so that a sleeping
	// connection keeps nothing of netpoll's alive.
	nc atomic.Pointer[netpoll.Connection]

	mu     sync.Mutex
	conn   netpoll.Connection // mu guards conn, closed, sleep and gen; conn is nil while asleep
	closed bool               // netpoll is about to free the connection, or the socket is closed
	sleep  sleepState
	gen    uint32 // the dorm's stamp of this sleep, to tell its events from older ones

	closing    atomic.Bool
	registered atomic.Bool // netpoll has registered the connection with its poller (onNetpollConnect)

	reads readSteps // the poller's alone (readrest.go); cleared when the connection falls asleep
}

// sleepState is where a connection stands with netpoll.
type sleepState uint8

const (
	awake  sleepState = iota // netpoll serves it
	drowsy                   // netpoll lets go of it when its task ends (onClose)
	asleep                   // the dorm serves it; conn is nil
)

var errConnClosed = errors.New("netloop: connection closed")

// doze makes the connection fall asleep when netpoll's task for it, the
// caller, returns: netpoll then runs the close callbacks, where onClose
// hands the socket to the dorm, and leaves the socket open.
func (c *npConn) doze(conn netpoll.Connection) {
	d, ok := conn.(interface{ Detach() error })
	if !ok || getDorm() == nil || pollerStateOf(conn) == nil {
		return
	}
	c.mu.Lock()
	if c.closed || c.closing.Load() || c.sleep != awake || c.conn != conn {
		c.mu.Unlock()
		return
	}
	c.sleep = drowsy
	c.mu.Unlock()
	d.Detach()
}

// stopPoller waits until netpoll's poller is not handling an event of
// conn's socket, and keeps it from handling one again. netpoll's detach
// (run before onClose) takes the socket out of the poller's epoll set,
// but the poller may still hold an event it took before: it would then
// read input into conn's buffers after onClose took what they held, and
// netpoll's own close callback, which runs after onClose, waits for it
// (operator.Free) and then discards the buffers: the input would be
// lost, request bytes gone from the middle of a pipeline. netpoll says
// no other way when its poller is done with a connection, so this does
// what Free does first, on netpoll's state word for the socket: 2 while
// the poller handles an event, 1 while it may, 0 once it may not. doze
// lets no connection sleep when that word cannot be found
// (pollerStateOf), as after an upgrade of netpoll that moves it; the
// dorm tests then fail. The way out is a detach in netpoll that waits
// for its poller.
func stopPoller(conn netpoll.Connection) {
	state := pollerStateOf(conn)
	if state == nil {
		return
	}
	for !atomic.CompareAndSwapInt32(state, 1, 0) {
		if atomic.LoadInt32(state) == 0 {
			return
		}
		runtime.Gosched()
	}
}

// pollerStateOf returns the address of the state word of conn's
// netpoll operator (see stopPoller), or nil when conn is not the
// connection type whose layout pollerLayout found.
func pollerStateOf(conn netpoll.Connection) *int32 {
	op := operatorOf(conn)
	if op == nil {
		return nil
	}
	return (*int32)(unsafe.Add(unsafe.Pointer(op), pollerLayout(conn).state))
}

// operatorOf returns conn's netpoll operator, through which its poller
// reads and writes the socket, or nil when conn is not the connection
// type whose layout pollerLayout found.
func operatorOf(conn netpoll.Connection) *netpoll.FDOperator {
	l := pollerLayout(conn)
	if l.typ == nil || reflect.TypeOf(conn) != l.typ {
		return nil
	}
	return *(**netpoll.FDOperator)(unsafe.Add(reflect.ValueOf(conn).UnsafePointer(), l.op))
}

// operatorLayout is where netpoll's connection type keeps its
// *FDOperator (op) and where an FDOperator keeps its state word (state).
type operatorLayout struct {
	typ       reflect.Type // nil when not found
	op, state uintptr
}

// pollerLayout finds operatorLayout once, from the first connection.
var pollerLayout = func() func(netpoll.Connection) operatorLayout {
	var once sync.Once
	var l operatorLayout
	return func(conn netpoll.Connection) operatorLayout {
		once.Do(func() {
			t := reflect.TypeOf(conn)
			if t == nil || t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
				return
			}
			op, ok := t.Elem().FieldByName("operator")
			if !ok || op.Type != reflect.TypeFor[*netpoll.FDOperator]() || len(op.Index) != 1 {
				return
			}
			st, ok := reflect.TypeFor[netpoll.FDOperator]().FieldByName("state")
			if !ok || st.Type.Kind() != reflect.Int32 || len(st.Index) != 1 {
				return
			}
			l = operatorLayout{typ: t, op: op.Offset, state: st.Offset}
		})
		return l
	}
}()

// onClose is the close callback of the connection's netpoll connection;
// netpoll runs it once, when the connection closes, or when it lets go
// of it after doze.
func (c *npConn) onClose(conn netpoll.Connection) error {
	c.mu.Lock()
	if c.conn != conn || c.closed {
		c.mu.Unlock()
		return nil
	}
	if c.sleep == drowsy {
		// Before netloop takes the input netpoll read, or closes the
		// socket, whose number a new connection may then get while
		// netpoll's poller still reads by it.
		stopPoller(conn)
	}
	if c.sleep == drowsy && !c.closing.Load() {
		// Input netpoll read after the stream last looked goes to the
		// stream before the dorm watches for more, so it keeps its order.
		var rest []byte
		if r := conn.Reader(); r.Len() > 0 {
			if p, err := r.Next(r.Len()); err == nil {
				rest = append([]byte(nil), p...)
			}
		}
		if len(rest) > 0 {
			c.mu.Unlock()
			c.ns.st.Input(rest)
			c.mu.Lock()
		}
		if !c.closing.Load() {
			c.conn, c.sleep = nil, asleep
			c.nc.Store(nil)
			c.reads = readSteps{} // they hold netpoll's connection; the poller is done with it (stopPoller)
			if getDorm().add(c) {
				c.mu.Unlock()
				return nil
			}
		}
	}
	// The connection closes. netpoll leaves open the socket of one it was
	// asked to let go of.
	if c.sleep != awake {
		syscall.Close(c.fd)
	}
	c.closed, c.sleep = true, awake
	c.mu.Unlock()
	c.ns.st.Hangup()
	return nil
}

// serve reads what woke a sleeping connection (the dorm saw its socket
// readable, hung up or failed) and hands it to the stream, on the
// stream's workers. The connection then sleeps again, or closes at the
// end of its input. gen is the stamp of the dorm's event: an event of
// an earlier sleep, whose socket may be another's by now, reads nothing.
func (c *npConn) serve(gen uint32) {
	bp := dormBufs.Get().(*[]byte)
	defer dormBufs.Put(bp)
	buf := *bp
	for {
		c.mu.Lock()
		if c.closed || c.sleep != asleep || c.gen != gen {
			c.mu.Unlock()
			return
		}
		n, err := syscall.Read(c.fd, buf)
		c.mu.Unlock()
		switch {
		case n > 0:
			c.ns.st.Input(buf[:n])
			if n == len(buf) {
				continue // more may wait
			}
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
		default:
			// The end of the client's input (a hang-up, or a half-close,
			// which netpoll also takes for one), or a failed socket.
			c.Close()
			return
		}
		c.mu.Lock()
		if c.closed || c.sleep != asleep || c.gen != gen {
			c.mu.Unlock()
			return
		}
		if !currentDorm().rearm(c) {
			c.mu.Unlock()
			c.Close()
			return
		}
		c.mu.Unlock()
		return
	}
}

// dormBufs are the buffers sleeping connections' input is read into.
var dormBufs = sync.Pool{New: func() any {
	b := make([]byte, 16<<10)
	return &b
}}

func (c *npConn) Send(p []byte, timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.closing.Load() {
		return errConnClosed
	}
	if c.sleep != awake || !c.conn.IsActive() {
		// Asleep, or the poller saw the peer shut down its side:
		// netpoll writes no more, but requests already read are still
		// answered.
		return c.sendDirect(p, timeout)
	}
	w := c.conn.Writer()
	// Malloc and copy: WriteBinary would keep a reference to large p.
	buf, err := w.Malloc(len(p))
	if err != nil {
		return err
	}
	copy(buf, p)
	c.conn.SetWriteTimeout(timeout)
	err = w.Flush()
	if err != nil && w.MallocLen() == len(p) && !c.closing.Load() {
		// Refused before anything was sent: the peer's half-close was
		// seen between the check above and the flush.
		return c.sendDirect(p, timeout)
	}
	return err
}

// sendDirect writes p to the socket itself, for a connection netpoll no
// longer writes to. c.mu is held, so the descriptor is still this
// connection's.
//
// While the socket takes nothing it sleeps and tries again, rather than
// block in poll(2): a goroutine blocked in a system call holds an OS
// thread, so each client that does not read its answer would hold one
// (and at 10,000 threads the runtime aborts the process). The sleep
// grows from 1 ms to maxSendWait while nothing goes, and ends at the
// next step once Close is called, which waits for mu. (Waiting for
// EPOLLOUT through the dorm would spare the wakes, at the cost of a
// second kind of registration there.)
func (c *npConn) sendDirect(p []byte, timeout time.Duration) error {
	if c.fd < 0 {
		return errConnClosed
	}
	deadline := time.Now().Add(timeout)
	var wait time.Duration
	for len(p) > 0 {
		n, err := syscall.Write(c.fd, p)
		if n > 0 {
			p = p[n:]
			wait = 0
			continue
		}
		switch err {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
		default:
			return err
		}
		if c.closing.Load() {
			return errConnClosed
		}
		left := time.Until(deadline)
		if left <= 0 {
			return os.ErrDeadlineExceeded
		}
		wait = min(max(2*wait, time.Millisecond), maxSendWait, left)
		time.Sleep(wait)
	}
	return nil
}

// maxSendWait is the longest sleep of sendDirect between two tries.
const maxSendWait = 20 * time.Millisecond

// TrySend writes what the socket takes of p at once, past netpoll's
// buffers: between Sends they hold nothing, so nothing can overtake it.
// c.mu keeps the descriptor this connection's while it writes.
//
// The write goes through the scheduler's system-call state
// (syscall.Write), although on a non-blocking socket it never waits: a
// raw one spares the runtime's monitor thread its hand-offs of the P,
// but on a core shared with other work the wake then took longer
// (bench/RESULTS.md, long polls at 10,000–18,000 waiters).
func (c *npConn) TrySend(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.closing.Load() || c.fd < 0 {
		return 0, errConnClosed
	}
	for {
		n, err := syscall.Write(c.fd, p)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			return 0, nil
		case err != nil:
			return 0, err
		}
		return n, nil
	}
}

func (c *npConn) CloseWrite() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.fd < 0 {
		return errConnClosed
	}
	return syscall.Shutdown(c.fd, syscall.SHUT_WR)
}

func (c *npConn) Close() error {
	c.closing.Store(true)
	// Close netpoll's connection before waiting for mu: a Send holds mu
	// while netpoll's Flush waits for a client that does not read, up
	// to the write timeout, and only this wakes it. (A Send to a
	// sleeping connection sees closing instead.) Once netpoll has let go
	// of the connection this does nothing: netpoll never reuses it.
	// Before netpoll has registered it, onNetpollConnect closes it.
	if nc := c.nc.Load(); nc != nil && c.registered.Load() {
		(*nc).Close()
	}
	c.mu.Lock()
	switch {
	case c.closed:
		c.mu.Unlock()
		return nil
	case c.sleep == asleep:
		currentDorm().remove(c)
		err := syscall.Close(c.fd)
		c.closed, c.sleep = true, awake
		c.mu.Unlock()
		c.ns.st.Hangup()
		return err
	}
	// Awake: netpoll closes it, and onClose runs, now or when
	// netpoll's task for it ends. Drowsy: onClose, when netpoll lets
	// go, sees closing and closes it.
	c.mu.Unlock()
	return nil
}

func (c *npConn) RemoteAddr() net.Addr { return c.remote }

var _ Transport = (*NetpollTransport)(nil)
