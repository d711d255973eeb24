//go:build linux

package linearmem

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/tetratelabs/wazero/experimental"
	"golang.org/x/sys/unix"
)

// Image is a memory's contents, kept in a sealed memfd, that new
// memories can start with without a copy (see ImageAllocator). Its
// pages are shared by every memory made from it until one writes to
// them. Safe for concurrent use.
type Image struct {
	mu   sync.RWMutex // held to map fd; Close takes it to close fd
	fd   int          // -1 once closed
	size int
	// view is fd mapped read only: the contents. It stays mapped until
	// the image is unreachable, so a slice of it is valid as long as
	// the image is held.
	view []byte
	// hot is the pages the first memory made from the image wrote and
	// read in its first call (Learn): each new memory has them copied,
	// or mapped, by the kernel as it is made.
	hot     atomic.Pointer[hotPages]
	learned atomic.Bool
}

// NewImage returns an image of b, whose length is a multiple of the
// system's page size, or an error where this package cannot make one.
func NewImage(b []byte) (*Image, error) {
	if len(b) == 0 || len(b)%os.Getpagesize() != 0 || len(b) > maxMapping {
		return nil, fmt.Errorf("linearmem: an image of %d bytes", len(b))
	}
	fd, err := unix.MemfdCreate("wasmweb-snapshot", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("linearmem: memfd_create: %w", err)
	}
	fail := func(what string, err error) (*Image, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("linearmem: %s: %w", what, err)
	}
	if err := unix.Ftruncate(fd, int64(len(b))); err != nil {
		return fail("ftruncate", err)
	}
	for off := 0; off < len(b); {
		n, err := unix.Pwrite(fd, b[off:], int64(off))
		if err != nil {
			return fail("write", err)
		}
		off += n
	}
	// Sealed, the file cannot change under the memories mapped from it,
	// whatever happens to this process's descriptor.
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_WRITE|unix.F_SEAL_SHRINK|unix.F_SEAL_GROW|unix.F_SEAL_SEAL); err != nil {
		return fail("seal", err)
	}
	view, err := syscall.Mmap(fd, 0, len(b), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return fail("mmap", err)
	}
	img := &Image{fd: fd, size: len(b), view: view}
	runtime.AddCleanup(img, func(v []byte) { syscall.Munmap(v) }, view)
	return img, nil
}

// Bytes returns the image's contents, read only: valid while the
// image is held, Close or not.
func (img *Image) Bytes() []byte { return img.view }

// Close closes the image's memfd: memories already made from it keep
// their pages, and none is made from it after. Only the first call does
// anything.
func (img *Image) Close() {
	img.mu.Lock()
	defer img.mu.Unlock()
	if img.fd >= 0 {
		unix.Close(img.fd)
		img.fd = -1
	}
}

// ImageAllocator is the allocator of one instantiation, which gives the
// memory it allocates img's contents: img's file mapped privately over
// the first bytes of the memory's mapping, so that nothing is copied
// and a page is copied only when written. Mapped tells whether it did;
// it cannot when the memory's maximum is smaller than the image, or a
// mapping fails, and then allocates as Allocator does. An ImageAllocator
// serves one instantiation, which allocates one memory.
type ImageAllocator struct {
	img *Image
	mem *mapped // the memory allocated, when mapped from img
}

// NewAllocator returns an allocator for one instantiation whose memory
// starts as img's contents.
func (img *Image) NewAllocator() *ImageAllocator { return &ImageAllocator{img: img} }

// Allocate implements experimental.MemoryAllocator.
func (a *ImageAllocator) Allocate(cap, max uint64) experimental.LinearMemory {
	if a.mem != nil || max > maxMapping || max < uint64(a.img.size) {
		return allocate(cap, max)
	}
	a.img.mu.RLock()
	defer a.img.mu.RUnlock()
	if a.img.fd < 0 {
		return allocate(cap, max)
	}
	b, err := syscall.Mmap(-1, 0, int(max), syscall.PROT_READ|syscall.PROT_WRITE,
		syscall.MAP_PRIVATE|syscall.MAP_ANONYMOUS|syscall.MAP_NORESERVE)
	if err != nil {
		return &sliceMemory{}
	}
	if err := mapFixed(b[:a.img.size], a.img.fd); err != nil {
		syscall.Munmap(b)
		return allocate(cap, max)
	}
	if hot := a.img.hot.Load(); hot != nil {
		// Errors are harmless: the pages are then faulted in as touched.
		ps := os.Getpagesize()
		for _, r := range hot.write {
			unix.Madvise(b[r[0]*ps:r[1]*ps], unix.MADV_POPULATE_WRITE)
		}
		for _, r := range hot.read {
			unix.Madvise(b[r[0]*ps:r[1]*ps], unix.MADV_POPULATE_READ)
		}
	}
	a.mem = &mapped{b: b, image: a.img}
	return a.mem
}

