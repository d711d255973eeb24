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
	"regexp"
	"slices"
	"strconv"
	"strings"
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

// ErrGoBuild is the error of a build that the go command refused; its
// output, written to the progress writer before, says why.
var ErrGoBuild = errors.New("go build failed (its output is above)")

// Build compiles the plugin in dir to WasmPath(dir) with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared
//
// writing progress and the compiler's output to progress. The compiler
// runs in dir; the file names in its output are rewritten relative to
// the working directory, where the user stands, so that they can be
// opened as they are shown. When the compiler fails, the error wraps
// ErrGoBuild and does not repeat its output.
func Build(ctx context.Context, dir string, progress io.Writer) (string, error) {
	if _, err := newestSource(dir); err != nil {
		return "", fmt.Errorf("build %s: %w", dir, err)
	}
	out := WasmPath(dir)
	abs, _ := filepath.Abs(out)
	compiler := &positions{w: progress, dir: filepath.Dir(abs)}
	if cwd, err := os.Getwd(); err == nil {
		compiler.cwd = cwd
	}
	fmt.Fprintf(progress, "wasmweb: building plugin %s: compiling it to WebAssembly (GOOS=wasip1 GOARCH=wasm go build) -> %s\n", compiler.shown(filepath.Dir(abs)), compiler.shown(abs))
	start := time.Now()
	cmd := exec.CommandContext(ctx, "go", "build", "-buildmode=c-shared", "-trimpath", "-o", abs, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	cmd.Stdout = compiler
	cmd.Stderr = compiler
	err := cmd.Run()
	compiler.Flush()
	if err != nil {
		if errors.Is(err, exec.ErrNotFound) {
			return "", fmt.Errorf("build %s: the go command is not on PATH; install Go 1.26 or build the plugin elsewhere and point the config at its .wasm", dir)
		}
		var exit *exec.ExitError
		if errors.As(err, &exit) && ctx.Err() == nil {
			return "", fmt.Errorf("build %s: %w", dir, ErrGoBuild)
		}
		return "", fmt.Errorf("build %s: go build: %w", dir, err)
	}
	fi, err := os.Stat(out)
	if err != nil {
		return "", fmt.Errorf("build %s: %w", dir, err)
	}
	fmt.Fprintf(progress, "wasmweb: built %s (%.1f MB) in %.1fs\n", compiler.shown(abs), float64(fi.Size())/1e6, time.Since(start).Seconds())
	return out, nil
}

// positions writes the go command's output, run in dir, to w, with the
// relative file names that start its lines ("./main.go:5:2: ...",
// "sub/x.go:3:1: ...") made relative to cwd instead, or absolute when
// cwd is unknown or the file lies outside it. Lines are written whole, as
// they end.
type positions struct {
	w        io.Writer
	dir, cwd string
	partial  []byte
}

// position matches a file position at the start of a line.
var position = regexp.MustCompile(`^([^\s:]+\.go):\d+`)

func (p *positions) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			p.partial = append(p.partial, b...)
			break
		}
		p.partial = append(p.partial, b[:i+1]...)
		b = b[i+1:]
		if _, err := io.WriteString(p.w, p.rewrite(string(p.partial))); err != nil {
			return n, err
		}
		p.partial = p.partial[:0]
	}
	return n, nil
}

// Flush writes a last line that had no newline.
func (p *positions) Flush() {
	if len(p.partial) > 0 {
		io.WriteString(p.w, p.rewrite(string(p.partial))+"\n")
		p.partial = nil
	}
}

func (p *positions) rewrite(line string) string {
	m := position.FindStringSubmatchIndex(line)
	if m == nil {
		return line
	}
	name := line[m[2]:m[3]]
	if filepath.IsAbs(name) {
		return line
	}
	path := p.shown(filepath.Join(p.dir, name))
	return path + line[m[3]:]
}

// shown returns path, which is absolute, as the user is shown it:
// relative to cwd when it lies there.
func (p *positions) shown(path string) string {
	if p.cwd != "" {
		if rel, err := filepath.Rel(p.cwd, path); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return rel
		}
	}
	return path
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
