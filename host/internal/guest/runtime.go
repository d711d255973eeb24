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
// compilation cache. Each site gets its own Runtime, because memory
// limits and deadline checks are runtime-wide settings in wazero. An
// Engine is safe for concurrent use.
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

// Func is one function of the wasmweb_v1 host module, as a Runtime
// registers it: its ABI name, its parameters' names and types as ABI.md
// gives them, its results, and its Go implementation.
type Func struct {
	Name       string
	ParamNames []string
	Params     []api.ValueType
	Results    []api.ValueType
	Fn         api.GoModuleFunc
}

// Runtime is one site's wazero runtime, with WASI and the host module
// instantiated in it. Safe for concurrent use.
type Runtime struct {
	rt        wazero.Runtime
	imports   map[string]bool // the host module's function names
	closeOnce sync.Once

	// Open compiled modules and instances of every generation loaded in
	// the runtime, for reports and the tests that check none is leaked.
	modules, instances atomic.Int64
}

// Live returns how many compiled modules and instances are open in the
// runtime: those of the plugins' current generations and of any still
// draining.
func (r *Runtime) Live() (modules, instances int) {
	return int(r.modules.Load()), int(r.instances.Load())
}

// NewRuntime returns a runtime whose instances get at most memoryBytes of
// linear memory each, with funcs as the wasmweb_v1 module. Every function
// traps at entry once its instance has been halted (abi/ABI.md section
// 3, Deadlines).
func (e *Engine) NewRuntime(ctx context.Context, memoryBytes int64, funcs []Func) (*Runtime, error) {
	cfg := wazero.NewRuntimeConfigCompiler().WithCompilationCache(e.cache)
	return newRuntime(ctx, cfg, memoryBytes, funcs)
}

// NewInterpreterRuntime is NewRuntime with wazero's interpreter instead
// of its compiler: a module loads in a fraction of the time, since
// nothing is compiled to machine code, and then runs slower. Nothing it
// loads is cached. wasmweb dev serves a new build
// with it while the compiler works.
func (e *Engine) NewInterpreterRuntime(ctx context.Context, memoryBytes int64, funcs []Func) (*Runtime, error) {
	return newRuntime(ctx, wazero.NewRuntimeConfigInterpreter(), memoryBytes, funcs)
}

func newRuntime(ctx context.Context, cfg wazero.RuntimeConfig, memoryBytes int64, funcs []Func) (*Runtime, error) {
	cfg = cfg.WithMemoryLimitPages(uint32(memoryBytes / 65536))
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("host: wasi: %w", err)
	}
	b := rt.NewHostModuleBuilder(abi.ModuleName)
	imports := make(map[string]bool, len(funcs))
	for _, f := range funcs {
		b.NewFunctionBuilder().WithGoModuleFunction(stoppable(f.Fn), f.Params, f.Results).WithParameterNames(f.ParamNames...).Export(f.Name)
		imports[f.Name] = true
	}
	if _, err := b.Instantiate(ctx); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("host: host module: %w", err)
	}
	return &Runtime{rt: rt, imports: imports}, nil
}

// stoppable makes fn trap at entry once its instance is halted: a guest
// that calls the host in a loop meets its deadline at the next call,
// not after the loop's next Interval checks.
func stoppable(fn api.GoModuleFunc) api.GoModuleFunc {
	return func(ctx context.Context, mod api.Module, stack []uint64) {
		if in := FromContext(ctx); in != nil && in.killed.Load() {
			Trap("call stopped at its deadline")
		}
		fn(ctx, mod, stack)
	}
}

// Close closes the runtime; only the first call does anything.
func (r *Runtime) Close(ctx context.Context) {
	r.closeOnce.Do(func() { r.rt.Close(ctx) })
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
