// Package quota bounds a site's share of the server: guest time per
// second (CPU), guest calls at once (concurrency), requests per second
// (rate) and live instances across its plugins (instances), and queues
// guest calls fairly between sites when the server is saturated
// (Scheduler). It decides and counts; the host answers the requests it
// refuses, with the status and Retry-After a Refusal carries.
//
// The order on a request's path is: Allow (rate) when the request
// arrives, then Begin (CPU) before each guest call, then the
// scheduler's Enter (concurrency and fairness) once the call has an
// instance, and End with the call's duration after it.
package quota

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/time/rate"
)

// Reason says which quota refused a request; it is the reason label of
// the throttled counter.
type Reason int

// The reasons, in the order of Reasons.
const (
	CPU Reason = iota
	Concurrency
	Rate
	Instances
	nReasons
)

// Reasons names each Reason, as metrics and the admin API show it.
var Reasons = [nReasons]string{"cpu", "concurrency", "rate", "instances"}

func (r Reason) String() string { return Reasons[r] }

// Limits are a site's quotas; a zero field sets no limit.
type Limits struct {
	// CPU is the guest time the site's calls may use per second of wall
	// time, on average; a second's worth may be used at once.
	CPU time.Duration
	// Concurrency caps the site's guest calls in progress; past it
	// calls wait, at most as many as may run.
	Concurrency int
	// Rate is the requests per second the site's guests are handed, with
	// bursts of Burst (at least 1).
	Rate  float64
	Burst int
	// Instances caps the live instances of all the site's plugins.
	Instances int
}

// Counters are a site's series: its guest time and its refusals by
// reason. Any may be nil.
type Counters struct {
	CPUSeconds prometheus.Counter
	Throttled  [nReasons]prometheus.Counter
	Instances  prometheus.Gauge
}

// Refusal is a request a quota turned away, and how to answer it.
type Refusal struct {
	Reason     Reason
	Status     int           // 429 or 503
	RetryAfter time.Duration // a whole number of seconds, at least 1
}

// RetryAfterHeader is the value of the Retry-After header field.
func (r Refusal) RetryAfterHeader() string { return strconv.Itoa(int(r.RetryAfter / time.Second)) }

// Message is the short text the answer's body carries.
func (r Refusal) Message() string {
	switch r.Reason {
	case CPU:
		return "this site has used its CPU time for now; retry after " + r.RetryAfterHeader() + " s"
	case Concurrency:
		return "this site has too many requests in progress; retry after " + r.RetryAfterHeader() + " s"
	case Rate:
		return "this site has had too many requests; retry after " + r.RetryAfterHeader() + " s"
	default:
		return "this site has no instance free; retry after " + r.RetryAfterHeader() + " s"
	}
}

// Site is one site's quota state. It is safe for concurrent use.
type Site struct {
	name    string
	limits  Limits
	c       Counters
	rate    *rate.Limiter // nil: no rate limit
	rateMu  sync.Mutex    // serialises Allow, so that rateAt only grows
	rateAt  time.Time     // the latest time Allow was asked at; rateMu guards
	cpu     cpuBudget
	compute *Compute // nil: the site's calls take the core in turn like any work
	inst    Budget
	sched   *Scheduler
	q       siteQueue // the site's calls at the scheduler; sched.mu guards
}

// NewSite returns the quota state of the site named name, whose calls
// queue at sched (nil: a scheduler of its own, without a limit across
// sites).
func NewSite(name string, l Limits, c Counters, sched *Scheduler) *Site {
	if sched == nil {
		sched = NewScheduler(0)
	}
	s := &Site{name: name, limits: l, c: c, sched: sched}
	if l.Rate > 0 {
		s.rate = rate.NewLimiter(rate.Limit(l.Rate), max(1, l.Burst))
	}
	s.cpu.init(l.CPU)
	s.compute = NewCompute(l.CPU, procs())
	s.inst = Budget{max: int32(l.Instances), live: c.Instances}
	s.q.site = s
	return s
}

// Name returns the site's name.
func (s *Site) Name() string { return s.name }

// Limits returns the site's quotas.
func (s *Site) Limits() Limits { return s.limits }

// Allow takes one of the site's request tokens, or refuses with 429
// and the time until the next token. Callers may pass times out of
// order (each request's own start, on several goroutines): a time
// earlier than one already seen counts as that one, since the limiter
// would otherwise move its clock back and credit the same interval
// twice.
func (s *Site) Allow(now time.Time) (Refusal, bool) {
	if s.rate == nil {
		return Refusal{}, true
	}
	s.rateMu.Lock()
	defer s.rateMu.Unlock()
	if now.Before(s.rateAt) {
		now = s.rateAt
	} else {
		s.rateAt = now
	}
	r := s.rate.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return s.refuse(Rate, 429, d), false
	}
	return Refusal{}, true
}

// Charge is what Begin charged a call's site ahead, for End to correct.
type Charge struct{ ahead time.Duration }

// Begin admits a guest call against the site's CPU budget, or refuses
// with 429 and the time until the site is back under it. An admitted
// call must End, even when it did not reach the guest.
func (s *Site) Begin(now time.Time) (Charge, Refusal, bool) {
	ahead, wait, ok := s.cpu.begin(now)
	if !ok {
		return Charge{}, s.refuse(CPU, 429, wait), false
	}
	return Charge{ahead}, Refusal{}, true
}

// End charges the site for a call Begin admitted that ran in the guest
// for d (0 when it did not reach the guest).
func (s *Site) End(c Charge, now time.Time, d time.Duration) {
	s.cpu.end(now, c.ahead, d)
	if s.c.CPUSeconds != nil && d > 0 {
		s.c.CPUSeconds.Add(d.Seconds())
	}
}

// Instances returns the budget that the site's plugins take an
// instance from.
func (s *Site) Instances() *Budget { return &s.inst }

// refuse counts a refusal and returns it, its wait rounded up to whole
// seconds.
func (s *Site) refuse(r Reason, status int, wait time.Duration) Refusal {
	if c := s.c.Throttled[r]; c != nil {
		c.Inc()
	}
	secs := (wait + time.Second - 1) / time.Second
	return Refusal{Reason: r, Status: status, RetryAfter: max(1, secs) * time.Second}
}

// Throttle counts a refusal decided outside the package: a plugin that
// found no instance because the site holds its instance cap.
func (s *Site) Throttle(r Reason) Refusal { return s.refuse(r, 503, time.Second) }
