package netloop

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// Workers take tasks until stop; wait returns once every worker has,
// and a task spawned after stop still runs.
func TestWorkersStop(t *testing.T) {
	p := newWorkers()
	var wg sync.WaitGroup
	ran := make(chan int, 100)
	for i := range 100 {
		wg.Add(1)
		p.spawn(func() {
			defer wg.Done()
			ran <- i
		})
	}
	wg.Wait()
	p.stop()
	p.wait()
	p.mu.Lock()
	n := p.n
	p.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d workers left after wait", n)
	}
	done := make(chan struct{})
	p.spawn(func() { close(done) })
	<-done
	if len(ran) != 100 {
		t.Fatalf("%d of 100 tasks ran", len(ran))
	}
}

// A poller handing over a batch of tasks on one P lets each start before
// it hands over the next: one worker serves them all, and none is left
// waiting behind the poller (which, in netpoll, may then block in
// epoll_wait with the P).
func TestHandOffStartsEachTask(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	p := newWorkers()
	defer func() {
		p.stop()
		p.wait()
	}()
	const batch = 2 * maxWorkers
	var started atomic.Int64
	for i := range batch {
		p.handOff(func() { started.Add(1) })
		if n := started.Load(); n != int64(i+1) {
			t.Fatalf("after handing over task %d, %d tasks had started", i+1, n)
		}
	}
	p.mu.Lock()
	n := p.n
	p.mu.Unlock()
	if n != 1 {
		t.Fatalf("%d workers started for %d tasks handed over one after the other, want 1", n, batch)
	}
	if w := p.waiting.Load(); w != 0 {
		t.Fatalf("%d tasks counted as waiting after all started", w)
	}
}
