// Package linearmem backs guests' linear memories with mappings of
// their own instead of the Go heap, where the platform allows.
//
// A memory is mapped once at the size it may grow to: growing it moves
// and copies nothing (a Go slice is copied at every reallocation, which
// makes a guest that grows its memory to the limit spend seconds in
// memory.grow), the kernel supplies pages only when the guest touches
// them, and closing the instance unmaps them at once. Memory the Go heap
// held would be freed only at its next collection and given back to the
// system slowly, so a burst of guests grown to the limit would leave the
// process that large long after they were discarded.
package linearmem

import "github.com/tetratelabs/wazero/experimental"

// Allocator returns the allocator to give wazero with
// experimental.WithMemoryAllocator when instantiating a module, or nil
// where this package cannot map memory (wazero then uses Go slices).
// The allocator is safe for concurrent use.
func Allocator() experimental.MemoryAllocator { return allocator }

// sliceMemory is a memory in the Go heap, for when a mapping fails.
type sliceMemory struct{ b []byte }

func (m *sliceMemory) Reallocate(size uint64) []byte {
	if n := uint64(len(m.b)); size > n {
		m.b = append(m.b, make([]byte, size-n)...)
	}
	return m.b[:size]
}

func (m *sliceMemory) Free() { m.b = nil }
