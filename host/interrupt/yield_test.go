package interrupt_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/wasmweb/wasmweb/host/interrupt"
)

// hostYield instantiates the module instrumented modules import in rt,
// and returns how many times their checks have called its function.
func hostYield(t testing.TB, rt wazero.Runtime) *atomic.Int64 {
	t.Helper()
	var n atomic.Int64
	if _, err := interrupt.InstantiateHost(context.Background(), rt, func(context.Context) { n.Add(1) }); err != nil {
		t.Fatal(err)
	}
	return &n
}

// hostImporter returns a module that imports interrupt.ImportYield
// itself: type () -> (), one import.
func hostImporter() []byte {
	b := []byte("\x00asm\x01\x00\x00\x00")
	b = append(b, 1, 4, 1, 0x60, 0, 0) // type section
	imp := []byte{1, byte(len(interrupt.ImportModule))}
	imp = append(imp, interrupt.ImportModule...)
	imp = append(imp, byte(len(interrupt.ImportYield)))
	imp = append(imp, interrupt.ImportYield...)
	imp = append(imp, 0, 0) // a function of type 0
	b = append(b, 2, byte(len(imp)))
	return append(b, imp...)
}

// indicesRuntime returns a runtime for testdata/indices.wasm, with its
// imports (env.ten, env.twenty, and envg.g = 1000) and the yield host
// module, and the count of yield calls.
func indicesRuntime(t *testing.T) (wazero.Runtime, *atomic.Int64) {
	ctx := context.Background()
	cfg := wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesTailCall)
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	t.Cleanup(func() { rt.Close(ctx) })
	env := rt.NewHostModuleBuilder("env")
	env.NewFunctionBuilder().WithFunc(func() int32 { return 10 }).Export("ten")
	env.NewFunctionBuilder().WithFunc(func() int32 { return 20 }).Export("twenty")
	if _, err := env.Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	// wazero's host modules export no globals: g comes from a module.
	g := []byte("\x00asm\x01\x00\x00\x00" +
		"\x06\x07\x01\x7f\x00\x41\xe8\x07\x0b" + // global i32 = 1000
		"\x07\x05\x01\x01g\x03\x00") // export "g"
	if _, err := rt.InstantiateWithConfig(ctx, g, wazero.NewModuleConfig().WithName("envg")); err != nil {
		t.Fatal(err)
	}
	return rt, hostYield(t, rt)
}

