package netloop

import (
	"sync"
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
