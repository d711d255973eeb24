package interrupt_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/host/interrupt"
)

const guests = "../../conformance/guests"

func load(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func guest(t testing.TB, name string) []byte {
	return load(t, filepath.Join(guests, name+".wasm"))
}

// TestStopRunaway runs guests that never return by themselves, one with
// a loop and one with recursion alone. While they run, the garbage
// collector must be able to stop the world, and setting the stop global from another
// goroutine must end them with a trap.
func TestStopRunaway(t *testing.T) {
	for _, name := range []string{"loop", "fanout"} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			rt := wazero.NewRuntime(ctx)
			defer rt.Close(ctx)
			hostYield(t, rt)
			wasm, err := interrupt.Instrument(guest(t, name))
			if err != nil {
				t.Fatal(err)
			}
			mod, err := rt.Instantiate(ctx, wasm)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := mod.ExportedFunction("wasmweb_handle").Call(ctx, 0)
				done <- err
			}()
			select {
			case err := <-done:
				t.Fatalf("returned before it was stopped: %v", err)
			case <-time.After(50 * time.Millisecond):
			}
			gc := make(chan struct{})
			go func() { runtime.GC(); close(gc) }()
			select {
			case <-gc:
			case <-time.After(10 * time.Second):
				t.Fatal("runtime.GC still waiting after 10 s: the running guest never returns to Go")
			}
			stop := interrupt.Global(mod)
			if stop == nil {
				t.Fatal("the module has no stop global")
			}
			stop.Set(1)
			select {
			case err := <-done:
				if err == nil || !bytes.Contains([]byte(err.Error()), []byte("unreachable")) {
					t.Fatalf("stopped call returned %v, want the unreachable trap", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("still running 10 s after the stop")
			}
			if _, err := mod.ExportedFunction("wasmweb_handle").Call(ctx, 0); err == nil {
				t.Error("a call after the stop returned; want a trap")
			}
		})
	}
}

// TestStopAfterHostCall runs hostcalls, which calls an import in a loop,
// directly and through a table. The import sets the stop global on its
// tenth call: the guest must trap as that call returns, not after the
// Interval checks its loop head counts down.
func TestStopAfterHostCall(t *testing.T) {
	for route, how := range []string{"call", "call_indirect"} {
		t.Run(how, func(t *testing.T) {
			ctx := context.Background()
			rt := wazero.NewRuntime(ctx)
			defer rt.Close(ctx)
			hostYield(t, rt)
			var stop api.MutableGlobal
			calls := 0
			_, err := rt.NewHostModuleBuilder("wasi_snapshot_preview1").NewFunctionBuilder().
				WithFunc(func() int32 {
					if calls++; calls == 10 {
						stop.Set(1)
					}
					return 0
				}).Export("sched_yield").Instantiate(ctx)
			if err != nil {
				t.Fatal(err)
			}
			wasm, err := interrupt.Instrument(guest(t, "hostcalls"))
			if err != nil {
				t.Fatal(err)
			}
			mod, err := rt.Instantiate(ctx, wasm)
			if err != nil {
				t.Fatal(err)
			}
			stop = interrupt.Global(mod)
			done := make(chan error, 1)
			go func() {
				_, err := mod.ExportedFunction("wasmweb_handle").Call(ctx, uint64(route))
				done <- err
			}()
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "unreachable") {
					t.Fatalf("returned %v, want the unreachable trap", err)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("still running 10 s after the stop")
			}
			if calls != 10 {
				t.Errorf("%d host calls, want the 10th to be the last", calls)
			}
		})
	}
}

// TestStartExported instruments startloop, whose start function never
// returns: instantiation must return, with the start function exported
// as ExportStart, and a call of it must stop like any other.
func TestStartExported(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	hostYield(t, rt)
	wasm, err := interrupt.Instrument(guest(t, "startloop"))
	if err != nil {
		t.Fatal(err)
	}
	inst := make(chan api.Module, 1)
	go func() {
		mod, err := rt.Instantiate(ctx, wasm)
		if err != nil {
			t.Error(err)
		}
		inst <- mod
	}()
	var mod api.Module
	select {
	case mod = <-inst:
	case <-time.After(10 * time.Second):
		t.Fatal("instantiation still running after 10 s: the start section ran")
	}
	if mod == nil {
		return
	}
	start := mod.ExportedFunction(interrupt.ExportStart)
	if start == nil {
		t.Fatalf("no export %s", interrupt.ExportStart)
	}
	done := make(chan error, 1)
	go func() {
		_, err := start.Call(ctx)
		done <- err
	}()
	interrupt.Global(mod).Set(1)
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "unreachable") {
			t.Fatalf("the start function returned %v, want the unreachable trap", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the start function still running 10 s after the stop")
	}
}

