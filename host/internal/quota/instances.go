package quota

import (
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Budget counts a site's live instances across its plugins and caps
// them: a plugin takes a unit for each instance it creates and gives it
// back when the instance is closed. Its methods are safe for concurrent
// use; a nil Budget admits every instance and counts none.
type Budget struct {
	max  int32 // 0: no cap
	n    atomic.Int32
	live prometheus.Gauge // may be nil
}

// Take claims a unit for a new instance, and reports false at the cap.
func (b *Budget) Take() bool {
	if b == nil {
		return true
	}
	for {
		n := b.n.Load()
		if b.max > 0 && n >= b.max {
			return false
		}
		if b.n.CompareAndSwap(n, n+1) {
			break
		}
	}
	if b.live != nil {
		b.live.Inc()
	}
	return true
}

// Force claims a unit even at the cap.
func (b *Budget) Force() {
	if b == nil {
		return
	}
	b.n.Add(1)
	if b.live != nil {
		b.live.Inc()
	}
}

// Give returns a unit that Take or Force claimed.
func (b *Budget) Give() {
	if b == nil {
		return
	}
	b.n.Add(-1)
	if b.live != nil {
		b.live.Dec()
	}
}

// Live returns the instances that hold a unit.
func (b *Budget) Live() int {
	if b == nil {
		return 0
	}
	return int(b.n.Load())
}

// Full reports whether the budget is at its cap.
func (b *Budget) Full() bool { return b != nil && b.max > 0 && b.n.Load() >= b.max }
