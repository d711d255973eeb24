package guest

import (
	"sync"
	"time"
)

// watchInterval is the watchdog's tick: a call is stopped within it of
// its deadline.
const watchInterval = 20 * time.Millisecond

// Watchdog stops guest calls that pass their deadline: each tick it
// halts every instance of its plugins whose deadline has passed. One
// goroutine serves a whole host; no timer is armed per call.
type Watchdog struct {
	plugins []*Plugin
	stop    chan struct{}
	done    sync.WaitGroup
	once    sync.Once
}

// StartWatchdog starts watching plugins, which must not change after.
func StartWatchdog(plugins []*Plugin) *Watchdog {
	w := &Watchdog{plugins: plugins, stop: make(chan struct{})}
	w.done.Add(1)
	go w.run()
	return w
}

func (w *Watchdog) run() {
	defer w.done.Done()
	t := time.NewTicker(watchInterval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case now := <-t.C:
			ns := now.UnixNano()
			for _, p := range w.plugins {
				p.watch(ns)
			}
		}
	}
}

// Stop stops the watchdog and waits for it; later calls do nothing.
func (w *Watchdog) Stop() {
	w.once.Do(func() {
		close(w.stop)
		w.done.Wait()
	})
}
