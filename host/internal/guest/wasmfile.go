package guest

import (
	"crypto/sha256"
	"os"
	"time"
)

// wasmFile is a module file as last read: what identifies that version
// of the file, its bytes and their SHA-256.
type wasmFile struct {
	size int64
	mod  time.Time
	ino  uint64
	wasm []byte
	sum  [32]byte
}

// ReadWasm reads a plugin's module file, or returns the bytes it read
// last time when the file has the same size, modification time and
// inode: a thousand sites serving one plugin read and hash it once.
// The bytes returned must not be changed.
func (e *Engine) ReadWasm(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	ino := inodeOf(fi)
	e.mu.Lock()
	f, ok := e.files[path]
	e.mu.Unlock()
	if ok && f.size == fi.Size() && f.mod.Equal(fi.ModTime()) && f.ino == ino {
		return f.wasm, nil
	}
	wasm, err := ReadWasm(path)
	if err != nil {
		return nil, err
	}
	f = &wasmFile{size: fi.Size(), mod: fi.ModTime(), ino: ino, wasm: wasm, sum: sha256.Sum256(wasm)}
	e.mu.Lock()
	if old := e.files[path]; old != nil {
		delete(e.sums, &old.wasm[0])
	}
	e.files[path] = f
	e.sums[&wasm[0]] = f
	e.mu.Unlock()
	return wasm, nil
}

// sumOf returns the SHA-256 of wasm, computed by ReadWasm when it read
// these very bytes.
func (e *Engine) sumOf(wasm []byte) [32]byte {
	if len(wasm) > 0 {
		e.mu.Lock()
		f := e.sums[&wasm[0]]
		e.mu.Unlock()
		if f != nil && len(f.wasm) == len(wasm) {
			return f.sum
		}
	}
	return sha256.Sum256(wasm)
}
