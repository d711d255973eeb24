package netloop

import (
	"sync"
	"sync/atomic"
	"time"
)

// clock keeps a server's Date field, "Date: <IMF-fixdate>\r\n", which
// every response carries. A goroutine refreshes it once a second while
// the server writes responses: the first response after an idle second
// starts it, with the field refreshed at once, and it returns after a
// second without responses, or when the server shuts down. Responses
// thus read the field with two atomic loads, and an idle server, or one
// driven through Open alone and never shut down (tests, tools), keeps no
// goroutine for it. Safe for concurrent use.
type clock struct {
	every   time.Duration // a second; shorter in tests
	line    atomic.Pointer[[]byte]
	used    atomic.Bool // a response read line since the last tick
	running atomic.Bool // a goroutine refreshes line

	mu      sync.Mutex
	stopped bool // mu guards stopped and wg's Adds
	quit    chan struct{}
	wg      sync.WaitGroup
}

func newClock() *clock {
	c := &clock{every: time.Second, quit: make(chan struct{})}
	c.refresh(time.Now())
	return c
}

// date returns the Date field line. It must not be modified.
func (c *clock) date() []byte {
	if !c.used.Load() {
		c.used.Store(true)
		if !c.running.Load() {
			c.start()
		}
	}
	return *c.line.Load()
}

// start refreshes the line and starts its goroutine, unless one runs or
// the server has shut down.
func (c *clock) start() {
	if !c.running.CompareAndSwap(false, true) {
		return
	}
	c.refresh(time.Now())
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopped {
		c.running.Store(false)
		c.used.Store(false) // so that each later response refreshes the line
		return
	}
	c.wg.Add(1)
	go c.tick()
}

func (c *clock) tick() {
	defer c.wg.Done()
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		select {
		case <-c.quit:
			c.running.Store(false)
			return
		case now := <-t.C:
			c.refresh(now)
		}
		if !c.used.Swap(false) && !c.goOnIdle() {
			return
		}
	}
}

// goOnIdle is called by the goroutine after a tick without a response:
// it reports whether to go on all the same, because a response read the
// field between the goroutine's last look at used and its clearing of
// running, and so saw running and started no goroutine itself.
func (c *clock) goOnIdle() bool {
	c.running.Store(false)
	return c.used.Load() && c.running.CompareAndSwap(false, true)
}

// stop ends the goroutine and waits for it; later responses refresh
// the line themselves.
func (c *clock) stop() {
	c.mu.Lock()
	if !c.stopped {
		c.stopped = true
		close(c.quit)
	}
	c.mu.Unlock()
	c.wg.Wait()
	c.used.Store(false)
}

func (c *clock) refresh(now time.Time) {
	b := make([]byte, 0, 40)
	b = append(b, "Date: "...)
	b = now.UTC().AppendFormat(b, "Mon, 02 Jan 2006 15:04:05 GMT")
	b = append(b, "\r\n"...)
	c.line.Store(&b)
}