// TestSameResults checks that checks change no result: fanout(n) makes
// 2^(n+1)-1 calls, enough to run through the budget several times.
func TestSameResults(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	hostYield(t, rt)
	wasm, err := interrupt.Instrument(guest(t, "fanout"))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := rt.Instantiate(ctx, wasm)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []uint64{0, 1, 5, 12, 16} {
		res, err := mod.ExportedFunction("fanout").Call(ctx, n)
		if err != nil {
			t.Fatalf("fanout(%d): %v", n, err)
		}
		if want := uint64(1) << n; res[0] != want {
			t.Errorf("fanout(%d) = %d, want %d", n, res[0], want)
		}
	}
	if interrupt.Global(mod) == nil {
		t.Error("no stop global exported")
	}
}

// TestGoModule instruments a module built by the Go compiler, the demo
// plugin (the largest in the tree): wazero must accept the result, with
// every export and import of the original and more code.
func TestGoModule(t *testing.T) {
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		t.Skip("SKIPPED: no go command to build a Go plugin; instrumenting Go output was NOT checked")
	}
	out := filepath.Join(t.TempDir(), "demo.wasm")
	cmd := exec.Command(gobin, "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = "../../plugins/demo"
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build plugins/demo: %v\n%s", err, msg)
	}
	orig := load(t, out)
	wasm, err := interrupt.Instrument(orig)
	if err != nil {
		t.Fatal(err)
	}
	// The interpreter validates as the compiler does, in less time; the
	// host's tests run instrumented Go plugins compiled.
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigInterpreter())
	defer rt.Close(ctx)
	hostYield(t, rt)
	before, err := rt.CompileModule(ctx, orig)
	if err != nil {
		t.Fatal(err)
	}
	after, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		t.Fatalf("wazero refuses the instrumented module: %v", err)
	}
	for name := range before.ExportedFunctions() {
		if _, ok := after.ExportedFunctions()[name]; !ok {
			t.Errorf("export %s lost", name)
		}
	}
	if len(after.ImportedFunctions()) != len(before.ImportedFunctions())+1 {
		t.Errorf("%d imports, want %d and the yield import", len(after.ImportedFunctions()), len(before.ImportedFunctions()))
	}
	if len(wasm) <= len(orig) {
		t.Errorf("instrumented module is %d bytes, original %d: no checks added", len(wasm), len(orig))
	}
	t.Logf("%d bytes → %d bytes", len(orig), len(wasm))
}

func TestInstrumentRefuses(t *testing.T) {
	hello := guest(t, "hello")
	once, err := interrupt.Instrument(hello)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		wasm []byte
		want error
	}{
		{"empty", nil, interrupt.ErrMalformed},
		{"not wasm", []byte("hello, world"), interrupt.ErrMalformed},
		{"component", []byte("\x00asm\x0d\x00\x01\x00"), interrupt.ErrMalformed},
		{"the host's import", hostImporter(), interrupt.ErrHostImport},
		{"truncated", hello[:len(hello)-3], interrupt.ErrMalformed},
		{"section past the end", []byte("\x00asm\x01\x00\x00\x00\x01\x10\x00"), interrupt.ErrMalformed},
		{"two start sections", []byte("\x00asm\x01\x00\x00\x00\x05\x03\x01\x00\x01\x08\x01\x00\x08\x01\x00"), interrupt.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := interrupt.Instrument(tc.wasm); !errors.Is(err, tc.want) {
				t.Errorf("Instrument: %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := interrupt.Instrument(once); !errors.Is(err, interrupt.ErrHostImport) {
		t.Errorf("instrumenting twice: %v, want %v", err, interrupt.ErrHostImport)
	}
}

// FuzzInstrument checks that Instrument never panics, and that what it
// makes it can read again. (That wazero accepts what it makes is checked
// on real modules above: wazero's compiler cannot be fuzzed in-process.)
func FuzzInstrument(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join(guests, "*.wasm"))
	for _, p := range paths {
		f.Add(load(f, p))
	}
	f.Fuzz(func(t *testing.T, orig []byte) {
		wasm, err := interrupt.Instrument(orig)
		if err != nil {
			return
		}
		_, err = interrupt.Instrument(wasm)
		if !errors.Is(err, interrupt.ErrHostImport) {
			t.Fatalf("instrumenting the result again: %v, want %v", err, interrupt.ErrHostImport)
		}
	})
}
