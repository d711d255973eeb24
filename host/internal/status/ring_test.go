package status

import (
	"slices"
	"sync"
	"testing"
)

func TestRing(t *testing.T) {
	r := NewRing[int](3)
	if first, got := r.Since(0); got != nil || first != 1 {
		t.Fatalf("empty ring: Since(0) = %d, %v", first, got)
	}
	for i := 1; i <= 2; i++ {
		if n := r.Push(i * 10); n != uint64(i) {
			t.Fatalf("Push #%d returned %d", i, n)
		}
	}
	cases := []struct {
		name   string
		pushed int // values pushed before Since: 10, 20, ...
		after  uint64
		first  uint64
		want   []int
	}{
		{"all", 2, 0, 1, []int{10, 20}},
		{"after the first", 2, 1, 2, []int{20}},
		{"up to date", 2, 2, 3, nil},
		{"ahead of the ring", 2, 9, 3, nil},
		{"full", 3, 0, 1, []int{10, 20, 30}},
		{"wrapped: the oldest dropped", 5, 0, 3, []int{30, 40, 50}},
		{"wrapped, after a dropped one", 5, 2, 3, []int{30, 40, 50}},
		{"wrapped, after a kept one", 5, 4, 5, []int{50}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := NewRing[int](3)
			for i := 1; i <= tc.pushed; i++ {
				r.Push(i * 10)
			}
			first, got := r.Since(tc.after)
			if first != tc.first || !slices.Equal(got, tc.want) {
				t.Errorf("Since(%d) = %d, %v; want %d, %v", tc.after, first, got, tc.first, tc.want)
			}
			if r.Last() != uint64(tc.pushed) {
				t.Errorf("Last = %d, want %d", r.Last(), tc.pushed)
			}
		})
	}
}

// TestRingHammer pushes from several goroutines while others read: a
// reader always sees consecutive values (each value is its own number),
// never more than the ring holds.
func TestRingHammer(t *testing.T) {
	const size, writers, each = 16, 4, 2000
	r := NewRing[uint64](size)
	var mu sync.Mutex // makes a value equal to its number
	var wg sync.WaitGroup
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				mu.Lock()
				r.Push(r.Last() + 1)
				mu.Unlock()
			}
		}()
	}
	stop := make(chan struct{})
	errs := make(chan string, 1)
	go func() {
		defer close(errs)
		var after uint64
		for {
			select {
			case <-stop:
				return
			default:
			}
			first, vs := r.Since(after)
			if len(vs) > size {
				errs <- "more values than the ring holds"
				return
			}
			for i, v := range vs {
				if v != first+uint64(i) {
					errs <- "a value out of order"
					return
				}
			}
			if len(vs) > 0 {
				after = first + uint64(len(vs)) - 1
			}
		}
	}()
	wg.Wait()
	close(stop)
	if e, ok := <-errs; ok {
		t.Fatal(e)
	}
	if r.Last() != writers*each {
		t.Fatalf("Last = %d, want %d", r.Last(), writers*each)
	}
}
