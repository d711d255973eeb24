package status

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// subBits is how finely a power of two is cut: 8 buckets each, so a
// percentile read from the buckets is within 12.5% of the true value.
const subBits = 3

// maxLatency caps what a bucket can tell apart; longer durations count
// in the last bucket.
const maxLatency = 1 << 40 // ns, about 18 minutes

var latencyBuckets = bucketOf(maxLatency) + 1

// Latency counts requests and their durations in log-linear buckets, so
// that percentiles over any interval are the difference of two
// readings. Its memory is fixed; Observe takes no lock and does not
// allocate. It is safe for concurrent use.
type Latency struct {
	count   atomic.Uint64
	buckets []atomic.Uint64
}

// NewLatency returns an empty recorder.
func NewLatency() *Latency {
	return &Latency{buckets: make([]atomic.Uint64, latencyBuckets)}
}

// Observe counts one request that took d.
func (l *Latency) Observe(d time.Duration) {
	ns := max(int64(d), 0)
	l.buckets[bucketOf(min(ns, maxLatency))].Add(1)
	l.count.Add(1)
}

// bucketOf returns the bucket of ns: below 8 one bucket per value, then
// 8 buckets per power of two.
func bucketOf(ns int64) int {
	v := uint64(ns)
	if v < 1<<subBits {
		return int(v)
	}
	e := bits.Len64(v) - 1
	sub := int(v>>(e-subBits)) & (1<<subBits - 1)
	return (e-subBits+1)<<subBits + sub
}

// bucketTop returns the largest duration in bucket i.
func bucketTop(i int) time.Duration {
	if i < 1<<subBits {
		return time.Duration(i)
	}
	e := i>>subBits + subBits - 1
	sub := i & (1<<subBits - 1)
	low := uint64(1<<subBits+sub) << (e - subBits)
	return time.Duration(low + 1<<(e-subBits) - 1)
}

// reading is what a Latency held at one moment.
type reading struct {
	count   uint64
	buckets []uint64
}

// read copies the counters. Observations that land while it runs may be
// in buckets and not yet in count, or the reverse; the difference of two
// readings is taken from the buckets alone, so that is harmless.
func (l *Latency) read(into *reading) {
	into.count = l.count.Load()
	if len(into.buckets) != len(l.buckets) {
		into.buckets = make([]uint64, len(l.buckets))
	}
	for i := range l.buckets {
		into.buckets[i] = l.buckets[i].Load()
	}
}

// interval summarizes the requests between two readings: how many, and
// the 50th, 90th and 99th percentiles of their durations (each the top
// of the bucket holding it; 0 when there were none).
func interval(prev, cur *reading) (n uint64, p50, p90, p99 time.Duration) {
	diff := make([]uint64, len(cur.buckets))
	for i := range cur.buckets {
		var before uint64
		if i < len(prev.buckets) {
			before = prev.buckets[i]
		}
		diff[i] = cur.buckets[i] - before
		n += diff[i]
	}
	if n == 0 {
		return 0, 0, 0, 0
	}
	return n, quantile(diff, n, 0.50), quantile(diff, n, 0.90), quantile(diff, n, 0.99)
}

// quantile returns the top of the bucket holding the q-th of n values.
func quantile(diff []uint64, n uint64, q float64) time.Duration {
	rank := uint64(q*float64(n) + 0.999999)
	rank = max(min(rank, n), 1)
	var seen uint64
	for i, c := range diff {
		seen += c
		if seen >= rank {
			return bucketTop(i)
		}
	}
	return bucketTop(len(diff) - 1)
}