// TestIndicesShifted runs testdata/indices.wasm, whose exports reach
// functions through every place a function index can be (calls, tail
// calls, tables filled by element segments in their eight encodings,
// ref.func in code and in a global's initializer, exports, the start
// function), before and after Instrument: every answer must be the
// same, and the name section must still name the right functions.
func TestIndicesShifted(t *testing.T) {
	orig := load(t, "testdata/indices.wasm")
	wasm, err := interrupt.Instrument(orig)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	instantiate := func(b []byte) (api.Module, *atomic.Int64) {
		rt, yields := indicesRuntime(t)
		mod, err := rt.InstantiateWithConfig(ctx, b, wazero.NewModuleConfig().WithName("indices"))
		if err != nil {
			t.Fatal(err)
		}
		return mod, yields
	}
	before, _ := instantiate(orig)
	after, yields := instantiate(wasm)
	start := after.ExportedFunction(interrupt.ExportStart)
	if start == nil {
		t.Fatalf("no export %s", interrupt.ExportStart)
	}
	if _, err := start.Call(ctx); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		export string
		arg    []uint64
		want   uint64
	}{
		{"call", nil, 1 + 10 + 8},
		{"tail", nil, 3},
		{"tail_import", nil, 20},
		{"t0", []uint64{0}, 1},  // flags 0
		{"t0", []uint64{1}, 10}, // flags 0, an import
		{"t0", []uint64{2}, 4},  // flags 4
		{"t1", []uint64{0}, 3},  // flags 2
		{"t1", []uint64{1}, 8},  // flags 6
		{"passive", nil, 2 + 20 + 6 + 10},
		{"reffunc", nil, 7 + 5},
		{"started", nil, 1},
		{"loop", []uint64{5 * interrupt.Interval}, 5*interrupt.Interval + 1000},
		{"eight", nil, 8},
		{"ten", nil, 10},
	} {
		for _, m := range []struct {
			name string
			mod  api.Module
		}{{"original", before}, {"instrumented", after}} {
			res, err := m.mod.ExportedFunction(tc.export).Call(ctx, tc.arg...)
			if err != nil {
				t.Errorf("%s: %s%v: %v", m.name, tc.export, tc.arg, err)
				continue
			}
			if res[0] != tc.want {
				t.Errorf("%s: %s%v = %d, want %d", m.name, tc.export, tc.arg, res[0], tc.want)
			}
		}
	}
	if n := yields.Load(); n < 5 {
		t.Errorf("loop(%d) called the yield import %d times, want at least 5", 5*interrupt.Interval, n)
	}
	named := 0
	for name, f := range before.ExportedFunctionDefinitions() {
		g := after.ExportedFunctionDefinitions()[name]
		if g == nil {
			t.Errorf("export %s lost", name)
			continue
		}
		if f.Name() != g.Name() {
			t.Errorf("export %s is named %q in the name section, want %q", name, g.Name(), f.Name())
		}
		if f.Name() != "" {
			named++
		}
	}
	if named != 3 { // eight, ten and loop
		t.Errorf("%d exports have names, want 3", named)
	}
	found := false
	for _, f := range after.ExportedFunctionDefinitions() {
		if mod, name, ok := f.Import(); ok && mod == interrupt.ImportModule {
			t.Errorf("%s.%s is exported", mod, name)
		}
	}
	cm, err := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter().WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesTailCall)).CompileModule(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range cm.ImportedFunctions() {
		if mod, name, _ := f.Import(); mod == interrupt.ImportModule && name == interrupt.ImportYield {
			found = len(f.ParamTypes()) == 0 && len(f.ResultTypes()) == 0
		}
	}
	if !found {
		t.Errorf("the instrumented module does not import %s.%s () -> ()", interrupt.ImportModule, interrupt.ImportYield)
	}
}

// TestYieldEveryInterval counts the yield calls of the loop guest's
// count(n): n loop heads, so n/Interval calls, in both engines.
func TestYieldEveryInterval(t *testing.T) {
	for _, engine := range []string{"compiler", "interpreter"} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			cfg := wazero.NewRuntimeConfigCompiler()
			if engine == "interpreter" {
				cfg = wazero.NewRuntimeConfigInterpreter()
			}
			rt := wazero.NewRuntimeWithConfig(ctx, cfg)
			defer rt.Close(ctx)
			yields := hostYield(t, rt)
			wasm, err := interrupt.Instrument(guest(t, "loop"))
			if err != nil {
				t.Fatal(err)
			}
			mod, err := rt.Instantiate(ctx, wasm)
			if err != nil {
				t.Fatal(err)
			}
			const n = 100 * interrupt.Interval
			if _, err := mod.ExportedFunction("count").Call(ctx, n); err != nil {
				t.Fatal(err)
			}
			// The entry's check and the loop's: n+1 checks, give or take
			// those of the module's other functions.
			if got := yields.Load(); got < n/interrupt.Interval || got > n/interrupt.Interval+1 {
				t.Errorf("count(%d) called yield %d times, want %d", n, got, n/interrupt.Interval)
			}
		})
	}
}

func TestHostImportRefused(t *testing.T) {
	_, err := interrupt.Instrument(hostImporter())
	if !errors.Is(err, interrupt.ErrHostImport) {
		t.Fatalf("Instrument: %v, want %v", err, interrupt.ErrHostImport)
	}
}
