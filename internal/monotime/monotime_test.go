package monotime

import (
	"testing"
	"time"
)

// Now and Of agree, move forward with time, and count from the
// process's epoch, not from the Unix epoch.
func TestNowAndOf(t *testing.T) {
	a := Now()
	t0 := time.Now()
	b := Now()
	if a < 0 || a > b || Of(t0) < a || Of(t0) > b {
		t.Fatalf("Now %d, Of(time.Now()) %d, Now %d: want them in order and not negative", a, Of(t0), b)
	}
	if d := Of(t0.Add(time.Hour)) - Of(t0); d != int64(time.Hour) {
		t.Errorf("Of(t+1h) - Of(t) = %v, want 1h", time.Duration(d))
	}
	if up := time.Since(epoch); time.Duration(b) > up+time.Second {
		t.Errorf("Now() = %v, more than the %v since the epoch: not counted from it", time.Duration(b), up)
	}
}
