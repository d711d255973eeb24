package oauth

import (
	"sync"
	"time"
)

// used remembers the states this node has taken, until they expire, so
// that a sign-in cookie sent again with its state is refused. Safe for
// concurrent use.
type used struct {
	mu    sync.Mutex
	until map[string]time.Time // state -> when its cookie expires
	max   int
}

func newUsed(max int) *used { return &used{until: map[string]time.Time{}, max: max} }

// take records state, valid until exp, and reports whether it was new.
// When the table is full even after dropping expired states it refuses
// (false): a flood of sign-ins must not grow the host's memory without
// bound.
func (u *used) take(state string, exp, now time.Time) (fresh, full bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if t, ok := u.until[state]; ok && now.Before(t) {
		return false, false
	}
	if len(u.until) >= u.max {
		for s, t := range u.until {
			if !now.Before(t) {
				delete(u.until, s)
			}
		}
		if len(u.until) >= u.max {
			return false, true
		}
	}
	u.until[state] = exp
	return true, false
}
