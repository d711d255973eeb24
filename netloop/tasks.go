package netloop

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// workers run a server's tasks: netpoll's input handling for its
// connections, and the work a resumed request leaves for its connection
// (flushing the answer, serving pipelined requests that waited behind
// it). They belong to the server and end when it shuts down.
//
// An idle worker, blocked on the unbuffered tasks channel, takes a task
// and is made the next goroutine to run, so it starts as soon as the
// caller yields, on a stack already grown by earlier requests. With no
// idle worker a new one starts, up to maxWorkers; past that a task gets a
// goroutine of its own. netpoll's default pool queues tasks for workers
// that, on a single P, wait for the poller's 10 ms preemption (p99 ≈
// 15 ms under load); running inline on the poller would be faster still,
// but one slow plugin would stall every connection on that poller.
//
// The poller hands tasks over with handOff, which lets them start
// before it goes on: without it, on one P, the poller hands over a
// whole epoll batch before any worker runs, so past the 256th task each
// gets a goroutine of its own that grows its stack anew, and it may
// block in epoll_wait with those tasks still waiting on its P until
// sysmon takes the P back (bench/RESULTS.md, busy connections).
//
// workers is safe for concurrent use.
type workers struct {
	tasks chan func()
	quit  chan struct{} // closed by stop: idle workers return

	// waiting counts tasks handed over that have not started yet.
	waiting atomic.Int64

	mu      sync.Mutex
	n       int  // mu guards n, stopped and wg's Adds: workers started and not returned
	stopped bool // no worker starts any more
	wg      sync.WaitGroup
}

const maxWorkers = 256

func newWorkers() *workers {
	return &workers{tasks: make(chan func()), quit: make(chan struct{})}
}

// spawn runs f on an idle worker, a new one, or a goroutine of its own.
// After stop, f runs on a goroutine of its own, which ends with it.
func (p *workers) spawn(f func()) {
	p.waiting.Add(1)
	select {
	case p.tasks <- f:
		return
	default:
	}
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		go p.own(f)
		return
	}
	p.wg.Add(1)
	if p.n < maxWorkers {
		p.n++
		p.mu.Unlock()
		go p.work(f)
		return
	}
	p.mu.Unlock()
	go func() {
		defer p.wg.Done()
		p.own(f)
	}()
}

// handOff is spawn for netpoll's poller: it returns once every task
// handed over so far has started, yielding the poller's P meanwhile.
// The started tasks run until they finish or block (on one P, before
// the poller runs again), so the poller hands the next task to the
// worker that just finished, and never blocks in epoll_wait with
// tasks waiting behind it. A task waits for nothing but the ones
// ahead of it on the same P. The bound only keeps a poller from
// spinning should a task not start: each one is runnable once handed
// over.
func (p *workers) handOff(f func()) {
	p.spawn(f)
	for i := 0; i < maxYields && p.waiting.Load() > 0; i++ {
		runtime.Gosched()
	}
}

const maxYields = 1000

// own runs f on the goroutine it was started for.
func (p *workers) own(f func()) {
	p.waiting.Add(-1)
	f()
}

func (p *workers) work(f func()) {
	defer func() {
		p.mu.Lock()
		p.n--
		p.mu.Unlock()
		p.wg.Done()
	}()
	for {
		p.waiting.Add(-1)
		f()
		select {
		case f = <-p.tasks:
		case <-p.quit:
			return
		}
	}
}

// stop makes idle workers return, and every worker once its task is
// done. No worker starts after it.
func (p *workers) stop() {
	p.mu.Lock()
	if !p.stopped {
		p.stopped = true
		close(p.quit)
	}
	p.mu.Unlock()
}

// wait waits, after stop, for the workers to return.
func (p *workers) wait() { p.wg.Wait() }
