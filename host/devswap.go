package host

import (
	"context"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero/experimental"

	"github.com/wasmweb/wasmweb/host/internal/guest"
	"github.com/wasmweb/wasmweb/host/internal/hostfuncs"
)

// ErrSuperseded: the plugin's generation is no longer the one
// SwapOptions.IfGeneration names; another change replaced it.
var ErrSuperseded = errors.New("its generation was replaced meanwhile")

// SwapOptions change how SwapPluginWith loads a new generation. The zero
// value is SwapPlugin's, which serve and the admin API use. wasmweb dev
// swaps a new build in twice: first interpreted, which loads in a
// fraction of the time, then compiled, in the background, once the
// compiler has finished (if no newer change came first). Clients do not
// see the second swap: it is one like any other.
type SwapOptions struct {
	// Interpreted loads the generation into the site's second runtime,
	// which runs wazero's interpreter: nothing is compiled to machine
	// code, so a 2.4 MB Go module loads in about a tenth of the
	// compiler's CPU time, and then runs slower. It also makes one
	// warm instance only (more are made on demand, up to the limit), as
	// each costs a run of the guest's initialization, interpreted.
	Interpreted bool
	// CompileWorkers compiles the module with that many goroutines; 0
	// or 1 with one. Ignored when Interpreted.
	CompileWorkers int
	// IfGeneration, when not 0, makes the swap happen only while the
	// plugin's current generation is that one: otherwise it fails with
	// ErrSuperseded before loading anything. Since changes are
	// serialized, nothing can replace the generation while the swap
	// loads.
	IfGeneration uint64
	// Cancelable: a swap whose ctx ends while the module compiles fails
	// with ctx's error, not as a rejected module: it is neither logged
	// nor counted as a reload failure.
	Cancelable bool
}

// still returns ErrSuperseded unless slot serves opt's IfGeneration.
func (opt SwapOptions) still(slot *guest.Slot) error {
	if opt.IfGeneration != 0 && slot.Current().Info().Generation != opt.IfGeneration {
		return ErrSuperseded
	}
	return nil
}

// load returns what guest.Load needs to load the generation as opt
// says: its context, the runtime and the config. h.changes.mu must be
// held.
func (opt SwapOptions) load(ctx context.Context, h *Host, s *Site, cfg guest.Config) (context.Context, *guest.Runtime, guest.Config, error) {
	if !opt.Interpreted {
		if opt.CompileWorkers > 1 {
			ctx = experimental.WithCompilationWorkers(ctx, opt.CompileWorkers)
		}
		return ctx, s.rt, cfg, nil
	}
	rt := s.interp.Load()
	if rt == nil {
		var err error
		rt, err = h.engine.e.NewInterpreterRuntime(ctx, int64(s.limits.Memory), hostfuncs.Functions)
		if err != nil {
			return nil, nil, cfg, fmt.Errorf("host: site %q: interpreter: %w", s.name, err)
		}
		s.interp.Store(rt)
	}
	cfg.WarmInstances = min(cfg.WarmInstances, 1)
	return ctx, rt, cfg, nil
}
