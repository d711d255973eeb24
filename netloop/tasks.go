package netloop

import "sync"

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
// workers is safe for concurrent use.
type workers struct {
	tasks chan func()
	quit  chan struct{} // closed by stop: idle workers return

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
	select {
	case p.tasks <- f:
		return
	default:
	}
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		go f()
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
		f()
	}()
}

func (p *workers) work(f func()) {
	defer func() {
		p.mu.Lock()
		p.n--
		p.mu.Unlock()
		p.wg.Done()
	}()
	for {
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
