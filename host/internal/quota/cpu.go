package quota

import (
	"sync"
	"time"

	"github.com/wasmweb/wasmweb/internal/monotime"
)

// cpuBudget is a site's guest time budget: a bucket of nanoseconds that
// fills at the budget per second up to one second's worth, and that
// each call empties by what it took. A call is admitted while the
// bucket is above zero, and is charged the site's typical call time
// when it begins, corrected to what it took when it ends: so calls that
// each run long are admitted one at a time as the budget allows, rather
// than all at once while the bucket still looks full.
//
// What a call takes is its wall time, read around the call: calls into
// a guest compute, and where they wait (host calls, sleeps) they hold an
// instance and a slot all the same. Safe for concurrent use.
type cpuBudget struct {
	perSec int64 // nanoseconds of guest time per second; 0: no budget

	mu      sync.Mutex
	balance int64 // nanoseconds left; may be negative; mu guards
	last    int64 // when balance was filled, a monotonic time; mu guards
	filled  bool  // last is set; mu guards
	typical int64 // a moving average of calls' time; mu guards
}

// maxDebt bounds how far a site can fall behind, in seconds of its
// budget: one call that ran for minutes does not lock the site out for
// hours.
const maxDebt = 60

func (b *cpuBudget) init(perSec time.Duration) {
	b.perSec = int64(perSec)
	b.balance = b.perSec
	b.typical = b.perSec / 10
}

// fillLocked adds what the budget has earned since the last fill.
func (b *cpuBudget) fillLocked(now int64) {
	if !b.filled {
		b.last, b.filled = now, true
		return
	}
	if now > b.last {
		el := now - b.last
		if el >= int64(time.Second) {
			b.balance = b.perSec
		} else {
			b.balance = min(b.perSec, b.balance+b.perSec*el/int64(time.Second))
		}
		b.last = now
	}
}

// begin admits a call and returns what it charged for it, the
// typical time; or says how long until the budget is back above zero.
func (b *cpuBudget) begin(now time.Time) (charged, wait time.Duration, ok bool) {
	if b.perSec == 0 {
		return 0, 0, true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fillLocked(monotime.Of(now))
	if b.balance <= 0 {
		return 0, time.Duration(-b.balance * int64(time.Second) / b.perSec), false
	}
	b.balance -= b.typical
	return time.Duration(b.typical), 0, true
}

// end replaces what begin charged for a call with what the call took.
func (b *cpuBudget) end(now time.Time, charged, took time.Duration) {
	if b.perSec == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fillLocked(monotime.Of(now))
	b.balance = max(b.balance+int64(charged)-int64(took), -maxDebt*b.perSec)
	if took > 0 {
		b.typical += (int64(took) - b.typical) / 4
	}
}
