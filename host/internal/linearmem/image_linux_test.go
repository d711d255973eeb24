package linearmem

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
)

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/4096)
	}
	return b
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// mappedAt reports whether /proc/self/maps has a mapping starting at
// the address of b[0].
func mappedAt(t *testing.T, b []byte) bool {
	t.Helper()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(maps), fmt.Sprintf("%x-", uintptr(unsafePointer(b))))
}

// TestImageMemory makes memories from an image: they start with its
// contents with no page written, a write stays in its memory, growing
// past the image gives zeros, and Reset undoes the writes, copying
// back only the pages written, but not a growth.
func TestImageMemory(t *testing.T) {
	const page = 65536
	want := pattern(3 * page)
	openPagemap() // opens the page map, kept open
	fds := openFDs(t)
	img, err := NewImage(want)
	if err != nil {
		t.Fatal(err)
	}
	a, b := img.NewAllocator(), img.NewAllocator()
	ma, mb := a.Allocate(page, 16*page), b.Allocate(page, 16*page)
	if !a.Mapped() || !b.Mapped() {
		t.Fatal("memories not mapped from the image")
	}
	ma.Reallocate(page)
	ba := ma.Reallocate(3 * page)
	bb := mb.Reallocate(3 * page)
	if !bytes.Equal(ba, want) || !bytes.Equal(bb, want) {
		t.Fatal("a memory made from the image does not hold its contents")
	}
	if n := a.Written(); n != 0 {
		t.Errorf("a fresh memory has %d pages written, want 0", n)
	}
	ba[5000] ^= 0xff
	ba[3*page-1] ^= 0xff
	if n := a.Written(); n != 2 {
		t.Errorf("two writes in two pages: %d written", n)
	}
	if !bytes.Equal(bb, want) || !bytes.Equal(img.Bytes(), want) {
		t.Fatal("a write in one memory shows in another or in the image")
	}
	if !a.Reset(3 * page) {
		t.Fatal("Reset failed")
	}
	if !bytes.Equal(ba, want) {
		t.Error("after Reset the memory differs from the image")
	}
	if n := b.Written(); n != 0 {
		t.Errorf("the other memory has %d pages written", n)
	}
	// Growing past the image: zeros, and no Reset.
	grown := ma.Reallocate(4 * page)
	if !bytes.Equal(grown[3*page:], make([]byte, page)) {
		t.Error("memory past the image is not zero")
	}
	grown[3*page] = 1
	if a.Reset(3 * page) {
		t.Error("Reset of a memory grown past the image succeeded")
	}
	// A memory whose maximum is below the image's size is not
	// mapped from it.
	c := img.NewAllocator()
	mc := c.Allocate(page, 2*page)
	if c.Mapped() {
		t.Error("a memory of at most 2 pages mapped a 3-page image")
	}
	mc.Free()
	ma.Free()
	if a.Mapped() {
		t.Error("a freed memory still counts as mapped")
	}
	if mappedAt(t, ba) {
		t.Error("a freed memory's mapping is still there")
	}
	img.Close()
	img.Close()
	d := img.NewAllocator()
	md := d.Allocate(page, 16*page)
	if d.Mapped() {
		t.Error("a memory was mapped from a closed image")
	}
	md.Free()
	if !bytes.Equal(bb, want) {
		t.Error("closing the image changed a memory made from it")
	}
	mb.Free()
	if n := openFDs(t); n != fds {
		t.Errorf("%d descriptors open after the image closed, %d before", n, fds)
	}
	if Spares() > maxSpares {
		t.Errorf("%d spares", Spares())
	}
}

// TestImageConcurrent makes, writes, resets and frees memories of one
// image from several goroutines while it closes (run with -race).
func TestImageConcurrent(t *testing.T) {
	const page = 65536
	want := pattern(2 * page)
	img, err := NewImage(want)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				a := img.NewAllocator()
				m := a.Allocate(page, 8*page)
				b := m.Reallocate(2 * page)
				if a.Mapped() {
					b[(g*4096+i)%len(b)]++
					if !a.Reset(2*page) || !bytes.Equal(b, want) {
						t.Error("Reset did not restore the image")
					}
				}
				m.Free()
			}
		}()
	}
	img.Close()
	wg.Wait()
}