func unsafePointer(b []byte) unsafe.Pointer { return unsafe.Pointer(unsafe.SliceData(b)) }

// mapFixed maps fd's first len(b) bytes privately over b.
func mapFixed(b []byte, fd int) error {
	_, err := unix.MmapPtr(fd, 0, unsafePointer(b), uintptr(len(b)),
		unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_FIXED)
	return err
}

// Mapped reports whether the memory allocated holds the image's
// contents, and was not freed since; false for a nil allocator.
func (a *ImageAllocator) Mapped() bool { return a != nil && a.mem != nil && a.mem.b != nil }

// Reset gives the memory allocated, of which size bytes are in use,
// the image's contents again, as it was allocated: only the pages
// written since are copied back (pages the memory never wrote are
// still the image's). It reports false when it cannot: the memory is
// not mapped from the image, or it grew past it.
func (a *ImageAllocator) Reset(size int) bool {
	if !a.Mapped() || size != a.img.size || a.mem.used > size {
		return false
	}
	return resetPages(a.mem.b[:size], a.img)
}

// Learn records, the first time it is called for the image, which pages
// of a's memory have been written, and which read: every later memory
// made from the image has them copied, or mapped, as it is made
// (MADV_POPULATE_WRITE and _READ), in one call into the kernel, rather
// than one page fault at a time when its first call touches them. A
// write fault whose page is already mapped for reading also waits for
// the other processors to forget the old mapping, which on a busy
// machine costs tens of microseconds a page. The caller calls it after
// a memory's first call.
func (a *ImageAllocator) Learn() {
	if !a.Mapped() || a.img.learned.Load() || a.img.learned.Swap(true) {
		return
	}
	var hot hotPages
	add := func(rs *[][2]int, i int) {
		if n := len(*rs); n > 0 && (*rs)[n-1][1] == i {
			(*rs)[n-1][1]++
		} else {
			*rs = append(*rs, [2]int{i, i + 1})
		}
	}
	err := eachPresent(a.mem.b[:a.img.size], func(i int, written bool) {
		if written {
			add(&hot.write, i)
		} else {
			add(&hot.read, i)
		}
	})
	if err == nil {
		a.img.hot.Store(&hot)
	}
}

// hotPages are the pages a memory's first call wrote and read, as
// ranges of page indices [first, end).
type hotPages struct{ write, read [][2]int }

// Written returns how many pages of the memory allocated have been
// written since it was made from the image (or last Reset), -1 when it
// cannot tell: what a test checks to see that nothing was copied in.
func (a *ImageAllocator) Written() int {
	if !a.Mapped() {
		return -1
	}
	n := 0
	err := eachWritten(a.mem.b[:a.img.size], func(first, end int) { n += end - first })
	if err != nil {
		return -1
	}
	return n
}

// The page map (/proc/self/pagemap) tells, for each page of a private
// file mapping, whether it is still the file's (absent, or present and
// file-backed) or a private copy made when it was written (present and
// anonymous, or swapped out).
const (
	pmPresent = 1 << 63
	pmSwapped = 1 << 62
	pmFile    = 1 << 61
)

var pagemap struct {
	once sync.Once
	f    *os.File
	fd   int
	err  error
	// noScan is set once the kernel refused PAGEMAP_SCAN (before Linux
	// 6.7): the page map is then read.
	noScan atomic.Bool
}

var errNoPagemap = errors.New("linearmem: no page map")

func openPagemap() error {
	pagemap.once.Do(func() {
		pagemap.f, pagemap.err = os.Open("/proc/self/pagemap")
		if pagemap.err == nil {
			pagemap.fd = int(pagemap.f.Fd())
		}
	})
	if pagemap.err != nil {
		return errNoPagemap
	}
	return nil
}

// eachWritten calls fn with each range [first, end) of page indices of
// b, part of a private file mapping, whose pages hold private copies:
// the ranges PAGEMAP_SCAN finds, or, where the kernel has none, those
// read from the page map entry by entry.
func eachWritten(b []byte, fn func(first, end int)) error {
	if err := openPagemap(); err != nil {
		return err
	}
	if !pagemap.noScan.Load() {
		err := scanWritten(b, fn)
		if err != errNoScan {
			return err
		}
		pagemap.noScan.Store(true)
	}
	return readWritten(b, fn)
}

