package linearmem

import (
	"bytes"
	"testing"
)

// TestGrowKeepsContents grows a memory page by page to its maximum:
// every byte written stays, new bytes are zero, and growing past the
// maximum fails without harm.
func TestGrowKeepsContents(t *testing.T) {
	a := Allocator()
	if a == nil {
		t.Skip("SKIPPED: no mappings on this platform; wazero's own memories are used")
	}
	const page, pages = 65536, 16
	m := a.Allocate(page, pages*page)
	defer m.Free()
	var prev []byte
	for n := 1; n <= pages; n++ {
		b := m.Reallocate(uint64(n * page))
		if len(b) != n*page {
			t.Fatalf("Reallocate(%d pages): %d bytes", n, len(b))
		}
		if prev != nil && &b[0] != &prev[0] {
			t.Errorf("growing to %d pages moved the memory", n)
		}
		if !bytes.Equal(b[(n-1)*page:], make([]byte, page)) {
			t.Errorf("page %d is not zero", n-1)
		}
		for i := range n - 1 {
			if b[i*page] != byte(i+1) {
				t.Fatalf("page %d lost its first byte after growing to %d pages", i, n)
			}
		}
		b[(n-1)*page] = byte(n)
		prev = b
	}
	if b := m.Reallocate(pages*page + 1); b != nil {
		t.Errorf("Reallocate past the maximum returned %d bytes, want nil", len(b))
	}
}

func TestSliceMemory(t *testing.T) {
	m := &sliceMemory{}
	b := m.Reallocate(10)
	b[9] = 1
	if b = m.Reallocate(20); len(b) != 20 || b[9] != 1 || b[19] != 0 {
		t.Errorf("grown slice memory: %d bytes, [9]=%d, [19]=%d", len(b), b[9], b[19])
	}
	m.Free()
}
