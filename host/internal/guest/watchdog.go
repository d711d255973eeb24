package guest

import (
	"sync"
	"time"

	"github.com/wasmweb/wasmweb/host/internal/linearmem"
	"github.com/wasmweb/wasmweb/internal/monotime"
)

// watchInterval is the watchdog's tick: a call is stopped within it of
// its deadline.
const watchInterval = 20 * time.Millisecond

// Watchdog stops guest calls that pass their deadline: each tick it
// halts every instance of its plugins whose deadline has passed. It
// also frees the instances its plugins no longer need (reap.go). One
// goroutine serves a whole host; no timer is armed per call. It is safe
// for concurrent use.
type Watchdog struct {
	mu      sync.Mutex
	plugins map[*Plugin]struct{} // mu guards plugins
	stop    chan struct{}
	done    sync.WaitGroup
	once    sync.Once
}

// StartWatchdog starts watching plugins; Add watches more.
func StartWatchdog(plugins []*Plugin) *Watchdog {
	w := &Watchdog{plugins: map[*Plugin]struct{}{}, stop: make(chan struct{})}
	for _, p := range plugins {
		w.Add(p)
	}
	w.done.Add(1)
	go w.run()
	return w
}

// Add watches p, a new generation, until it is closed.
func (w *Watchdog) Add(p *Plugin) {
	p.watchdog.Store(w)
	w.mu.Lock()
	w.plugins[p] = struct{}{}
	w.mu.Unlock()
}

// Remove stops watching p; Plugin.Close calls it.
func (w *Watchdog) Remove(p *Plugin) {
	w.mu.Lock()
	delete(w.plugins, p)
	w.mu.Unlock()
}

// Watched returns how many plugins (generations) the watchdog watches.
func (w *Watchdog) Watched() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.plugins)
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
			ns := monotime.Of(now)
			w.mu.Lock()
			for p := range w.plugins {
				p.watch(ns)
				p.reap(now)
			}
			w.mu.Unlock()
			linearmem.Trim(now)
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
