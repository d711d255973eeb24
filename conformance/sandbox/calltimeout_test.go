package sandbox_test

import (
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host/config"
)

// TestCallTimeoutBound checks when a runaway guest's 503 arrives: not
// before the site's call_timeout, and well before ten times it. The upper
// bound (three times the timeout plus half a second, against a watchdog
// that ticks every 20 ms) is a generous deadline for a loaded machine, not
// a speed requirement; a deadline applied at any multiple of the
// configured one from about 5× up fails it. The fastest of three rounds is
// compared, so one scheduling stall does not fail the test.
func TestCallTimeoutBound(t *testing.T) {
	const (
		timeout = 250 * time.Millisecond
		bound   = 3*timeout + 500*time.Millisecond
		rounds  = 3
		// hang is how long a request may go unanswered before the test
		// gives up on it: the deadline never fired.
		hang = 30 * time.Second
	)
	sb := start(t, hostileSpec("spin", "spin.test", config.Limits{CallTimeout: config.Duration(timeout)}))
	sb.expectHello("spin.test", "/hello")
	for _, guest := range []string{"loop", "fanout"} {
		t.Run(guest, func(t *testing.T) {
			sb := sb.with(t)
			fastest := time.Duration(1<<63 - 1)
			for round := range rounds {
				type answer struct {
					r       reply
					elapsed time.Duration
				}
				done := make(chan answer, 1)
				began := time.Now()
				go func() {
					r := sb.get("spin.test", "/"+guest)
					done <- answer{r, time.Since(began)}
				}()
				var a answer
				select {
				case a = <-done:
				case <-time.After(hang):
					t.Fatalf("round %d: GET /%s unanswered after %v with call_timeout %v: the deadline never stopped the guest",
						round, guest, hang, timeout)
				}
				if a.r.status != 503 {
					t.Fatalf("round %d: GET /%s: %d, want 503", round, guest, a.r.status)
				}
				if a.elapsed < timeout {
					t.Errorf("round %d: the 503 came %v after the request, before the call_timeout of %v",
						round, a.elapsed, timeout)
				}
				fastest = min(fastest, a.elapsed)
				t.Logf("round %d: 503 after %v (call_timeout %v)", round, a.elapsed.Round(time.Millisecond), timeout)
			}
			if fastest > bound {
				t.Errorf("the fastest of %d runaway calls got its 503 after %v; call_timeout is %v, so it is due by %v at the latest",
					rounds, fastest, timeout, bound)
			}
			sb.expectHello("spin.test", "/hello")
		})
	}
}
