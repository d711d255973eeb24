package host

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/wasmweb/wasmweb/host/config"
)

// Engine owns the wazero machinery shared by every site: the on-disk
// compilation cache. Each site gets its own wazero runtime, because memory
// limits and deadline checks are runtime-wide settings in wazero.
// An Engine is safe for concurrent use.
type Engine struct {
	cache    wazero.CompilationCache
	cacheDir string
}

// DefaultCacheDir returns where compiled plugins are cached by default:
// wasmweb/wazero under the user's cache directory.
func DefaultCacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "wasmweb", "wazero")
}

// NewEngine returns an engine whose compilation cache lives in dir; an
// empty dir keeps compiled code in memory only.
func NewEngine(dir string) (*Engine, error) {
	e := &Engine{cacheDir: dir}
	if dir == "" {
		e.cache = wazero.NewCompilationCache()
		return e, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("host: compilation cache: %w", err)
	}
	c, err := wazero.NewCompilationCacheWithDir(dir)
	if err != nil {
		return nil, fmt.Errorf("host: compilation cache %s: %w", dir, err)
	}
	e.cache = c
	return e, nil
}

// CacheDir returns the compilation cache directory, "" when in memory.
func (e *Engine) CacheDir() string { return e.cacheDir }

// Close releases the compilation cache.
func (e *Engine) Close() error { return e.cache.Close(context.Background()) }

// siteRuntime is one site's wazero runtime with the host module and WASI
// instantiated in it.
type siteRuntime struct {
	rt        wazero.Runtime
	closeOnce sync.Once
}

func (e *Engine) newRuntime(ctx context.Context, lim config.Limits, h *hostFuncs) (*siteRuntime, error) {
	cfg := wazero.NewRuntimeConfigCompiler().
		WithCompilationCache(e.cache).
		WithMemoryLimitPages(uint32(lim.Memory / 65536))
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("host: wasi: %w", err)
	}
	if err := h.instantiate(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, err
	}
	return &siteRuntime{rt: rt}, nil
}

func (s *siteRuntime) close(ctx context.Context) {
	s.closeOnce.Do(func() { s.rt.Close(ctx) })
}
