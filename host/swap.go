package host

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/host/internal/guest"
)

// changes is what the host's live changes share: one at a time (mu), the
// admin API's settings, and their metrics.
type changes struct {
	mu sync.Mutex // held for the whole of a change
	// persistMu is held by a change asked to persist, from reading the
	// config file to writing it, so that two do not write over each other.
	persistMu sync.Mutex
	token     string // the admin API's bearer token; "" when none is set
	maxBody   int64  // the admin API's largest request body
	m         *reloadMetrics
	file      configFile // where POST /v1/reload reads the config; mu guards
}

func (c *changes) init(h *Host, s config.Server) {
	s = s.WithDefaults()
	c.token = s.AdminSecret()
	c.maxBody = int64(s.AdminMaxBody)
	c.m = newReloadMetrics(h)
}

// Errors of SwapPlugin besides the module's own (*SwapError).
var (
	// ErrNoSite: the host serves no site of that name.
	ErrNoSite = errors.New("no such site")
	// ErrNoPlugin: the site has no plugin of that name.
	ErrNoPlugin = errors.New("no such plugin")
	// ErrClosed: the host is shutting down.
	ErrClosed = errors.New("host: shutting down")
)

// The causes of a rejected swap, as SwapError and the metric
// wasmweb_plugin_reload_failures_total name them.
const (
	CauseNotWasm     = "not_wasm"            // the bytes are not a WebAssembly module
	CauseDecode      = guest.StageInstrument // the module does not decode
	CauseCompile     = guest.StageCompile
	CauseExports     = guest.StageCheck       // an export or import is not what ABI.md requires
	CauseInstantiate = guest.StageInstantiate // instantiation, the start function or _initialize failed
	CauseHandlers    = "handlers"             // a route names a handler the module does not register (abi/ABI.md section 4)
)

// SwapError is why a new generation of a plugin was refused: the old
// one keeps serving.
type SwapError struct {
	Site, Plugin string
	Cause        string // one of the Cause constants
	Err          error
}

func (e *SwapError) Error() string {
	return fmt.Sprintf("host: site %q plugin %q: %s: %v", e.Site, e.Plugin, e.Cause, e.Err)
}

func (e *SwapError) Unwrap() error { return e.Err }

// Swap is what a swap did.
type Swap struct {
	Site, Plugin string
	// Generation is the new generation's number; Replaced the number of
	// the one it replaced, which closes once its calls have returned.
	Generation, Replaced uint64
	// SHA256 is the hex hash of the module's bytes; Size their count.
	SHA256 string
	Size   int
	// Load is how long compiling, checking and warming the new
	// generation took; Total adds the wait for earlier changes and the
	// swap itself.
	Load, Total time.Duration
}

// SwapPlugin makes wasm the code of plugin in site. The new generation
// is compiled, checked and its warm instances made beside the one
// serving; then new requests go to it, while requests in progress finish
// on the old one, which is closed once they have. Parked long polls are
// resumed by the new one. When anything fails the old generation keeps
// serving and the error is a *SwapError (or ErrNoSite, ErrNoPlugin,
// ErrClosed). from names the bytes' origin in errors and logs. Changes
// are serialized; SwapPlugin is safe for concurrent use.
//
// The change lives in memory only: the next start or reload loads the
// plugin's file named in the config.
func (h *Host) SwapPlugin(ctx context.Context, site, plugin string, wasm []byte, from string) (Swap, error) {
	start := time.Now()
	h.changes.mu.Lock()
	defer h.changes.mu.Unlock()
	h.closeMu.Lock()
	closed := h.isClosed
	h.closeMu.Unlock()
	if closed {
		return Swap{}, ErrClosed
	}
	s := h.site(site)
	if s == nil {
		return Swap{}, fmt.Errorf("host: site %q: %w", site, ErrNoSite)
	}
	slot, ok := s.plugins[plugin]
	if !ok {
		return Swap{}, fmt.Errorf("host: site %q plugin %q: %w", site, plugin, ErrNoPlugin)
	}
	m := h.changes.m
	fail := func(cause string, err error) (Swap, error) {
		m.failed(site, plugin, cause)
		h.log.Error("host: plugin not swapped; the old generation keeps serving", "site", site, "plugin", plugin,
			"from", from, "cause", cause, "err", err)
		return Swap{}, &SwapError{Site: site, Plugin: plugin, Cause: cause, Err: err}
	}
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" {
		return fail(CauseNotWasm, errors.New("not a WebAssembly module (no \\0asm header)"))
	}
	cfg := s.loads[plugin]
	cfg.Path = from
	loadStart := time.Now()
	next, err := guest.Load(ctx, s.rt, wasm, cfg)
	if err != nil {
		var le *guest.LoadError
		if errors.As(err, &le) {
			return fail(le.Stage, le.Err)
		}
		return fail(CauseCompile, err)
	}
	if r, err := s.missingHandler(plugin, next); err != nil {
		next.Close(ctx)
		return fail(CauseHandlers, fmt.Errorf("%s.handler: %w", r.Key, err))
	}
	loaded := time.Since(loadStart)
	// Close may have begun while the module loaded; closeMu orders the
	// swap before it (Close then closes the new generation with the
	// site) or after it (the new generation is dropped here).
	h.closeMu.Lock()
	if h.isClosed {
		h.closeMu.Unlock()
		next.Close(ctx)
		return Swap{}, ErrClosed
	}
	h.watchdog.Add(next)
	old := slot.Swap(next)
	h.closeMu.Unlock()
	info := next.Info()
	sw := Swap{Site: site, Plugin: plugin, Generation: info.Generation, Replaced: old.Info().Generation,
		SHA256: info.SHA256, Size: info.Size, Load: loaded, Total: time.Since(start)}
	m.swapped(site, plugin, sw.Total)
	h.log.Info("host: plugin swapped", "site", site, "plugin", plugin, "from", from, "generation", sw.Generation,
		"sha256", sw.SHA256[:12], "load", sw.Load.Round(time.Millisecond))
	return sw, nil
}

// site returns the serving site named name, or nil.
func (h *Host) site(name string) *Site { return h.sites.Load().site(name) }

// validName reports whether name may name a site or plugin in a change:
// not empty, and no "/", ".." or NUL, which could step out of a path or
// a URL segment.
func validName(name string) bool {
	return name != "" && !strings.ContainsAny(name, "/\x00") && !strings.Contains(name, "..")
}
