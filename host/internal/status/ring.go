package status

import "sync"

// Ring keeps the last values pushed to it, up to a fixed number, each
// numbered in the order it came (1, 2, ...): a reader asks for what came
// after the last number it saw. Its memory is fixed when it is made,
// whatever is pushed. It is safe for concurrent use.
type Ring[T any] struct {
	mu   sync.Mutex
	buf  []T    // mu guards buf and next
	next uint64 // the number the next value gets, less one: the count pushed
}

// NewRing returns a ring that keeps the last size values; size must be
// positive.
func NewRing[T any](size int) *Ring[T] {
	if size <= 0 {
		panic("status: ring size must be positive")
	}
	return &Ring[T]{buf: make([]T, size)}
}

// Push adds v, dropping the oldest value when the ring is full, and
// returns v's number.
func (r *Ring[T]) Push(v T) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf[r.next%uint64(len(r.buf))] = v
	r.next++
	return r.next
}

// Last returns the number of the newest value, 0 when none was pushed.
func (r *Ring[T]) Last() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.next
}

// Since returns the values kept whose numbers are greater than after,
// oldest first, and the number of the first of them; values dropped from
// the ring are not returned.
func (r *Ring[T]) Since(after uint64) (first uint64, values []T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	size := uint64(len(r.buf))
	oldest := uint64(1)
	if r.next > size {
		oldest = r.next - size + 1
	}
	from := max(after+1, oldest)
	if from > r.next {
		return r.next + 1, nil
	}
	values = make([]T, 0, r.next-from+1)
	for n := from; n <= r.next; n++ {
		values = append(values, r.buf[(n-1)%size])
	}
	return from, values
}
