package guest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/interrupt"
)

// Engine owns the wazero machinery shared by every site: the on-disk
// compilation cache, and the runtimes and compiled modules that sites
// with the same settings share. A wazero runtime's memory limit is
// runtime-wide, so sites share a runtime when their memory limits (and
// host functions) are the same, and a compiled module when, moreover,
// their plugins' module bytes and deadline settings are (module.go).
// Across runtimes the machine code itself is shared too: every runtime
// uses the engine's compilation cache, whose compiler keeps one copy of
// each module's code. An Engine is safe for concurrent use.
type Engine struct {
	cache    wazero.CompilationCache
	cacheDir string

	mu     sync.Mutex
	groups map[groupKey]*runtimeGroup // mu guards groups and their contents, files and sums
	files  map[string]*wasmFile       // module files by path, as ReadWasm last read them
	sums   map[*byte]*wasmFile        // the same, by their bytes' first byte
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
	e := &Engine{cacheDir: dir, groups: map[groupKey]*runtimeGroup{}, files: map[string]*wasmFile{}, sums: map[*byte]*wasmFile{}}
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

// Func is one function of the wasmweb_v1 host module, as a Runtime
// registers it: its ABI name, its parameters' names and types as ABI.md
// gives them, its results, and its Go implementation.
type Func struct {
	Name       string
	ParamNames []string
	Params     []api.ValueType
	Results    []api.ValueType
	Fn         api.GoModuleFunc
	// SameAtInit says that, called while an instance initializes, the
	// function answers alike for every instance of every site and
	// changes nothing a later call could see (it answers that there is
	// no request, or a constant), so that a snapshot taken after an
	// initialization that called it stands for the call. A log line is
	// the exception allowed: it is written once, when the snapshot is
	// taken. Without it, such an initialization is not snapshotted.
	SameAtInit bool
}

// Runtime is one site's handle on a wazero runtime it shares with the
// sites whose memory limit and host functions are the same, with WASI
// and the host module instantiated in it. Safe for concurrent use.
type Runtime struct {
	g         *runtimeGroup
	rt        wazero.Runtime  // g's
	imports   map[string]bool // the host module's function names
	closeOnce sync.Once

	// Open compiled modules (the site's references to shared ones) and
	// instances of every generation the site loaded, for reports and the
	// tests that check none is leaked.
	modules, instances atomic.Int64
}

// runtimeGroup is a wazero runtime and what its sites share in it. The
// engine's mu guards refs and modules.
type runtimeGroup struct {
	e       *Engine
	key     groupKey
	rt      wazero.Runtime
	imports map[string]bool
	refs    int                         // open Runtimes
	modules map[moduleKey]*sharedModule // compiled modules by what they were made from
}

// groupKey says which sites may share a runtime: the same memory limit
// and the same host functions (the same slice: the host's is one
// package variable).
type groupKey struct {
	pages  uint32
	funcs  *Func
	n      int
	interp bool // wazero's interpreter (NewInterpreterRuntime)
}

// Live returns how many compiled modules and instances are open in the
// runtime: those of the plugins' current generations and of any still
// draining.
func (r *Runtime) Live() (modules, instances int) {
	return int(r.modules.Load()), int(r.instances.Load())
}

// Runtimes returns how many wazero runtimes and compiled modules the
// engine holds for its sites: a module loaded by several sites with the
// same limits is compiled, and counted, once.
func (e *Engine) Runtimes() (runtimes, modules int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, g := range e.groups {
		modules += len(g.modules)
	}
	return len(e.groups), modules
}

// NewRuntime returns a runtime whose instances get at most memoryBytes of
// linear memory each, with funcs as the wasmweb_v1 module: a handle on
// the runtime of earlier calls with the same memoryBytes and funcs, if
// one is open. Every function traps at entry once its instance has been
// halted (abi/ABI.md section 3, Deadlines).
func (e *Engine) NewRuntime(ctx context.Context, memoryBytes int64, funcs []Func) (*Runtime, error) {
	return e.runtime(ctx, groupKey{pages: uint32(memoryBytes / 65536)}, funcs)
}

// NewInterpreterRuntime is NewRuntime with wazero's interpreter instead
// of its compiler: a module loads in a fraction of the time, since
// nothing is compiled to machine code, and then runs slower. Nothing it
// loads is cached. wasmweb dev serves a new build with it while the
// compiler works.
func (e *Engine) NewInterpreterRuntime(ctx context.Context, memoryBytes int64, funcs []Func) (*Runtime, error) {
	return e.runtime(ctx, groupKey{pages: uint32(memoryBytes / 65536), interp: true}, funcs)
}

// runtime returns a handle on the group of key (with funcs), opening
// it if none is open.
func (e *Engine) runtime(ctx context.Context, key groupKey, funcs []Func) (*Runtime, error) {
	key.n = len(funcs)
	if len(funcs) > 0 {
		key.funcs = &funcs[0]
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.groups[key]
	if g == nil {
		var err error
		if g, err = e.newGroup(ctx, key, funcs); err != nil {
			return nil, err
		}
		e.groups[key] = g
	}
	g.refs++
	return &Runtime{g: g, rt: g.rt, imports: g.imports}, nil
}

func (e *Engine) newGroup(ctx context.Context, key groupKey, funcs []Func) (*runtimeGroup, error) {
	cfg := wazero.NewRuntimeConfigCompiler().WithCompilationCache(e.cache)
	if key.interp {
		// Its instances' calls stop when their context ends (Instance.cancel).
		cfg = wazero.NewRuntimeConfigInterpreter().WithCloseOnContextDone(true)
	}
	cfg = cfg.WithMemoryLimitPages(key.pages)
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("host: wasi: %w", err)
	}
	b := rt.NewHostModuleBuilder(abi.ModuleName)
	imports := make(map[string]bool, len(funcs))
	for _, f := range funcs {
		b.NewFunctionBuilder().WithGoModuleFunction(stoppable(f.Name, f.SameAtInit, f.Fn), f.Params, f.Results).WithParameterNames(f.ParamNames...).Export(f.Name)
		imports[f.Name] = true
	}
	if _, err := b.Instantiate(ctx); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("host: host module: %w", err)
	}
	// The checks of instrumented modules call it; it is no wasmweb_v1
	// function, so an initialization's calls of it do not keep it from
	// being snapshotted.
	if _, err := interrupt.InstantiateHost(ctx, rt, yieldCall); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("host: %s module: %w", interrupt.ImportModule, err)
	}
	return &runtimeGroup{e: e, key: key, rt: rt, imports: imports, modules: map[moduleKey]*sharedModule{}}, nil
}