func TestNewImageRefuses(t *testing.T) {
	for _, n := range []int{0, 100, os.Getpagesize() + 1} {
		if img, err := NewImage(make([]byte, n)); err == nil {
			img.Close()
			t.Errorf("an image of %d bytes was made", n)
		}
	}
}

// TestImageLearn: once a memory's writes and reads are learned, a new
// memory made from the image has the written pages copied and the read
// ones mapped as it is made, with the image's contents either way.
func TestImageLearn(t *testing.T) {
	const page = 65536
	want := pattern(2 * page)
	img, err := NewImage(want)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	a := img.NewAllocator()
	ma := a.Allocate(page, 4*page)
	ba := ma.Reallocate(2 * page)
	ba[3*4096] ^= 1 // page 3 written
	_ = ba[5*4096]  // page 5 read (with the pages the kernel maps around it)
	a.Learn()
	hot := img.hot.Load()
	if hot == nil || len(hot.write) != 1 || hot.write[0] != [2]int{3, 4} || len(hot.read) == 0 {
		t.Fatalf("learned %+v; want page 3 written, some read", hot)
	}
	ba[7*4096] ^= 1
	a.Learn() // only the first memory's first call counts
	if h := img.hot.Load(); len(h.write) != 1 {
		t.Errorf("a second Learn changed what was learned: %+v", h)
	}
	b := img.NewAllocator()
	mb := b.Allocate(page, 4*page)
	bb := mb.Reallocate(2 * page)
	if n := b.Written(); n != 1 {
		t.Errorf("a new memory after Learn: %d pages copied, want 1", n)
	}
	present := 0
	eachPresent(bb, func(int, bool) { present++ })
	if present < 2 {
		t.Errorf("a new memory after Learn: %d pages mapped, want the read ones too", present)
	}
	if !bytes.Equal(bb, want) {
		t.Error("a memory made with its hot pages copied differs from the image")
	}
	if !b.Reset(2 * page) {
		t.Error("Reset failed")
	}
	ma.Free()
	mb.Free()
}

// TestWrittenScanMatchesRead: PAGEMAP_SCAN finds the same written pages
// as the page map's entries, over more ranges than one scan returns
// (its loop), and a reset by either way gives the image back.
func TestWrittenScanMatchesRead(t *testing.T) {
	const page = 65536
	ps := os.Getpagesize()
	want := pattern(32 * page)
	img, err := NewImage(want)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	a := img.NewAllocator()
	m := a.Allocate(page, 64*page)
	defer m.Free()
	b := m.Reallocate(32 * page)
	pages := len(b) / ps
	for i := 0; i < pages; i++ {
		switch {
		case i%3 == 0 || (i > 40 && i < 50):
			b[i*ps+7] ^= 0x5a // written: 150 ranges or so
		case i%3 == 1:
			_ = b[i*ps] // read: the file's page
		}
	}
	collect := func(each func([]byte, func(int, int)) error) [][2]int {
		var rs [][2]int
		if err := each(b, func(first, end int) { rs = append(rs, [2]int{first, end}) }); err != nil {
			t.Fatal(err)
		}
		return rs
	}
	read := collect(readWritten)
	if len(read) < 100 {
		t.Fatalf("the page map shows %d written ranges, want more than 100", len(read))
	}
	if err := scanWritten(b[:ps], func(int, int) {}); err == errNoScan {
		t.Skip("SKIPPED: this kernel has no PAGEMAP_SCAN; the page map is read")
	}
	scan := collect(scanWritten)
	if fmt.Sprint(scan) != fmt.Sprint(read) {
		t.Errorf("PAGEMAP_SCAN found\n%v\nthe page map says\n%v", scan, read)
	}
	for _, noScan := range []bool{false, true} {
		pagemap.noScan.Store(noScan)
		if !a.Reset(len(b)) || !bytes.Equal(b, want) {
			t.Errorf("noScan=%v: Reset did not give the image back", noScan)
		}
		b[3*ps] ^= 1
		b[len(b)-1] ^= 1
	}
	pagemap.noScan.Store(false)
}
