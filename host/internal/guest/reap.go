package guest

import "time"

// The reaper frees the instances a plugin did not need lately: those
// beyond its minimum that stayed free for a whole idle timeout. Which
// instance is free changes at every call (the pool hands them out in
// turn), so it counts rather than dates them: when the pool never had
// fewer than k free instances through the last timeout, k instances
// were not needed in it, and k (down to the minimum) are freed. The
// timeout is watched in quarters, so an instance goes between one and
// one and a quarter timeouts after the pool last needed it. A request
// that finds no free instance, the reaper's doing or not, makes one.

// reaper is the reaper's state of one plugin; only the watchdog's
// goroutine (reap) uses it.
type reaper struct {
	since   time.Time // when the current quarter began; zero before the first look
	quarter [4]int32  // the fewest free instances in each of the last four quarters
	seen    int       // quarters seen
}

// lowest notes that the pool had only n free instances.
func (p *Plugin) lowest(n int32) {
	for {
		old := p.low.Load()
		if n >= old || p.low.CompareAndSwap(old, n) {
			return
		}
	}
}

// reap frees the instances beyond the minimum that the pool did not need
// through the last idle timeout, as of now. The watchdog calls it at
// every tick; tests call it with a clock of their own.
func (p *Plugin) reap(now time.Time) {
	if p.idleTimeout <= 0 || p.shut.Load() {
		return
	}
	r := &p.reaper
	if r.since.IsZero() {
		r.since = now
		p.low.Store(int32(len(p.idle)))
		return
	}
	if now.Sub(r.since) < p.idleTimeout/4 {
		return
	}
	copy(r.quarter[1:], r.quarter[:3])
	r.quarter[0] = min(p.low.Load(), int32(len(p.idle)))
	r.since = now
	p.low.Store(int32(len(p.idle)))
	if r.seen++; r.seen < len(r.quarter) {
		return
	}
	spare := r.quarter[0]
	for _, q := range r.quarter[1:] {
		spare = min(spare, q)
	}
	freed := int32(0)
free:
	for freed < spare && int(p.total.Load()) > p.min {
		select {
		case in := <-p.idle:
			p.discard(in)
			freed++
		default:
			break free // taken meanwhile: needed after all
		}
	}
	for i := range r.quarter {
		r.quarter[i] = max(0, r.quarter[i]-freed)
	}
	p.low.Store(int32(len(p.idle)))
}
