package interrupt_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/host/interrupt"
)

// TestPrepareSnapshotExportsGlobals prepares an instrumented guest: the
// result compiles, and every mutable global, the stop global among
// them, can be read and set through its new export.
func TestPrepareSnapshotExportsGlobals(t *testing.T) {
	ctx := context.Background()
	iw, err := interrupt.Instrument(guest(t, "hello"))
	if err != nil {
		t.Fatal(err)
	}
	wasm, globals, unsafe, err := interrupt.PrepareSnapshot(iw)
	if err != nil || unsafe != "" {
		t.Fatalf("PrepareSnapshot: %v, unsafe %q", err, unsafe)
	}
	if len(globals) != 2 { // the budget and the stop global
		t.Fatalf("globals %v, want the two Instrument adds", globals)
	}
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	hostYield(t, rt)
	host := rt.NewHostModuleBuilder("wasmweb_v1")
	ret0 := func(ctx context.Context, m api.Module, stack []uint64) { stack[0] = 0 }
	i32 := api.ValueTypeI32
	host.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(ret0), []api.ValueType{i32, i32}, []api.ValueType{i32}).Export("resp_write")
	host.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(ret0), []api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}).Export("resp_header")
	if _, err := host.Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	mod, err := rt.InstantiateWithConfig(ctx, wasm, wazero.NewModuleConfig().WithName(""))
	if err != nil {
		t.Fatal(err)
	}
	stop := interrupt.Global(mod)
	for _, g := range globals {
		name := interrupt.GlobalPrefix + itoa(g)
		mg, ok := mod.ExportedGlobal(name).(api.MutableGlobal)
		if !ok {
			t.Fatalf("%s is not exported as a mutable global", name)
		}
		mg.Set(1)
	}
	if stop.Get() != 1 {
		t.Error("setting every exported global left the stop global alone")
	}
}

// TestPrepareSnapshotRefuses reads what makes a module's state more than
// its memory and globals.
func TestPrepareSnapshotRefuses(t *testing.T) {
	for _, tc := range []struct{ guest, why string }{
		{"hello", ""},
		{"clock", ""},
	} {
		_, _, unsafe, err := interrupt.PrepareSnapshot(guest(t, tc.guest))
		if err != nil || !strings.Contains(unsafe, tc.why) || (tc.why == "" && unsafe != "") {
			t.Errorf("%s: %v, unsafe %q; want %q", tc.guest, err, unsafe, tc.why)
		}
	}
	for _, tc := range []struct {
		name string
		wasm []byte
		why  string
	}{
		// (module (import "m" "mem" (memory 1)))
		{"imported memory", []byte("\x00asm\x01\x00\x00\x00\x02\x0a\x01\x01m\x03mem\x02\x00\x01"), "imports its memory"},
		// (module (import "m" "g" (global (mut i32))))
		{"imported mutable global", []byte("\x00asm\x01\x00\x00\x00\x02\x08\x01\x01m\x01g\x03\x7f\x01"), "mutable global"},
		// (module (import "m" "t" (table 1 funcref)))
		{"imported table", []byte("\x00asm\x01\x00\x00\x00\x02\x09\x01\x01m\x01t\x01\x70\x00\x01"), "imports a table"},
	} {
		_, _, unsafe, err := interrupt.PrepareSnapshot(tc.wasm)
		if err != nil || !strings.Contains(unsafe, tc.why) {
			t.Errorf("%s: %v, unsafe %q; want %q", tc.name, err, unsafe, tc.why)
		}
	}
}

func itoa(n uint32) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// FuzzPrepareSnapshot checks that PrepareSnapshot never panics, and that
// it refuses to prepare its own result again when that exports globals.
func FuzzPrepareSnapshot(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(guests, "*.wasm"))
	for _, p := range paths {
		f.Add(load(f, p))
	}
	f.Fuzz(func(t *testing.T, orig []byte) {
		wasm, globals, _, err := interrupt.PrepareSnapshot(orig)
		if err != nil || len(globals) == 0 {
			return
		}
		if _, _, _, err := interrupt.PrepareSnapshot(wasm); err == nil || !strings.Contains(err.Error(), "already exports") {
			t.Fatalf("preparing the result again: %v, want the existing exports refused", err)
		}
	})
}
