//go:build linux

package linearmem

import (
	"sync"
	"syscall"
	"time"

	"github.com/tetratelabs/wazero/experimental"
)

var allocator experimental.MemoryAllocator = experimental.MemoryAllocatorFunc(allocate)

// maxMapping bounds a mapping: 4 GiB, the most a 32-bit memory holds.
const maxMapping = 4 << 30

// allocate maps max bytes, the most the memory may grow to, or takes a
// mapping of that size a freed memory left (see spare). The mapping
// reserves no swap (MAP_NORESERVE): only touched pages cost memory.
func allocate(_, max uint64) experimental.LinearMemory {
	if max == 0 || max > maxMapping {
		return &sliceMemory{}
	}
	if b := spares.take(int(max)); b != nil {
		return &mapped{b: b}
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
type mapped struct {
	b     []byte
	used  int    // the most Reallocate gave out: what may be written
	image *Image // the image mapped over its first bytes, if any
}

func (m *mapped) Reallocate(size uint64) []byte {
	if size > uint64(len(m.b)) {
		return nil
	}
	m.used = max(m.used, int(size))
	return m.b[:size]
}

func (m *mapped) Free() {
	if m.b != nil {
		// A mapping that holds an image's pages is not kept: clearing it
		// would copy every page the image shares.
		if m.image != nil || !spares.put(m.b, m.used) {
			syscall.Munmap(m.b)
		}
		m.b = nil
	}
}

// The spare mappings. A new memory's first touch of each page is a page
// fault, and a new instance of a Go guest touches hundreds of pages as
// it is given its data and snapshot: the faults cost more than the
// copies. A freed memory's mapping is therefore kept, zeroed (its pages
// stay in place), for the next memory of the same size, up to maxSpares
// of them, and unmapped once unused for spareLife (Trim). A memory that
// had grown past maxSpareUsed is unmapped at once: zeroing it would cost
// more than the faults it saves.
const (
	maxSpares    = 8
	maxSpareUsed = 16 << 20
	spareLife    = 10 * time.Second
)

var spares spareList

type spare struct {
	b    []byte
	used int
	at   time.Time
}

// spareList is the spare mappings, newest last. Safe for concurrent use.
type spareList struct {
	mu   sync.Mutex
	list []spare
}

// put keeps b, of which used bytes may have been written, and reports
// whether it did.
func (s *spareList) put(b []byte, used int) bool {
	if used > maxSpareUsed {
		return false
	}
	clear(b[:used])
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.list) >= maxSpares {
		return false
	}
	s.list = append(s.list, spare{b: b, used: used, at: time.Now()})
	return true
}

// take returns a spare mapping of n bytes, or nil.
func (s *spareList) take(n int) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.list) - 1; i >= 0; i-- {
		if len(s.list[i].b) == n {
			b := s.list[i].b
			s.list = append(s.list[:i], s.list[i+1:]...)
			return b
		}
	}
	return nil
}

// Trim unmaps the spare mappings unused since before now less
// spareLife, giving their pages back to the system. The guest watchdog
// calls it at every tick.
func Trim(now time.Time) {
	s := &spares
	s.mu.Lock()
	var old [][]byte
	keep := s.list[:0]
	for _, sp := range s.list {
		if now.Sub(sp.at) > spareLife {
			old = append(old, sp.b)
		} else {
			keep = append(keep, sp)
		}
	}
	clear(s.list[len(keep):])
	s.list = keep
	s.mu.Unlock()
	for _, b := range old {
		syscall.Munmap(b)
	}
}

// Spares returns how many spare mappings are kept.
func Spares() int {
	spares.mu.Lock()
	defer spares.mu.Unlock()
	return len(spares.list)
}
