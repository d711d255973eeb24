package guest

import (
	"os"
	"runtime/debug"
)

// GCPercent is the collector's target (GOGC) the server runs with when
// the environment does not set GOGC: a collection once the heap has
// grown by twice what it held live after the last one, not once.
//
// Instantiating a Go guest allocates about 3,500 objects (wazero makes
// one per table entry of the module, thousands for a Go module), so
// instances made while the collector marks pay its assists and write
// barriers: those are a snapshot-made instance's slowest 1 %, at up to
// seven times the median's CPU (bench/RESULTS.md, "What the creation's
// p99 is made of"). The share of creations a collection overlaps goes as
// 1/GOGC whatever the live heap: 200 halves it, and left the idle RSS
// of 1,000 sites where 100 had it (228 against 229 MiB); 400 cost a
// larger heap's page faults and 27 MiB more idle RSS.
const GCPercent = 200

// TuneGC sets the collector's target to GCPercent unless the GOGC
// environment variable is set, and returns the target in force. The
// server calls it once as it starts.
func TuneGC() int {
	if os.Getenv("GOGC") != "" {
		old := debug.SetGCPercent(100)
		debug.SetGCPercent(old)
		return old
	}
	debug.SetGCPercent(GCPercent)
	return GCPercent
}
