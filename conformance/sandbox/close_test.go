package sandbox_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
)

// TestCloseDuringCalls closes the host while guests are running: two calls
// spin in a loop, and two clients keep sending requests that trap (each
// trap replaces its instance in the background) or succeed. Close must
// stop the spinning calls, wait for every call and replacement to end
// before it closes their modules (the race detector watches this), and
// leave every request with an answer.
func TestCloseDuringCalls(t *testing.T) {
	sb := start(t, hostileSpec("spin", "spin.test", host.Limits{CallTimeout: time.Minute, Instances: 4}))
	var wg sync.WaitGroup
	loops := make(chan int, 2)
	for range 2 {
		wg.Go(func() { loops <- sb.get("spin.test", "/loop").status })
	}
	var stop atomic.Bool
	var mu sync.Mutex
	seen := map[string]map[int]int{}
	for _, target := range []string{"/unreachable", "/hello"} {
		seen[target] = map[int]int{}
		wg.Go(func() {
			for !stop.Load() {
				st := sb.get("spin.test", target).status
				mu.Lock()
				seen[target][st]++
				mu.Unlock()
			}
		})
	}
	// Let the loops start and a few traps go by.
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		n := seen["/unreachable"][500]
		mu.Unlock()
		if n >= 3 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := sb.h.Close(ctx); err != nil {
		t.Errorf("Close: %v", err)
	}
	stop.Store(true)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("requests still unanswered 30 s after Close returned")
	}
	close(loops)
	for st := range loops {
		if st != 503 {
			t.Errorf("a looping call ended with %d, want 503", st)
		}
	}
	want := map[string]map[int]bool{"/unreachable": {500: true, 503: true}, "/hello": {200: true, 503: true}}
	for target, statuses := range seen {
		for st, n := range statuses {
			if !want[target][st] {
				t.Errorf("%s: %d answers with status %d", target, n, st)
			}
		}
	}
	if seen["/hello"][200] == 0 {
		t.Errorf("/hello never answered 200 before Close: %v", seen["/hello"])
	}
	if r := sb.get("spin.test", "/hello"); r.status != 503 {
		t.Errorf("GET /hello after Close: %d, want 503", r.status)
	}
}
