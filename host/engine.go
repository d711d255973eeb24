package host

import "github.com/wasmweb/wasmweb/host/internal/guest"

// Engine is the compilation cache that hosts share: a plugin compiled
// once is loaded from it by every site, and by the next process when it
// lives on disk. An Engine is safe for concurrent use.
type Engine struct{ e *guest.Engine }

// DefaultCacheDir returns where compiled plugins are cached by default:
// wasmweb/wazero under the user's cache directory.
func DefaultCacheDir() string { return guest.DefaultCacheDir() }

// NewEngine returns an engine whose compilation cache lives in dir; an
// empty dir keeps compiled code in memory only.
func NewEngine(dir string) (*Engine, error) {
	e, err := guest.NewEngine(dir)
	if err != nil {
		return nil, err
	}
	return &Engine{e}, nil
}

// CacheDir returns the compilation cache directory, "" when in memory.
func (e *Engine) CacheDir() string { return e.e.CacheDir() }

// Close releases the compilation cache.
func (e *Engine) Close() error { return e.e.Close() }

// Compiled returns how many wazero runtimes and compiled modules the
// engine holds for the hosts' sites: sites with the same memory limit
// share a runtime, and plugins of theirs with the same module bytes one
// compiled module.
func (e *Engine) Compiled() (runtimes, modules int) { return e.e.Runtimes() }
