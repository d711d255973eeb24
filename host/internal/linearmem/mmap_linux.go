//go:build linux

package linearmem

import (
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

var allocator experimental.MemoryAllocator = experimental.MemoryAllocatorFunc(allocate)

// maxMapping bounds a mapping: 4 GiB, the most a 32-bit memory holds.
const maxMapping = 4 << 30

// allocate maps max bytes, the most the memory may grow to. The mapping
// reserves no swap (MAP_NORESERVE): only touched pages cost memory.
func allocate(_, max uint64) experimental.LinearMemory {
	if max == 0 || max > maxMapping {
		return &sliceMemory{}
	}
	b, err := syscall.Mmap(-1, 0, int(max), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
	if err != nil {
		return &sliceMemory{}
	}
	return &mapped{b: b}
}

// mapped is a memory in its own mapping. The slices it returns share
// one address, which never changes; they are invalid after Free.
type mapped struct{ b []byte }

func (m *mapped) Reallocate(size uint64) []byte {
	if size > uint64(len(m.b)) {
		return nil
	}
	return m.b[:size]
}

func (m *mapped) Free() {
	if m.b != nil {
		syscall.Munmap(m.b)
		m.b = nil
	}
}
