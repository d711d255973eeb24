package sandbox_test

import (
	"testing"
	"time"
)

// The documented defaults of abi/ABI.md section 9: what a plugin's
// guest lines (log, stdout and stderr) may take in the host's log per
// call, and per second once the burst of a second is spent.
const (
	logPerCall   = 64 << 10
	logPerSecond = 256 << 10
)

// TestGuestOutputCappedPerCall floods the log from one call in each way
// a guest can: 4 MiB of newlines in one fd_write, 60,000 iovecs of 1 MiB,
// 1,000 log calls of 4 KiB of NUL bytes (escaped in a text log), and log
// and stderr in endless loops. What reaches the log, as a text handler
// writes it, stays within twice the per-call cap (the cap counts the
// record around each line approximately), the call is answered in time,
// and the host counts what it dropped.
func TestGuestOutputCappedPerCall(t *testing.T) {
	for _, tc := range []struct {
		plugin, target string
		status         []int
	}{
		{"flood", "/flood?n", []int{200, 503}},
		{"flood", "/flood?i", []int{200, 503}},
		{"flood", "/flood", []int{503}},
		{"logloop", "/logloop?once", []int{200}},
		{"logloop", "/logloop", []int{503}},
	} {
		t.Run(tc.target, func(t *testing.T) {
			meter := newLogMeter()
			sb := startLogging(t, meter, wasiSpec("logs", "logs.test", tc.plugin))
			r, took := sb.memGetWithin("logs.test", tc.target, answerBound)
			if r.status != 0 && !oneOf(r.status, tc.status) {
				t.Errorf("GET %s: %d, want one of %v", tc.target, r.status, tc.status)
			}
			bytes, lines := meter.guest(tc.plugin)
			t.Logf("GET %s: %d in %v; the guest's lines took %d bytes in %d lines", tc.target, r.status, took.Round(time.Millisecond), bytes, lines)
			if bytes > 2*logPerCall {
				t.Errorf("one call put %d bytes (%d lines) of guest output in the log, want at most %d", bytes, lines, 2*logPerCall)
			}
			dropped := sb.metrics().sum("wasmweb_guest_log_dropped_bytes_total", "plugin", tc.plugin)
			if dropped <= 0 {
				t.Errorf("wasmweb_guest_log_dropped_bytes_total{plugin=%q} = %v, want > 0", tc.plugin, dropped)
			}
		})
	}
}

// TestGuestOutputRateLimited has one plugin log as much as it may for
// 1.5 s, one call after another: past the first second's burst, what
// reaches the log is limited to the per-second rate.
func TestGuestOutputRateLimited(t *testing.T) {
	meter := newLogMeter()
	sb := startLogging(t, meter, wasiSpec("logs", "logs.test", "logloop"))
	start := time.Now()
	calls := 0
	for time.Since(start) < 1500*time.Millisecond {
		r, _ := sb.memGetWithin("logs.test", "/logloop?once", answerBound)
		if r.status != 200 {
			t.Fatalf("GET /logloop?once: %d, want 200", r.status)
		}
		calls++
	}
	elapsed := time.Since(start)
	bytes, lines := meter.guest("logloop")
	allowed := 2 * (logPerSecond + int(float64(logPerSecond)*elapsed.Seconds()))
	t.Logf("%d calls in %v put %d bytes in %d lines in the log (allowed %d)", calls, elapsed.Round(time.Millisecond), bytes, lines, allowed)
	if bytes > allowed {
		t.Errorf("%d calls in %v put %d bytes of guest output in the log, want at most %d (a second's burst and the rate, twice)",
			calls, elapsed.Round(time.Millisecond), bytes, allowed)
	}
	if dropped := sb.metrics().sum("wasmweb_guest_log_dropped_bytes_total", "plugin", "logloop"); dropped <= 0 {
		t.Errorf("wasmweb_guest_log_dropped_bytes_total = %v, want > 0", dropped)
	}
}
