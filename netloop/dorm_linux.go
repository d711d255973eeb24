//go:build linux && (amd64 || arm64)

package netloop

import (
	"os"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// The dorm serves the connections that fell asleep (npConn.doze): a
// parked request's connection, which netpoll has let go of, so that a
// long poll holds none of netpoll's state (its buffers, its output
// "barrier", its poll operator: about 3 KB) while it waits. It is one
// epoll set for the process and one goroutine that reads it. The
// goroutine never blocks in epoll_wait: it asks with a zero timeout and,
// when nothing is ready, waits in Go's own poller for the set to become
// readable (an epoll set is itself pollable). A blocking epoll_wait
// would hold the thread's P until the runtime's monitor takes it back,
// up to tens of milliseconds when the monitor has backed off, and with
// GOMAXPROCS=1 every other request would wait that long.
// Each socket is watched once at a time (EPOLLONESHOT) for input, a
// hang-up or an error, which its stream's workers then read and handle
// (npConn.serve) before it is watched again. A connection stays in the
// dorm until it closes: a long poll's client mostly polls again, and
// each of its requests then costs one more epoll_ctl than on netpoll,
// rather than netpoll's state made anew.
type dorm struct {
	epfd int
	file *os.File        // epfd, registered with Go's poller; held so that it is never collected, which would close it
	rc   syscall.RawConn // file's, to wait for the set to be readable

	mu     sync.Mutex
	sleepy map[int32]*npConn // mu guards sleepy: the sleeping connections by descriptor
	gen    uint32            // mu guards gen: stamps each registration

	asleep atomic.Int64
	broken atomic.Bool // watch stopped: no connection may fall asleep
}

var (
	theDorm  atomic.Pointer[dorm]
	dormOnce sync.Once
)

// getDorm returns the process's dorm, starting it the first time; nil
// when epoll is unavailable (connections then never sleep).
func getDorm() *dorm {
	dormOnce.Do(func() {
		d, err := newDorm()
		if err != nil {
			logger.Error("netloop: no epoll set for sleeping connections; parked connections stay with netpoll", "err", err)
			return
		}
		theDorm.Store(d)
		go d.watch()
	})
	if d := theDorm.Load(); d != nil && !d.broken.Load() {
		return d
	}
	return nil
}

// newDorm makes the dorm's epoll set and registers it with Go's poller.
func newDorm() (*dorm, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	// os.NewFile registers a non-blocking descriptor with Go's poller.
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "netloop-dorm")
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, err
	}
	return &dorm{epfd: fd, file: f, rc: rc, sleepy: map[int32]*npConn{}}, nil
}

// currentDorm returns the dorm sleeping connections are in, if any.
func currentDorm() *dorm { return theDorm.Load() }

// Sleeping returns how many connections sleep in the dorm now: parked
// requests whose socket netpoll does not hold.
func Sleeping() int {
	if d := theDorm.Load(); d != nil {
		return int(d.asleep.Load())
	}
	return 0
}

// add watches c's socket; c.mu is held. It returns false when the
// socket cannot be watched (the caller then closes it).
func (d *dorm) add(c *npConn) bool {
	if d == nil {
		return false
	}
	d.mu.Lock()
	if d.broken.Load() {
		d.mu.Unlock()
		return false
	}
	d.gen++
	c.gen = d.gen
	d.sleepy[int32(c.fd)] = c
	d.mu.Unlock()
	ev := unix.EpollEvent{
		Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT,
		Fd:     int32(c.fd),
		Pad:    int32(c.gen),
	}
	if err := unix.EpollCtl(d.epfd, unix.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		d.mu.Lock()
		delete(d.sleepy, int32(c.fd))
		d.mu.Unlock()
		return false
	}
	d.asleep.Add(1)
	return true
}

// rearm watches c's socket again after serve; c.mu is held.
func (d *dorm) rearm(c *npConn) bool {
	if d == nil || d.broken.Load() {
		return false
	}
	ev := unix.EpollEvent{
		Events: unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT,
		Fd:     int32(c.fd),
		Pad:    int32(c.gen),
	}
	return unix.EpollCtl(d.epfd, unix.EPOLL_CTL_MOD, c.fd, &ev) == nil
}

// remove stops watching c's socket, before it is closed; c.mu is held.
func (d *dorm) remove(c *npConn) {
	if d == nil {
		return
	}
	if !d.broken.Load() {
		unix.EpollCtl(d.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
	}
	d.mu.Lock()
	if d.sleepy[int32(c.fd)] == c {
		delete(d.sleepy, int32(c.fd))
	}
	d.mu.Unlock()
	d.asleep.Add(-1)
}

// shut stops the dorm once it can no longer watch: no connection falls
// asleep from then on (it closes instead), and those asleep are closed,
// which tells their clients and the owners of their parked requests,
// rather than left unanswered.
func (d *dorm) shut() {
	d.mu.Lock()
	d.broken.Store(true)
	left := make([]*npConn, 0, len(d.sleepy))
	for _, c := range d.sleepy {
		left = append(left, c)
	}
	d.mu.Unlock()
	for _, c := range left {
		c.Close()
	}
}

// watch hands the connections whose socket has something to say to
// their stream's workers (npConn.serve).
func (d *dorm) watch() {
	events := make([]unix.EpollEvent, 256)
	for {
		var n int
		var werr error
		err := d.rc.Read(func(uintptr) bool {
			// Go's poller calls this again once the set is readable.
			n, werr = unix.EpollWait(d.epfd, events, 0)
			return n > 0 || werr != nil
		})
		if err == nil && werr != nil && werr != unix.EINTR {
			err = werr
		}
		if err != nil {
			// Not expected of a valid epoll set.
			logger.Error("netloop: watching sleeping connections failed; closing them", "err", err, "asleep", d.asleep.Load())
			d.shut()
			return
		}
		for _, ev := range events[:max(n, 0)] {
			d.mu.Lock()
			c := d.sleepy[ev.Fd]
			d.mu.Unlock()
			if c != nil {
				gen := uint32(ev.Pad)
				c.ns.run(func() { c.serve(gen) })
			}
		}
	}
}