// stoppable makes fn trap at entry once its instance is halted: a guest
// that calls the host in a loop meets its deadline at the next call,
// not after the loop's next Interval checks. It also notes a call made
// while the instance initializes that a snapshot could not stand for
// (Func.SameAtInit).
func stoppable(name string, sameAtInit bool, fn api.GoModuleFunc) api.GoModuleFunc {
	return func(ctx context.Context, mod api.Module, stack []uint64) {
		if in := FromContext(ctx); in != nil {
			if in.killed.Load() {
				Trap("call stopped at its deadline")
			}
			if !sameAtInit && in.initializing.Load() {
				in.initCall.CompareAndSwap(nil, &name)
			}
		}
		fn(ctx, mod, stack)
	}
}

// Close gives the runtime back: the wazero runtime closes with the last
// site's handle on it. Only the first call does anything. The caller
// closes its plugins first.
func (r *Runtime) Close(ctx context.Context) {
	r.closeOnce.Do(func() {
		e := r.g.e
		e.mu.Lock()
		r.g.refs--
		last := r.g.refs == 0
		if last {
			delete(e.groups, r.g.key)
		}
		e.mu.Unlock()
		if last {
			r.g.rt.Close(ctx)
		}
	})
}

// checkModule verifies the exports ABI.md §4 requires and that every
// wasmweb import is one of the runtime's, with errors that say what was
// expected.
func (r *Runtime) checkModule(cm wazero.CompiledModule) error {
	exports := cm.ExportedFunctions()
	h, ok := exports[abi.ExportHandle]
	if !ok {
		return fmt.Errorf("missing export %s (want a function (i32) -> (i32); a Go plugin registers handlers with the wasmweb sdk)", abi.ExportHandle)
	}
	if !sameTypes(h.ParamTypes(), api.ValueTypeI32) || !sameTypes(h.ResultTypes(), api.ValueTypeI32) {
		return fmt.Errorf("export %s has signature %s, want (i32) -> (i32)", abi.ExportHandle, signature(h))
	}
	if init, ok := exports[abi.ExportInitialize]; ok && (len(init.ParamTypes()) != 0 || len(init.ResultTypes()) != 0) {
		return fmt.Errorf("export %s has signature %s, want () -> ()", abi.ExportInitialize, signature(init))
	}
	if start, ok := exports[interrupt.ExportStart]; ok && (len(start.ParamTypes()) != 0 || len(start.ResultTypes()) != 0) {
		return fmt.Errorf("the start function has signature %s, want () -> ()", signature(start))
	}
	if sv, ok := exports[abi.ExportServe]; ok && (!sameTypes(sv.ParamTypes(), api.ValueTypeI32, api.ValueTypeI32) || !sameTypes(sv.ResultTypes(), api.ValueTypeI32)) {
		return fmt.Errorf("export %s has signature %s, want (i32, i32) -> (i32)", abi.ExportServe, signature(sv))
	}
	if hs, ok := exports[abi.ExportHandlers]; ok && (len(hs.ParamTypes()) != 0 || !sameTypes(hs.ResultTypes(), api.ValueTypeI64)) {
		return fmt.Errorf("export %s has signature %s, want () -> (i64)", abi.ExportHandlers, signature(hs))
	}
	if _, ok := cm.ExportedMemories()[abi.ExportMemory]; !ok {
		return fmt.Errorf("missing export %q (want the guest's memory)", abi.ExportMemory)
	}
	for _, f := range cm.ImportedFunctions() {
		mod, name, _ := f.Import()
		switch {
		case mod == abi.ModuleName && !r.imports[name]:
			return fmt.Errorf("imports %s.%s, which this host does not provide", mod, name)
		case strings.HasPrefix(mod, "wasmweb_") && mod != abi.ModuleName:
			return fmt.Errorf("imports module %s; this host speaks %s", mod, abi.ModuleName)
		}
	}
	return nil
}

func sameTypes(got []api.ValueType, want ...api.ValueType) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

func signature(f api.FunctionDefinition) string {
	names := func(ts []api.ValueType) string {
		s := make([]string, len(ts))
		for i, t := range ts {
			s[i] = api.ValueTypeName(t)
		}
		return "(" + strings.Join(s, ", ") + ")"
	}
	return names(f.ParamTypes()) + " -> " + names(f.ResultTypes())
}
