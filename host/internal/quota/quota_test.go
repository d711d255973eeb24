package quota

import (
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func counters() Counters {
	var c Counters
	for r := range c.Throttled {
		c.Throttled[r] = prometheus.NewCounter(prometheus.CounterOpts{Name: "t"})
	}
	c.CPUSeconds = prometheus.NewCounter(prometheus.CounterOpts{Name: "cpu"})
	c.Instances = prometheus.NewGauge(prometheus.GaugeOpts{Name: "inst"})
	return c
}

var t0 = time.Unix(1_700_000_000, 0)

func TestRate(t *testing.T) {
	c := counters()
	s := NewSite("a", Limits{Rate: 2, Burst: 2}, c, nil)
	for i := range 2 {
		if _, ok := s.Allow(t0); !ok {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	r, ok := s.Allow(t0)
	if ok || r.Reason != Rate || r.Status != 429 || r.RetryAfterHeader() != "1" {
		t.Fatalf("third request: %+v %v, want rate 429 Retry-After 1", r, ok)
	}
	if got := testutil.ToFloat64(c.Throttled[Rate]); got != 1 {
		t.Errorf("throttled{rate} = %v, want 1", got)
	}
	if _, ok := s.Allow(t0.Add(500 * time.Millisecond)); !ok {
		t.Error("a refused request took a token: refused half a second later")
	}
	other := NewSite("b", Limits{Rate: 2, Burst: 2}, counters(), nil)
	if _, ok := other.Allow(t0); !ok {
		t.Error("another site was refused")
	}
	slow := NewSite("c", Limits{Rate: 0.25, Burst: 1}, counters(), nil)
	slow.Allow(t0)
	if r, _ := slow.Allow(t0); r.RetryAfterHeader() != "4" {
		t.Errorf("rate 0.25/s: Retry-After %s, want 4", r.RetryAfterHeader())
	}
}

// Requests reach Allow out of the order of the times they began (the
// host passes the time its handler started, and handlers run on several
// goroutines): a time earlier than one Allow has already seen must not
// give the site back tokens it has spent. Two handlers whose times are
// 90 ms apart, asking in turn every 10 ms for a second, get no more than
// the burst and the second's rate between them.
func TestRateTimesOutOfOrder(t *testing.T) {
	s := NewSite("a", Limits{Rate: 10, Burst: 1}, counters(), nil)
	allowed := 0
	for k := range 100 {
		now := t0.Add(time.Duration(k) * 10 * time.Millisecond)
		for _, at := range []time.Time{now, now.Add(-90 * time.Millisecond)} {
			if _, ok := s.Allow(at); ok {
				allowed++
			}
		}
	}
	if allowed > 1+10 {
		t.Errorf("%d requests allowed in a second at 10/s with a burst of 1, want at most 11", allowed)
	}
}

func TestCPU(t *testing.T) {
	c := counters()
	s := NewSite("a", Limits{CPU: 250 * time.Millisecond}, c, nil)
	now := t0
	// Calls of 50 ms each: the first second's worth goes, then the
	// site waits.
	admitted := 0
	for range 20 {
		ch, _, ok := s.Begin(now)
		if !ok {
			break
		}
		admitted++
		s.End(ch, now, 50*time.Millisecond)
	}
	if admitted < 4 || admitted > 7 {
		t.Fatalf("admitted %d calls of 50 ms from a full 250 ms budget, want about 5", admitted)
	}
	_, r, ok := s.Begin(now)
	if ok || r.Reason != CPU || r.Status != 429 || r.RetryAfterHeader() != "1" {
		t.Fatalf("over budget: %+v %v, want cpu 429 Retry-After 1", r, ok)
	}
	if got := testutil.ToFloat64(c.Throttled[CPU]); got != 2 {
		t.Errorf("throttled{cpu} = %v, want 2 (the loop's refusal and this one)", got)
	}
	if got := testutil.ToFloat64(c.CPUSeconds); got < 0.19 || got > 0.36 {
		t.Errorf("cpu seconds = %v, want %v", got, float64(admitted)*0.05)
	}
	// One second later the budget is full again.
	if _, _, ok := s.Begin(now.Add(time.Second)); !ok {
		t.Error("refused a second later")
	}
	// Over a long flood, the site gets its budget per second, no more.
	s = NewSite("b", Limits{CPU: 250 * time.Millisecond}, counters(), nil)
	var used time.Duration
	for ms := range 10_000 {
		now := t0.Add(time.Duration(ms) * time.Millisecond)
		if ch, _, ok := s.Begin(now); ok {
			s.End(ch, now, 50*time.Millisecond)
			used += 50 * time.Millisecond
		}
	}
	if used < 2400*time.Millisecond || used > 2800*time.Millisecond {
		t.Errorf("10 s of flood used %v, want about 2.5 s (+ one second's worth)", used)
	}
	// A call that ran long holds the site back for as long as it took
	// over budget, at most maxDebt seconds.
	s = NewSite("c", Limits{CPU: 100 * time.Millisecond}, counters(), nil)
	ch, _, _ := s.Begin(t0)
	s.End(ch, t0, time.Hour)
	_, r, _ = s.Begin(t0)
	if r.RetryAfter != maxDebt*time.Second {
		t.Errorf("after an hour-long call: Retry-After %v, want %ds", r.RetryAfter, maxDebt)
	}
	// No budget: every call goes, and its time is counted.
	c = counters()
	s = NewSite("d", Limits{}, c, nil)
	for range 100 {
		ch, _, ok := s.Begin(t0)
		if !ok {
			t.Fatal("a site without a CPU budget was refused")
		}
		s.End(ch, t0, time.Second)
	}
	if got := testutil.ToFloat64(c.CPUSeconds); got != 100 {
		t.Errorf("cpu seconds = %v, want 100", got)
	}
}

// TestCPUConcurrentCalls: calls that begin together are charged ahead,
// so a full budget does not admit every waiting call at once.
func TestCPUConcurrentCalls(t *testing.T) {
	s := NewSite("a", Limits{CPU: 250 * time.Millisecond}, counters(), nil)
	ch, _, _ := s.Begin(t0)
	s.End(ch, t0, 50*time.Millisecond) // learn what a call takes
	s.cpu.typical = int64(50 * time.Millisecond)
	n := 0
	for range 100 {
		if _, _, ok := s.Begin(t0); ok {
			n++
		}
	}
	if n > 5 {
		t.Errorf("%d calls of 50 ms began at once on a 200 ms balance", n)
	}
}

func TestBudget(t *testing.T) {
	c := counters()
	s := NewSite("a", Limits{Instances: 3}, c, nil)
	b := s.Instances()
	for i := range 3 {
		if !b.Take() {
			t.Fatalf("instance %d refused under a cap of 3", i)
		}
	}
	if b.Take() || !b.Full() {
		t.Fatal("a fourth instance was admitted")
	}
	b.Give()
	if !b.Take() {
		t.Fatal("refused after one was given back")
	}
	if got := testutil.ToFloat64(c.Instances); got != 3 || b.Live() != 3 {
		t.Errorf("instances gauge %v, live %d, want 3", got, b.Live())
	}
	var nilBudget *Budget
	if !nilBudget.Take() || nilBudget.Full() {
		t.Error("a nil budget refused")
	}
}

// TestBudgetHammer: takes and gives from many goroutines never pass
// the cap nor go below zero.
func TestBudgetHammer(t *testing.T) {
	s := NewSite("a", Limits{Instances: 4}, counters(), nil)
	b := s.Instances()
	var wg sync.WaitGroup
	var mu sync.Mutex
	peak := 0
	for range 8 {
		wg.Go(func() {
			for range 2000 {
				if b.Take() {
					n := b.Live()
					mu.Lock()
					peak = max(peak, n)
					mu.Unlock()
					b.Give()
				}
			}
		})
	}
	wg.Wait()
	if peak > 4 || b.Live() != 0 {
		t.Errorf("peak %d (cap 4), live after %d (want 0)", peak, b.Live())
	}
}
