package linearmem

import (
	"testing"
	"time"
)

// TestSpareMappingReusedZeroed frees a written memory and allocates one
// of the same size: it gets the same mapping back, every byte zero, and
// Trim unmaps a spare once it has gone unused long enough.
func TestSpareMappingReusedZeroed(t *testing.T) {
	Trim(time.Now().Add(time.Hour)) // no spares from other tests
	const page, pages = 65536, 8
	a := Allocator()
	m := a.Allocate(page, pages*page)
	b := m.Reallocate(3 * page)
	for i := range b {
		b[i] = 0xa5
	}
	first := &b[0]
	m.Free()
	if n := Spares(); n != 1 {
		t.Fatalf("after one Free: %d spares, want 1", n)
	}
	m2 := a.Allocate(page, pages*page)
	b2 := m2.Reallocate(pages * page)
	if &b2[0] != first {
		t.Error("a memory of the same size did not reuse the spare mapping")
	}
	for i, c := range b2 {
		if c != 0 {
			t.Fatalf("byte %d of a reused mapping is %#x, want 0", i, c)
		}
	}
	if n := Spares(); n != 0 {
		t.Errorf("the spare in use is still counted: %d", n)
	}
	m2.Free()
	Trim(time.Now())
	if n := Spares(); n != 1 {
		t.Errorf("Trim unmapped a fresh spare: %d left, want 1", n)
	}
	Trim(time.Now().Add(2 * spareLife))
	if n := Spares(); n != 0 {
		t.Errorf("Trim after spareLife: %d spares, want 0", n)
	}
	// At most maxSpares are kept.
	var ms []interface{ Free() }
	for i := 0; i < maxSpares+3; i++ {
		m := a.Allocate(page, pages*page)
		m.Reallocate(page)[0] = 1
		ms = append(ms, m)
	}
	for _, m := range ms {
		m.Free()
	}
	if n := Spares(); n != maxSpares {
		t.Errorf("%d memories freed: %d spares, want %d", len(ms), n, maxSpares)
	}
	Trim(time.Now().Add(time.Hour))
	// A memory grown past maxSpareUsed is not kept.
	big := a.Allocate(page, 2*maxSpareUsed)
	big.Reallocate(maxSpareUsed + page)
	big.Free()
	if n := Spares(); n != 0 {
		t.Errorf("a memory of %d bytes used was kept as a spare", maxSpareUsed+page)
	}
}
