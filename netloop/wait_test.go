package netloop_test

import (
	"runtime"
	"strings"
	"testing"
	"time"
)

// recv returns the next value from ch, failing t if none comes within d:
// a test that waits for an event fails when it does not come, instead of
// hanging until the test binary's timeout.
func recv[T any](t *testing.T, ch <-chan T, d time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(d):
		t.Fatalf("%s: nothing after %v", what, d)
		panic("unreachable")
	}
}

// busyGoroutines returns the number of goroutines less netloop's idle
// netpoll input workers: those whose stack is only netloop.(*workers).work,
// waiting for a task. Workers stay for the process's life, and how many
// there are depends on how requests overlapped, not on leaks; a worker
// stuck in a task shows the task's frames and is counted.
func busyGoroutines() int {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		_, frames, _ := strings.Cut(g, "\n")
		if !strings.HasPrefix(frames, "github.com/wasmweb/wasmweb/netloop.(*workers).work(") {
			n++
		}
	}
	return n
}
