package dev

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/netloop"
)

// tierHost records the loop's swaps. An interpreted swap succeeds at
// once; a compiled one waits until it is released or its context ends.
type tierHost struct {
	mu      sync.Mutex
	gen     uint64
	swaps   chan tierSwap
	started chan struct{} // a compiled swap has begun
	release chan struct{}
}

type tierSwap struct {
	wasm string
	opt  host.SwapOptions
	err  error // what the swap returned
}

func (h *tierHost) ServeHTTP(w *netloop.Response, r *netloop.Request)        {}
func (h *tierHost) PluginOf(*netloop.Request) (site, plugin string, ok bool) { return "", "", false }

func (h *tierHost) SwapPluginWith(ctx context.Context, site, plugin string, wasm []byte, from string, opt host.SwapOptions) (host.Swap, error) {
	if !opt.Interpreted {
		h.started <- struct{}{}
		select {
		case <-h.release:
		case <-ctx.Done():
			h.swaps <- tierSwap{string(wasm), opt, ctx.Err()}
			return host.Swap{}, ctx.Err()
		}
	}
	h.mu.Lock()
	h.gen++
	sw := host.Swap{Site: site, Plugin: plugin, Generation: h.gen, Interpreted: opt.Interpreted}
	h.mu.Unlock()
	h.swaps <- tierSwap{string(wasm), opt, nil}
	return sw, nil
}

// TestCompileAfterSwap checks the order of a build's two swaps: at once
// interpreted, then compiled for that generation; and that a change
// cancels the compile, whose next build is swapped in and compiled
// instead.
func TestCompileAfterSwap(t *testing.T) {
	dir := t.TempDir()
	fake := &tierHost{gen: 1, swaps: make(chan tierSwap, 10), started: make(chan struct{}, 10), release: make(chan struct{})}
	// The "module" is the source itself, behind the magic bytes.
	build := func(ctx context.Context, dir string, out io.Writer) (string, error) {
		src, err := os.ReadFile(filepath.Join(dir, "main.go"))
		if err != nil {
			return "", err
		}
		wasm := filepath.Join(dir, "page.wasm")
		return wasm, os.WriteFile(wasm, append([]byte("\x00asm"), src...), 0o644)
	}
	out := &lockedBuffer{}
	l, err := Start(context.Background(), Options{Host: fake, Plugins: []Plugin{{Site: "s", Name: "page", Dir: dir}},
		Out: out, WorkDir: dir, Debounce: 20 * time.Millisecond, Build: build})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	next := func() tierSwap {
		t.Helper()
		select {
		case s := <-fake.swaps:
			return s
		case <-time.After(time.Minute):
			t.Fatalf("no swap a minute after the change\n%s", out.String())
			return tierSwap{}
		}
	}

	writeSource(t, dir, "one")
	if s := next(); s.wasm != "\x00asmone" || !s.opt.Interpreted {
		t.Fatalf("first swap: %+v, want the build of one, interpreted", s)
	}
	// The compile waits in the fake: a change must cancel it.
	select {
	case <-fake.started:
	case <-time.After(time.Minute):
		t.Fatalf("no compile a minute after the first swap\n%s", out.String())
	}
	writeSource(t, dir, "two")
	if s := next(); s.wasm != "\x00asmone" || s.opt.Interpreted || s.opt.IfGeneration != 2 || !s.opt.Cancelable || s.err != context.Canceled {
		t.Fatalf("second swap: %+v, want one's compile for generation 2, cancelled", s)
	}
	if s := next(); s.wasm != "\x00asmtwo" || !s.opt.Interpreted {
		t.Fatalf("third swap: %+v, want the build of two, interpreted", s)
	}
	close(fake.release)
	if s := next(); s.wasm != "\x00asmtwo" || s.opt.Interpreted || s.opt.IfGeneration != 3 || s.err != nil || s.opt.CompileWorkers < 1 {
		t.Fatalf("fourth swap: %+v, want two's compile for generation 3", s)
	}
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(out.String(), "dev: page: generation 4 compiled and swapped in") {
		if time.Now().After(deadline) {
			t.Fatalf("no line for the compiled swap:\n%s", out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case s := <-fake.swaps:
		t.Errorf("a fifth swap: %+v", s)
	case <-time.After(100 * time.Millisecond):
	}
}
