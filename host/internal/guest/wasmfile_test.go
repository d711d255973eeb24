package guest

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestReadWasmOnce: a module file read for a second site is neither read
// nor hashed again, and a changed file is.
func TestReadWasmOnce(t *testing.T) {
	e := tenantEngine(t)
	path := filepath.Join(t.TempDir(), "m.wasm")
	hello := readGuest(t, "../../../conformance/guests/hello.wasm")
	if err := os.WriteFile(path, hello, 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := e.ReadWasm(path)
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.ReadWasm(path)
	if err != nil {
		t.Fatal(err)
	}
	if &a[0] != &b[0] {
		t.Error("the same file read twice: two copies")
	}
	if e.sumOf(b) != sha256.Sum256(hello) {
		t.Error("the cached sum is not the bytes'")
	}
	other := append(hello[:len(hello):len(hello)], 0, 2, 1, 'x') // a custom section more
	if err := os.WriteFile(path, other, 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Second)
	os.Chtimes(path, later, later)
	c, err := e.ReadWasm(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c) != len(other) || e.sumOf(c) != sha256.Sum256(other) {
		t.Errorf("the changed file: %d bytes, want %d, and its own sum", len(c), len(other))
	}
	if e.sumOf(append([]byte(nil), c...)) != sha256.Sum256(other) {
		t.Error("a copy of the bytes: wrong sum")
	}
}
