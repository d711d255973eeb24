package interrupt_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/host/interrupt"
)

// (module (memory (export "memory") 2) (global (mut i32) (i32.const 5))
//
//	(data (i32.const 16) "hello") (data (i32.const 70000) "world")
//	(func (export "get") (result i32) (i32.load8_u (i32.const 16))))
const dataModule = "\x00asm\x01\x00\x00\x00\x01\x05\x01`\x00\x01\x7f\x03\x02\x01\x00\x05\x03\x01\x00\x02\x06\x06\x01\x7f\x01A\x05\x0b" +
	"\x07\x10\x02\x06memory\x02\x00\x03get\x00\x00\n\t\x01\x07\x00A\x10-\x00\x00\x0b" +
	"\x0b\x17\x02\x00A\x10\x0b\x05hello\x00A\xf0\xa2\x04\x0b\x05world"

// TestWithoutDataLeavesMemoryZero instantiates a module and its copy
// without data: the copy's memory is zero where the module's holds its
// segments, and given the module's memory it answers alike.
func TestWithoutDataLeavesMemoryZero(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	bare, err := interrupt.WithoutData([]byte(dataModule))
	if err != nil {
		t.Fatal(err)
	}
	orig, err := rt.InstantiateWithConfig(ctx, []byte(dataModule), wazero.NewModuleConfig().WithName("orig"))
	if err != nil {
		t.Fatal(err)
	}
	copyMod, err := rt.InstantiateWithConfig(ctx, bare, wazero.NewModuleConfig().WithName("bare"))
	if err != nil {
		t.Fatal(err)
	}
	get := func(m api.Module) uint64 {
		res, err := m.ExportedFunction("get").Call(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return res[0]
	}
	if got := get(orig); got != 'h' {
		t.Fatalf("the module's get: %d, want 'h'", got)
	}
	mem, _ := copyMod.Memory().Read(0, copyMod.Memory().Size())
	if !bytes.Equal(mem, make([]byte, len(mem))) {
		t.Error("the copy without data has data in its memory")
	}
	if got := get(copyMod); got != 0 {
		t.Errorf("the copy's get: %d, want 0", got)
	}
	full, _ := orig.Memory().Read(0, orig.Memory().Size())
	if len(full) != len(mem) {
		t.Fatalf("memories of %d and %d bytes", len(full), len(mem))
	}
	copy(mem, full)
	if got := get(copyMod); got != 'h' {
		t.Errorf("the copy given the module's memory: get %d, want 'h'", got)
	}
}

// TestWithoutDataKeepsTheRest strips an instrumented, prepared guest:
// it compiles with the same exports and imports, and a memory of the
// same size, and none of the data section's bytes are left.
func TestWithoutDataKeepsTheRest(t *testing.T) {
	ctx := context.Background()
	iw, err := interrupt.Instrument(guest(t, "hello"))
	if err != nil {
		t.Fatal(err)
	}
	wasm, _, _, err := interrupt.PrepareSnapshot(iw)
	if err != nil {
		t.Fatal(err)
	}
	bare, err := interrupt.WithoutData(wasm)
	if err != nil {
		t.Fatal(err)
	}
	if len(bare) >= len(wasm) {
		t.Errorf("without data: %d bytes, the module %d", len(bare), len(wasm))
	}
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	a, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	b, err := rt.CompileModule(ctx, bare)
	if err != nil {
		t.Fatal(err)
	}
	names := func(cm wazero.CompiledModule) []string {
		var s []string
		for n := range cm.ExportedFunctions() {
			s = append(s, n)
		}
		for _, f := range cm.ImportedFunctions() {
			m, n, _ := f.Import()
			s = append(s, "import "+m+"."+n)
		}
		slices.Sort(s)
		return s
	}
	if x, y := names(a), names(b); !slices.Equal(x, y) {
		t.Errorf("functions differ:\n%v\n%v", x, y)
	}
	ma, mb := a.ExportedMemories()["memory"], b.ExportedMemories()["memory"]
	if ma == nil || mb == nil || ma.Min() != mb.Min() {
		t.Errorf("memories differ: %v, %v", ma, mb)
	}
}

// TestWithoutDataRefuses a module whose code names its segments.
func TestWithoutDataRefuses(t *testing.T) {
	for name, wasm := range map[string]string{
		// (module (memory 1) (data "x") (func (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 1))))
		"memory.init": "\x00asm\x01\x00\x00\x00\x01\x04\x01`\x00\x00\x03\x02\x01\x00\x05\x03\x01\x00\x01\x0c\x01\x01\n\x0e\x01\x0c\x00A\x00A\x00A\x01\xfc\x08\x00\x00\x0b\x0b\x04\x01\x01\x01x",
		// (module (memory 1) (data "x") (func (data.drop 0)))
		"data.drop": "\x00asm\x01\x00\x00\x00\x01\x04\x01`\x00\x00\x03\x02\x01\x00\x05\x03\x01\x00\x01\x0c\x01\x01\n\x07\x01\x05\x00\xfc\t\x00\x0b\x0b\x04\x01\x01\x01x",
	} {
		if _, err := interrupt.WithoutData([]byte(wasm)); err == nil || !strings.Contains(err.Error(), "data segments") {
			t.Errorf("%s: %v, want a refusal", name, err)
		}
	}
	if _, err := interrupt.WithoutData([]byte("\x00asm\x01\x00\x00\x00\x0b\x05\x01")); err == nil {
		t.Error("a truncated section was accepted")
	}
}

// FuzzWithoutData checks that WithoutData never panics and that what it
// returns has no data section.
func FuzzWithoutData(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(guests, "*.wasm"))
	for _, p := range paths {
		f.Add(load(f, p))
	}
	f.Add([]byte(dataModule))
	f.Fuzz(func(t *testing.T, orig []byte) {
		out, err := interrupt.WithoutData(orig)
		if err != nil {
			return
		}
		again, err := interrupt.WithoutData(out)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("stripping the result again: %v, changed %v", err, !bytes.Equal(again, out))
		}
	})
}
