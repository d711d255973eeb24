package status

import (
	"context"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// History is how many samples a Monitor keeps: ten minutes at one a
// second.
const History = 600

// MaxErrors is how many recent errors a Monitor keeps.
const MaxErrors = 100

// Sample is the server over one interval (a second): its request rate
// and latency percentiles over the interval, and its memory,
// connections and parked requests at the end of it.
type Sample struct {
	Time     int64   `json:"t"`        // end of the interval, Unix milliseconds
	Requests uint64  `json:"requests"` // answered in the interval
	RPS      float64 `json:"rps"`
	P50      float64 `json:"p50_ms"` // 0 without requests
	P90      float64 `json:"p90_ms"`
	P99      float64 `json:"p99_ms"`
	RSS      uint64  `json:"rss"`  // resident memory, bytes; 0 where unknown
	Heap     uint64  `json:"heap"` // live and not yet swept Go heap objects, bytes
	Conns    int64   `json:"conns"`
	Parked   int64   `json:"parked"`
}

// Gauges reads the server's open connections and parked requests.
type Gauges func() (conns, parked int64)

// Monitor keeps the server's recent history: a sample a second of its
// requests, latency and memory, and the recent errors that a Tee
// handler gives it. Its memory is bounded whatever the traffic. It is
// safe for concurrent use.
type Monitor struct {
	Latency *Latency      // the host times every request into it
	Samples *Ring[Sample] // the last History samples
	Errors  *Ring[Error]  // the last MaxErrors errors
	gauges  Gauges

	mu     sync.Mutex
	prev   reading       // mu guards prev, prevAt and tick
	prevAt time.Time     //
	tick   chan struct{} // closed and replaced after each sample

	waiters  atomic.Int32 // in Wait
	started  atomic.Bool
	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

// NewMonitor returns a monitor that reads gauges at each sample; call
// Start to sample every second.
func NewMonitor(gauges Gauges) *Monitor {
	m := &Monitor{
		Latency: NewLatency(),
		Samples: NewRing[Sample](History),
		Errors:  NewRing[Error](MaxErrors),
		gauges:  gauges,
		tick:    make(chan struct{}),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	m.Latency.read(&m.prev)
	m.prevAt = time.Now()
	return m
}

// Start takes a sample every interval until Stop. Call it at most once.
func (m *Monitor) Start(interval time.Duration) {
	m.started.Store(true)
	go func() {
		defer close(m.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-m.stop:
				return
			case now := <-t.C:
				m.Sample(now)
			}
		}
	}()
}

// Stop ends the sampling that Start began and waits for it; it may be
// called more than once, and without Start.
func (m *Monitor) Stop() {
	m.stopOnce.Do(func() { close(m.stop) })
	if m.started.Load() {
		<-m.done
	}
}

// Sample records the interval since the previous sample, ending at now.
func (m *Monitor) Sample(now time.Time) {
	var cur reading
	m.Latency.read(&cur)
	conns, parked := int64(0), int64(0)
	if m.gauges != nil {
		conns, parked = m.gauges()
	}
	rss, heap := memory()

	m.mu.Lock()
	n, p50, p90, p99 := interval(&m.prev, &cur)
	secs := now.Sub(m.prevAt).Seconds()
	m.prev, m.prevAt = cur, now
	s := Sample{
		Time: now.UnixMilli(), Requests: n,
		P50: ms(p50), P90: ms(p90), P99: ms(p99),
		RSS: rss, Heap: heap, Conns: conns, Parked: parked,
	}
	if secs > 0 {
		s.RPS = float64(n) / secs
	}
	m.Samples.Push(s)
	close(m.tick)
	m.tick = make(chan struct{})
	m.mu.Unlock()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Wait returns when a sample numbered after after exists, or ctx ends.
func (m *Monitor) Wait(ctx context.Context, after uint64) {
	m.waiters.Add(1)
	defer m.waiters.Add(-1)
	for {
		m.mu.Lock()
		tick := m.tick
		m.mu.Unlock()
		if m.Samples.Last() > after {
			return
		}
		select {
		case <-tick:
		case <-ctx.Done():
			return
		}
	}
}

// waiting reports whether a request is in Wait.
func (m *Monitor) waiting() bool { return m.waiters.Load() > 0 }

var memSamples = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

var pageSize = uint64(os.Getpagesize())

// memory returns the process's resident set (0 where /proc does not
// tell it) and the bytes of its Go heap objects.
func memory() (rss, heap uint64) {
	s := make([]metrics.Sample, len(memSamples))
	copy(s, memSamples)
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		heap = s[0].Value.Uint64()
	}
	if b, err := os.ReadFile("/proc/self/statm"); err == nil {
		f := strings.Fields(string(b))
		if len(f) > 1 {
			if pages, err := strconv.ParseUint(f[1], 10, 64); err == nil {
				rss = pages * pageSize
			}
		}
	}
	return rss, heap
}
