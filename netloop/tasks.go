package netloop

import "sync/atomic"

// spawn runs f on one of the package's workers: netpoll's input handling,
// and the work a resumed request leaves for its connection (flushing the
// answer, serving pipelined requests that waited behind it).
//
// An idle worker, blocked on the unbuffered tasks channel, takes f and is
// made the next goroutine to run, so it starts as soon as the caller
// yields, on a stack already grown by earlier requests. With no idle
// worker a new one starts, up to maxWorkers; past that f gets a goroutine
// of its own. netpoll's default pool queues tasks for workers that, on a
// single P, wait for the poller's 10 ms preemption (p99 ≈ 15 ms under
// load); running inline on the poller would be faster still, but one slow
// plugin would stall every connection on that poller.
func spawn(f func()) {
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