// readWritten is eachWritten from the page map's entries.
func readWritten(b []byte, fn func(first, end int)) error {
	first, end := -1, -1
	err := eachPresent(b, func(i int, written bool) {
		if !written {
			return
		}
		if i == end {
			end++
			return
		}
		if first >= 0 {
			fn(first, end)
		}
		first, end = i, i+1
	})
	if err == nil && first >= 0 {
		fn(first, end)
	}
	return err
}

// PAGEMAP_SCAN (Linux 6.7, linux/fs.h) asks the kernel for the ranges
// of pages in given categories, rather than an 8-byte entry for every
// page: for hello's 736-page image the reset's two reads of the page
// map were three quarters of its cost.
const (
	pagemapScan   = 0xc0606610 // _IOWR('f', 16, struct pm_scan_arg)
	pageIsFile    = 1 << 2
	pageIsPresent = 1 << 3
	pageIsSwapped = 1 << 4
)

// pmScanArg is struct pm_scan_arg.
type pmScanArg struct {
	size, flags, start, end, walkEnd, vec, vecLen, maxPages   uint64
	categoryInverted, categoryMask, categoryAnyOf, returnMask uint64
}

// pageRegion is struct page_region.
type pageRegion struct{ start, end, categories uint64 }

var errNoScan = errors.New("linearmem: no PAGEMAP_SCAN")

// scanWritten is eachWritten by PAGEMAP_SCAN: the pages present or
// swapped out that are not the file's. It returns errNoScan when the
// kernel does not know the request.
func scanWritten(b []byte, fn func(first, end int)) error {
	if len(b) == 0 {
		return nil
	}
	ps := uint64(os.Getpagesize())
	var vec [64]pageRegion
	start := uint64(uintptr(unsafePointer(b)))
	end := start + uint64(len(b))
	for at := start; at < end; {
		arg := pmScanArg{
			size: uint64(unsafe.Sizeof(pmScanArg{})), start: at, end: end,
			vec: uint64(uintptr(unsafe.Pointer(&vec[0]))), vecLen: uint64(len(vec)),
			categoryInverted: pageIsFile, categoryMask: pageIsFile,
			categoryAnyOf: pageIsPresent | pageIsSwapped,
			returnMask:    pageIsPresent | pageIsSwapped,
		}
		n, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(pagemap.fd), pagemapScan, uintptr(unsafe.Pointer(&arg)))
		runtime.KeepAlive(b)
		switch {
		case errno == unix.ENOTTY || errno == unix.EINVAL || errno == unix.EOPNOTSUPP:
			return errNoScan
		case errno != 0 || n > uintptr(len(vec)):
			return errNoPagemap
		}
		for _, r := range vec[:n] {
			if r.start < at || r.end > end || r.start >= r.end {
				return errNoPagemap
			}
			fn(int((r.start-start)/ps), int((r.end-start)/ps))
		}
		if arg.walkEnd <= at || arg.walkEnd > end {
			return errNoPagemap
		}
		at = arg.walkEnd
	}
	return nil
}

// eachPresent calls fn with the index of each page of b, part of a
// private file mapping, that is mapped, and whether it holds a private
// copy (written) or the file's page.
func eachPresent(b []byte, fn func(page int, written bool)) error {
	if err := openPagemap(); err != nil {
		return err
	}
	ps := os.Getpagesize()
	pages := len(b) / ps
	var buf [512 * 8]byte
	base := uintptr(unsafePointer(b)) / uintptr(ps)
	for first := 0; first < pages; first += 512 {
		n := min(512, pages-first)
		got, err := pagemap.f.ReadAt(buf[:n*8], int64(base+uintptr(first))*8)
		if err != nil || got != n*8 {
			return errNoPagemap
		}
		for i := range n {
			e := binary.LittleEndian.Uint64(buf[i*8:])
			switch {
			case e&pmSwapped != 0 || e&(pmPresent|pmFile) == pmPresent:
				fn(first+i, true)
			case e&pmPresent != 0:
				fn(first+i, false)
			}
		}
	}
	return nil
}

// resetPages copies back the pages of b, a private mapping of img's
// file, that the page map says were written. Dropping every page
// instead (madvise MADV_DONTNEED, after which a private file mapping
// reads the file again) costs the faults of every page the next call
// touches: on the hello plugin, a call and its reset took 3.3 ms that
// way against 58 µs this way (RATIONALE.md).
func resetPages(b []byte, img *Image) bool {
	ps := os.Getpagesize()
	view := img.view
	err := eachWritten(b, func(first, end int) {
		copy(b[first*ps:end*ps], view[first*ps:end*ps])
	})
	return err == nil
}
