package status

import (
	"testing"
	"time"
)

func TestLatencyBuckets(t *testing.T) {
	// Each value lies in its bucket: above the previous bucket's top and
	// at most its own, which is within 12.5% of it.
	for v := int64(0); v < 1<<20; v += 1 + v/50 {
		b := bucketOf(v)
		if top := int64(bucketTop(b)); v > top || float64(top-v) > float64(v)/8+1 {
			t.Fatalf("%d in bucket %d whose top is %d", v, b, top)
		}
		if b > 0 && v <= int64(bucketTop(b-1)) {
			t.Fatalf("%d in bucket %d, but bucket %d reaches %d", v, b, b-1, bucketTop(b-1))
		}
	}
	if b := bucketOf(maxLatency); b != latencyBuckets-1 {
		t.Fatalf("the cap's bucket %d, want the last, %d", b, latencyBuckets-1)
	}
}

func TestLatencyInterval(t *testing.T) {
	l := NewLatency()
	var before, after reading
	l.Observe(time.Hour) // before the interval: not counted in it
	l.read(&before)
	// 100 requests: 1ms..100ms.
	for i := 1; i <= 100; i++ {
		l.Observe(time.Duration(i) * time.Millisecond)
	}
	l.Observe(-time.Second)     // a clock step back counts as 0
	l.Observe(1000 * time.Hour) // past the cap: the last bucket
	l.read(&after)
	n, p50, p90, p99 := interval(&before, &after)
	if n != 102 {
		t.Fatalf("n = %d, want 102", n)
	}
	near := func(name string, got, want time.Duration) {
		if got < want || float64(got) > float64(want)*1.125 {
			t.Errorf("%s = %v, want %v (within a bucket above)", name, got, want)
		}
	}
	// Sorted: 0, 1ms..100ms, the cap; the q-th is the value ranked
	// ceil(q*102).
	near("p50", p50, 50*time.Millisecond)
	near("p90", p90, 91*time.Millisecond)
	near("p99", p99, 100*time.Millisecond)
	if n, p50, _, _ := interval(&after, &after); n != 0 || p50 != 0 {
		t.Errorf("an empty interval: %d requests, p50 %v", n, p50)
	}
}

// BenchmarkObserve is what timing a request adds to it, with the two
// clock readings the host takes around it.
func BenchmarkObserve(b *testing.B) {
	l := NewLatency()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			start := time.Now()
			l.Observe(time.Since(start))
		}
	})
}
