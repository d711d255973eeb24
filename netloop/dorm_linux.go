//go:build linux && (amd64 || arm64)

package netloop

import (
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// The dorm serves the connections that fell asleep (npConn.doze): a
// parked request's connection, which netpoll has let go of, so that a
// long poll holds none of netpoll's state (its buffers, its output
// "barrier", its poll operator: about 3 KB) while it waits. It is one
// epoll set for the process and one goroutine blocked in epoll_wait.
// Each socket is watched once at a time (EPOLLONESHOT) for input, a
// hang-up or an error, which its stream's workers then read and handle
// (npConn.serve) before it is watched again. A connection stays in the
// dorm until it closes: a long poll's client mostly polls again, and
// each of its requests then costs one more epoll_ctl than on netpoll,
// rather than netpoll's state made anew.
type dorm struct {
	epfd int

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
		fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			return
		}
		d := &dorm{epfd: fd, sleepy: map[int32]*npConn{}}
		theDorm.Store(d)
		go d.watch()
	})
	if d := theDorm.Load(); d != nil && !d.broken.Load() {
		return d
	}
	return nil
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
	if d == nil {
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
	unix.EpollCtl(d.epfd, unix.EPOLL_CTL_DEL, c.fd, nil)
	d.mu.Lock()
	if d.sleepy[int32(c.fd)] == c {
		delete(d.sleepy, int32(c.fd))
	}
	d.mu.Unlock()
	d.asleep.Add(-1)
}

// watch hands the connections whose socket has something to say to
// their stream's workers (npConn.serve).
func (d *dorm) watch() {
	events := make([]unix.EpollEvent, 256)
	for {
		n, err := unix.EpollWait(d.epfd, events, -1)
		if err != nil {
			if err == unix.EINTR {
				continue
			}
			// Not expected of a valid epoll set.
			logger.Error("netloop: watching sleeping connections failed", "err", err)
			d.broken.Store(true)
			return
		}
		for _, ev := range events[:n] {
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
