package sandbox_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host/config"
)

// TestCloseDuringCalls closes the host while guests are running: two calls
// spin in a loop, and two clients keep sending requests that trap (each
// trap replaces its instance in the background) or succeed. Close must
// stop the spinning calls, wait for every call and replacement to end
// before it closes their modules (the race detector watches this), and
// leave every request with an answer.
func TestCloseDuringCalls(t *testing.T) {
	sb := start(t, hostileSpec("spin", "spin.test", config.Limits{CallTimeout: config.Duration(time.Minute), Instances: 4}))
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

// TestCloseWakesSleepers closes the host while two calls sleep in WASI
// poll_oneoff for an hour, under a deadline of a minute: Close must wake
// them and return at once, not wait for its own bound (10 s without a
// context deadline) and leave their instances open, and each request
// gets 503.
func TestCloseWakesSleepers(t *testing.T) {
	spec := wasiSpec("sleepy", "sleepy.test", "sleep")
	spec.Limits.CallTimeout = config.Duration(time.Minute)
	sb := start(t, spec)
	mark := sb.log.mark()
	answers := make(chan int, 2)
	for range 2 {
		go func() {
			r, _ := sb.fetch("sleepy.test", "/sleep")
			answers <- r.status
		}()
	}
	sb.awaitGuestLine(mark, "sleep: sleeping", 2, answerBound)
	closed := make(chan struct{})
	began := time.Now()
	go func() {
		sb.h.Close(context.Background())
		close(closed)
	}()
	select {
	case <-closed:
		t.Logf("Close returned after %v", time.Since(began).Round(time.Millisecond))
	case <-time.After(5 * time.Second):
		t.Fatal("Close still waiting 5 s later for calls asleep in the host")
	}
	for range 2 {
		select {
		case st := <-answers:
			if st != 503 {
				t.Errorf("a sleeping call ended with %d, want 503", st)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("a sleeping call still unanswered 5 s after Close returned")
		}
	}
	if recs := sb.log.find(mark, "host: plugin calls still running at shutdown"); len(recs) != 0 {
		t.Errorf("Close left instances open: %v", recs)
	}
	// Stopped by the unloading, not for running long.
	if recs := sb.log.find(mark, logDeadline); len(recs) != 0 {
		t.Errorf("calls stopped by Close were logged as passing their deadline: %v", recs)
	}
	if recs := sb.log.find(mark, "host: guest call stopped: the plugin is being unloaded"); len(recs) != 2 {
		t.Errorf("%d calls logged as stopped by the unloading, want 2", len(recs))
	}
}
