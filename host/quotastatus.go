package host

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/wasmweb/wasmweb/host/internal/quota"
)

// QuotaStatus is a site's share of the server in GET /v1/sites/{site}:
// its quotas and what it used, read from the same series as /metrics
// (so counts run since the process started, across reloads).
type QuotaStatus struct {
	Limits QuotaLimits `json:"limits"`
	// CPUSeconds is the time spent in the site's guest calls.
	CPUSeconds float64 `json:"cpu_seconds"`
	// Throttled counts requests refused without a guest call, by
	// reason: cpu, concurrency, rate, instances.
	Throttled map[string]uint64 `json:"throttled"`
	// CapHits counts the guest calls the site's caps ended or refused,
	// by cap: max_response_bytes, max_waiters.
	CapHits map[string]uint64 `json:"cap_hits"`
	// Instances counts the live instances of all the site's plugins.
	Instances int `json:"instances"`
	// Running and Waiting count guest calls in progress and waiting for
	// a slot.
	Running int `json:"calls_running"`
	Waiting int `json:"calls_waiting"`
	// ComputeTurns is how many of the site's calls may compute past
	// their first slice at once, its cpu budget's cores rounded up (0:
	// no compute share); Computing and TurnWaiting count the calls
	// holding a turn and waiting for one.
	ComputeTurns int `json:"compute_turns"`
	Computing    int `json:"calls_computing"`
	TurnWaiting  int `json:"calls_waiting_turn"`
	// ColdStarts counts instances made for a request that found none
	// free; ColdStartMS is their mean creation time.
	ColdStarts  uint64  `json:"cold_starts"`
	ColdStartMS float64 `json:"cold_start_ms_mean"`
}

// QuotaLimits are a site's quotas as [site.limits] sets them; 0 is no
// limit.
type QuotaLimits struct {
	CPUMS         float64 `json:"cpu_ms_per_second"`
	Concurrency   int     `json:"concurrency"`
	Rate          float64 `json:"rate"`
	Burst         int     `json:"burst"`
	SiteInstances int     `json:"site_instances"`
}

// quotaStatus reads the site's quota state and series.
func (s *Site) quotaStatus() QuotaStatus {
	l := s.quota.Limits()
	q := QuotaStatus{
		Limits: QuotaLimits{CPUMS: float64(l.CPU) / float64(time.Millisecond), Concurrency: l.Concurrency,
			Rate: l.Rate, Burst: l.Burst, SiteInstances: l.Instances},
		Throttled: map[string]uint64{},
		CapHits:   map[string]uint64{},
		Instances: s.quota.Instances().Live(),
		Running:   s.quota.Running(),
		Waiting:   s.quota.Waiting(),
	}
	if c := s.quota.Compute(); c != nil {
		q.ComputeTurns, q.Computing, q.TurnWaiting = c.Turns(), c.Held(), c.Waiting()
	}
	if m := read(s.counters.CPUSeconds); m != nil {
		q.CPUSeconds = m.GetCounter().GetValue()
	}
	for r, name := range quota.Reasons {
		q.Throttled[name] = 0
		if m := read(s.counters.Throttled[r]); m != nil {
			q.Throttled[name] = uint64(m.GetCounter().GetValue())
		}
	}
	for name, c := range s.capHits {
		q.CapHits[name] = 0
		if m := read(c); m != nil {
			q.CapHits[name] = uint64(m.GetCounter().GetValue())
		}
	}
	if m := read(s.coldStarts); m != nil {
		h := m.GetHistogram()
		q.ColdStarts = h.GetSampleCount()
		if q.ColdStarts > 0 {
			q.ColdStartMS = h.GetSampleSum() * 1000 / float64(q.ColdStarts)
		}
	}
	return q
}

// read returns a series' current value, or nil.
func read(c any) *dto.Metric {
	m, ok := c.(prometheus.Metric)
	if !ok {
		return nil
	}
	var out dto.Metric
	if m.Write(&out) != nil {
		return nil
	}
	return &out
}
