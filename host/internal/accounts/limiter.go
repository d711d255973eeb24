package accounts

import (
	"sync"
	"time"
)

// The limits on failed attempts (abi/ABI.md section 7.11).
const (
	// MaxFailures failed attempts for one name within Window lock it.
	MaxFailures = 5
	// Window is the period in which failures are counted.
	Window = time.Minute
	// LockFor is how long a locked name stays locked.
	LockFor = time.Minute
	// MaxTracked caps the names a site counts failures for.
	MaxTracked = 10000
)

// limiter counts failed attempts per name. An attempt counts as failed
// from begin until succeed, so that concurrent guesses for one name are
// counted before any of them is checked. Safe for concurrent use.
type limiter struct {
	now func() time.Time

	mu    sync.Mutex
	names map[string]attempts // mu guards; at most MaxTracked entries
	swept time.Time           // mu guards; the last sweep of expired names
}

// attempts is one name's count.
type attempts struct {
	failures int       // attempts since start that have not succeeded
	start    time.Time // when the first of them began
	locked   time.Time // attempts before this time are refused
}

// expired reports whether a's count and lock are both over at now, so
// that forgetting a changes nothing.
func (a attempts) expired(now time.Time) bool {
	return now.Sub(a.start) >= Window && !now.Before(a.locked)
}

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, names: map[string]attempts{}}
}

// begin counts an attempt for name and reports whether it may be
// checked: false while the name is locked. The attempt that reaches
// MaxFailures is still checked, and locks the name unless it succeeds.
func (l *limiter) begin(name string) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.names[name]
	if !ok {
		l.makeRoomLocked(now)
	}
	if now.Before(a.locked) {
		return false
	}
	if now.Sub(a.start) >= Window {
		a = attempts{start: now}
	}
	a.failures++
	if a.failures >= MaxFailures {
		a.locked = now.Add(LockFor)
	}
	l.names[name] = a
	return true
}

// succeed forgets name's failures and lock: its attempt matched.
func (l *limiter) succeed(name string) {
	l.mu.Lock()
	delete(l.names, name)
	l.mu.Unlock()
}

// makeRoomLocked makes room for one more name: when the map is full it
// forgets expired entries (at most once a second, so that a flood of new
// names does not make every attempt scan them all), and if that frees
// nothing, an arbitrary entry. An attacker who wants a locked name
// forgotten must keep failing for other names, each failure costing a
// bcrypt check. l.mu must be held.
func (l *limiter) makeRoomLocked(now time.Time) {
	if len(l.names) < MaxTracked {
		return
	}
	if now.Sub(l.swept) >= time.Second {
		l.swept = now
		for name, a := range l.names {
			if a.expired(now) {
				delete(l.names, name)
			}
		}
		if len(l.names) < MaxTracked {
			return
		}
	}
	for name := range l.names {
		delete(l.names, name)
		return
	}
}
