package guest

import (
	"context"
	"io"
	"os"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/cmd/wasmweb/build"
)

// stubFuncs returns a host module with a function doing nothing (and
// answering 0) for every wasmweb_v1 function wasm imports.
func stubFuncs(tb testing.TB, wasm []byte) []Func {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	cm, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		tb.Fatal(err)
	}
	var funcs []Func
	for _, f := range cm.ImportedFunctions() {
		if mod, name, _ := f.Import(); mod == abi.ModuleName {
			results := f.ResultTypes()
			funcs = append(funcs, Func{Name: name, Params: f.ParamTypes(), Results: results,
				ParamNames: f.ParamNames(),
				Fn: func(ctx context.Context, mod api.Module, stack []uint64) {
					for i := range results {
						stack[i] = 0
					}
				}})
		}
	}
	return funcs
}

// BenchmarkInstanceCreation makes instances of the hello plugin (the Go
// one, built with the SDK) from the snapshot and by initializing them,
// one at a time, each closed once made, and reports the p50 and p99 of
// a creation, in wall time and (cpu-, on Linux) in the creating
// thread's CPU time, which leaves out what other processes took of the
// core. WASMWEB_HELLO_WASM names a built hello.wasm; without it
// the benchmark builds plugins/hello.
func BenchmarkInstanceCreation(b *testing.B) {
	path := os.Getenv("WASMWEB_HELLO_WASM")
	if path == "" {
		var err error
		if path, err = build.Ensure(context.Background(), "../../../plugins/hello", io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	wasm := readGuest(b, path)
	funcs := stubFuncs(b, wasm)
	for _, mode := range []struct {
		name string
		off  bool
	}{{"snapshot", false}, {"initialize", true}} {
		b.Run(mode.name, func(b *testing.B) {
			e := tenantEngine(b)
			rt, err := e.NewRuntime(context.Background(), 64<<20, funcs)
			if err != nil {
				b.Fatal(err)
			}
			defer rt.Close(context.Background())
			cfg := testConfig("hello")
			cfg.Instances, cfg.WarmInstances, cfg.CallTimeout, cfg.NoSnapshots = 1<<20, 1, 5*time.Second, mode.off
			p := loadTenant(b, rt, wasm, cfg)
			if why := p.noSnapshot(); !mode.off && why != "" {
				b.Fatalf("no snapshot: %s", why)
			}
			if !mode.off {
				p.mod.startBare(p.rt.rt)
				<-p.mod.bareDone // instances from the image, once it is compiled
			}
			times := make([]time.Duration, 0, b.N)
			cpu := make([]time.Duration, 0, b.N)
			// On its own thread, the creations' CPU time is theirs.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				p.reserve()
				c := threadCPU()
				t := time.Now()
				in, err := p.create()
				times = append(times, time.Since(t))
				cpu = append(cpu, threadCPU()-c)
				if err != nil {
					b.Fatal(err)
				}
				p.discard(in)
			}
			b.StopTimer()
			reportPercentiles(b, times, "")
			if threadCPU() >= 0 {
				reportPercentiles(b, cpu, "cpu-")
			}
		})
	}
}

// reportPercentiles reports the p50 and p99 of ds, in microseconds,
// as PREFIXp50-µs and PREFIXp99-µs.
func reportPercentiles(b *testing.B, ds []time.Duration, prefix string) {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	b.ReportMetric(float64(ds[len(ds)/2].Microseconds()), prefix+"p50-µs")
	b.ReportMetric(float64(ds[min(len(ds)-1, len(ds)*99/100)].Microseconds()), prefix+"p99-µs")
}

// BenchmarkIsolatedCall calls the hello plugin under per-request
// isolation, one call at a time: the call and the reset after it.
// "image": the instance's memory is the snapshot's image mapped, and
// its reset copies back the pages the call wrote; "copy": instantiated
// from the module itself, the reset copies the whole image back.
func BenchmarkIsolatedCall(b *testing.B) {
	path := os.Getenv("WASMWEB_HELLO_WASM")
	if path == "" {
		var err error
		if path, err = build.Ensure(context.Background(), "../../../plugins/hello", io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	wasm := readGuest(b, path)
	funcs := stubFuncs(b, wasm)
	for _, way := range []string{"image", "copy"} {
		b.Run(way, func(b *testing.B) {
			e := tenantEngine(b)
			rt, err := e.NewRuntime(context.Background(), 64<<20, funcs)
			if err != nil {
				b.Fatal(err)
			}
			defer rt.Close(context.Background())
			cfg := testConfig("hello")
			cfg.Instances, cfg.WarmInstances, cfg.CallTimeout = 1, 0, 5*time.Second
			cfg.Isolation = IsolateRequest
			p := loadTenant(b, rt, wasm, cfg)
			in, err := p.Get() // the snapshot's, initialized
			if err != nil {
				b.Fatal(err)
			}
			p.mod.startBare(p.rt.rt)
			<-p.mod.bareDone
			if way == "copy" {
				noBare(p)
			}
			p.discard(in)
			in, err = p.Get()
			if err != nil {
				b.Fatal(err)
			}
			if in.image.Mapped() != (way == "image") {
				b.Fatalf("mapped from the image: %v", in.image.Mapped())
			}
			p.Put(in, false)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				in, err := p.Get()
				if err != nil {
					b.Fatal(err)
				}
				if _, err := in.Handle(0, 0); err != nil {
					b.Fatal(err)
				}
				p.Put(in, false)
			}
			b.StopTimer()
			if made := p.Info().Made; made != 2 {
				b.Fatalf("%d instances made: a reset failed", made)
			}
		})
	}
}
