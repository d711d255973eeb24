package guest

import (
	"runtime/debug"
	"testing"
)

// TestTuneGC: without GOGC in the environment the collector's target
// becomes GCPercent; with it, the target stays what it was.
func TestTuneGC(t *testing.T) {
	was := debug.SetGCPercent(100)
	defer debug.SetGCPercent(was)
	t.Setenv("GOGC", "")
	if got := TuneGC(); got != GCPercent {
		t.Errorf("TuneGC without GOGC = %d, want %d", got, GCPercent)
	}
	if now := debug.SetGCPercent(100); now != GCPercent {
		t.Errorf("target after TuneGC without GOGC: %d, want %d", now, GCPercent)
	}
	t.Setenv("GOGC", "150")
	debug.SetGCPercent(130)
	if got := TuneGC(); got != 130 {
		t.Errorf("TuneGC with GOGC set = %d, want the target in force, 130", got)
	}
	if now := debug.SetGCPercent(100); now != 130 {
		t.Errorf("TuneGC with GOGC set changed the target to %d", now)
	}
}
