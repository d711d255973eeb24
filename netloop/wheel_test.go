package netloop

import (
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/internal/monotime"
)

// The wheel expires a session only once its latest deadline has passed,
// however often the deadline moved, and never after forget.
func TestWheelDeadlines(t *testing.T) {
	w := newWheel(100 * time.Millisecond)
	base := w.now()
	if now := monotime.Now(); base < 0 || base > now {
		t.Fatalf("the wheel's clock reads %d, want the monotonic clock's nanoseconds since epoch (%d now)", base, now)
	}
	srv := &Server{wheel: w}
	early, moved, far, gone := &session{srv: srv}, &session{srv: srv}, &session{srv: srv}, &session{srv: srv}
	w.schedule(early, base+int64(250*time.Millisecond))
	w.schedule(moved, base+int64(250*time.Millisecond))
	w.schedule(moved, base+int64(900*time.Millisecond)) // later: one store, refiled when due
	w.schedule(far, base+int64(200*time.Second))        // past the horizon
	w.schedule(gone, base+int64(100*time.Millisecond))
	w.forget(gone)

	due := func(at time.Duration) map[*session]bool {
		m := map[*session]bool{}
		for _, s := range w.advance(base+int64(at), nil) {
			m[s] = true
		}
		return m
	}
	if d := due(200 * time.Millisecond); len(d) != 0 {
		t.Fatalf("expired before any deadline: %d sessions", len(d))
	}
	if d := due(400 * time.Millisecond); !d[early] || d[moved] || d[gone] || len(d) != 1 {
		t.Fatalf("at 400ms: early=%v moved=%v gone=%v n=%d", d[early], d[moved], d[gone], len(d))
	}
	if d := due(1000 * time.Millisecond); !d[moved] || len(d) != 1 {
		t.Fatalf("at 1s: moved=%v n=%d", d[moved], len(d))
	}
	if d := due(199 * time.Second); len(d) != 0 {
		t.Fatalf("far deadline expired early")
	}
	if d := due(201 * time.Second); !d[far] || len(d) != 1 {
		t.Fatalf("far deadline not expired at 201s: n=%d", len(d))
	}
	// An earlier deadline files the session again.
	w.schedule(early, base+int64(300*time.Second))
	w.schedule(early, base+int64(202*time.Second))
	if d := due(203 * time.Second); !d[early] || len(d) != 1 {
		t.Fatalf("moved-earlier deadline missed: n=%d", len(d))
	}
}
