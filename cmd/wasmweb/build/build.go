// Package build is the command line's plugin builder: it compiles Go
// plugin sources to WebAssembly with the standard Go toolchain and decides
// when a compiled plugin is stale. It is not internal because the
// end-to-end tests build the demo plugins exactly as `wasmweb serve` does.
// It loads and runs nothing: the host reads the .wasm files it writes.
package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// WasmPath returns where the plugin in dir is compiled to:
// dir/<base name of dir>.wasm.
func WasmPath(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	return filepath.Join(dir, filepath.Base(abs)+".wasm")
}

// Stale reports whether the plugin in dir must be (re)built: its .wasm is
// missing or older than one of its sources. Sources are the .go files in
// dir and, when dir lies inside a Go module, that module's go.mod and
// go.sum and the modules its go.mod replaces with directories (the
// checkout's sdk, abi and internal, for a plugin made by wasmweb new or
// one of the checkout's own).
func Stale(dir string) (bool, error) {
	out, err := os.Stat(WasmPath(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	newest, err := newestSource(dir)
	if err != nil {
		return false, err
	}
	return newest.After(out.ModTime()), nil
}

func newestSource(dir string) (time.Time, error) {
	var newest time.Time
	consider := func(path string) {
		if fi, err := os.Stat(path); err == nil && fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return newest, err
	}
	goFiles := 0
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") {
			goFiles++
			consider(filepath.Join(dir, e.Name()))
		}
	}
	if goFiles == 0 {
		return newest, fmt.Errorf("%s holds no Go files", dir)
	}
	if root := moduleRoot(dir); root != "" {
		consider(filepath.Join(root, "go.mod"))
		consider(filepath.Join(root, "go.sum"))
		for _, sub := range replacedDirs(root) {
			filepath.WalkDir(sub, func(path string, d fs.DirEntry, err error) error {
				if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".go") || d.Name() == "go.mod") {
					consider(path)
				}
				return nil
			})
		}
	}
	return newest, nil
}

// replacedDirs returns the directories that the go.mod in root replaces
// modules with ("replace example.com/m => ../m"), resolved against root.
// Replacements by another module's version are not sources on disk.
func replacedDirs(root string) []string {
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return nil
	}
	var dirs []string
	inBlock := false
	for line := range strings.Lines(string(b)) {
		line, _, _ = strings.Cut(line, "//")
		fields := strings.Fields(line)
		switch {
		case len(fields) == 0:
			continue
		case fields[0] == "replace" && len(fields) == 2 && fields[1] == "(":
			inBlock = true
			continue
		case inBlock && fields[0] == ")":
			inBlock = false
			continue
		case fields[0] == "replace":
			fields = fields[1:]
		case !inBlock:
			continue
		}
		// fields: old [version] => new [version]; a directory has no version.
		i := slices.Index(fields, "=>")
		if i < 0 || len(fields) != i+2 {
			continue
		}
		path, err := strconv.Unquote(fields[i+1])
		if err != nil {
			path = fields[i+1]
		}
		if filepath.IsAbs(path) || strings.HasPrefix(path, "./") || strings.HasPrefix(path, "../") {
			if !filepath.IsAbs(path) {
				path = filepath.Join(root, path)
			}
			dirs = append(dirs, path)
		}
	}
	return dirs
}

// moduleRoot returns the directory of the go.mod that governs dir, or "".
func moduleRoot(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// Build compiles the plugin in dir to WasmPath(dir) with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared
//
// writing progress and the compiler's output to progress.
func Build(ctx context.Context, dir string, progress io.Writer) (string, error) {
	if _, err := newestSource(dir); err != nil {
		return "", fmt.Errorf("build %s: %w", dir, err)
	}
	out := WasmPath(dir)
	abs, _ := filepath.Abs(out)
	fmt.Fprintf(progress, "wasmweb: building %s -> %s\n", dir, out)
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-buildmode=c-shared", "-trimpath", "-o", abs, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	// The go command's output and errors are copied by two goroutines
	// when they go to different writers; progress may not be safe for
	// that (a bytes.Buffer), so they take turns.
	pw := &lockedWriter{w: progress}
	cmd.Stdout = pw
	cmd.Stderr = io.MultiWriter(pw, &stderr)
	if err := cmd.Run(); err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("build %s: the go command is not on PATH; install Go 1.26 or build the plugin elsewhere and point the config at its .wasm", dir)
		}
		return "", fmt.Errorf("build %s: go build failed: %w", dir, err)
	}
	fi, err := os.Stat(out)
	if err != nil {
		return "", fmt.Errorf("build %s: %w", dir, err)
	}
	fmt.Fprintf(progress, "wasmweb: built %s (%.1f MB) in %.1fs\n", out, float64(fi.Size())/1e6, time.Since(start).Seconds())
	return out, nil
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Ensure builds the plugin in dir when it is stale and returns its .wasm.
func Ensure(ctx context.Context, dir string, progress io.Writer) (string, error) {
	stale, err := Stale(dir)
	if err != nil {
		return "", fmt.Errorf("build %s: %w", dir, err)
	}
	if !stale {
		return WasmPath(dir), nil
	}
	return Build(ctx, dir, progress)
}
