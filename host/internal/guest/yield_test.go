package guest

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/wasmweb/wasmweb/host/interrupt"
)

// TestLongCallYields runs testdata/spin.wasm's handler, which spins
// until another goroutine writes to its memory, with one P
// (GOMAXPROCS=1): the writer can only run if the call gives the core up
// part way, which it must do through the yield import (counted by
// Metrics.Yields) rather than wait for Go to preempt it. The instance
// is made from a snapshot, taken after an initialization that called
// the yield import, in both engines.
func TestLongCallYields(t *testing.T) {
	for _, engine := range []string{"compiler", "interpreter"} {
		t.Run(engine, func(t *testing.T) {
			e := tenantEngine(t)
			newRuntime := e.NewRuntime
			if engine == "interpreter" {
				newRuntime = e.NewInterpreterRuntime
			}
			rt, err := newRuntime(context.Background(), 1<<20, tenantFuncs)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { rt.Close(context.Background()) })
			cfg := testConfig("spin")
			cfg.WarmInstances, cfg.CallTimeout = 0, time.Minute
			yields := prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
			cfg.Metrics.Yields = yields
			p := loadTenant(t, rt, readGuest(t, "testdata/spin.wasm"), cfg)
			first, err := p.Get() // initialized, and the snapshot taken from it
			if err != nil {
				t.Fatal(err)
			}
			in, err := p.Get()
			if err != nil {
				t.Fatal(err)
			}
			if info := p.Info(); info.FromSnapshot != 1 || info.NoSnapshot != "" {
				t.Fatalf("made %d instances from a snapshot (%q), want 1: an initialization that yields must be snapshotted", info.FromSnapshot, info.NoSnapshot)
			}
			initYields := testutil.ToFloat64(yields)

			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			mem := in.mod.Memory()
			wrote := make(chan struct{})
			go func() {
				mem.WriteByte(0, 1)
				close(wrote)
			}()
			if _, err := in.Handle(0); err != nil {
				t.Fatal(err)
			}
			<-wrote
			if n := testutil.ToFloat64(yields) - initYields; n < 1 {
				t.Errorf("the call gave the core up %v times, want at least once", n)
			}
			if in.Yielded() <= 0 {
				t.Errorf("Yielded() = %v after a call that gave the core up, want > 0", in.Yielded())
			}
			p.Put(first, false)
			p.Put(in, false)
		})
	}
}

// TestHostImportRefused loads testdata/hostimport.wasm, which imports
// the host's yield function itself, with and without a call timeout
// (instrumented or not): both are refused, and nothing is left open.
func TestHostImportRefused(t *testing.T) {
	for _, timeout := range []time.Duration{0, time.Second} {
		t.Run("call_timeout="+timeout.String(), func(t *testing.T) {
			rt := tenantRuntime(t, tenantEngine(t), 1<<20)
			cfg := testConfig("importer")
			cfg.CallTimeout = timeout
			_, err := Load(context.Background(), rt, readGuest(t, "testdata/hostimport.wasm"), cfg)
			if !errors.Is(err, interrupt.ErrHostImport) {
				t.Fatalf("Load: %v, want %v", err, interrupt.ErrHostImport)
			}
			t.Log(err)
			if mods, ins := rt.Live(); mods != 0 || ins != 0 {
				t.Errorf("%d modules and %d instances left open", mods, ins)
			}
		})
	}
}

// BenchmarkYieldCall is the host side of a check's yield call when the
// slice has not run out: what every interrupt.Interval checks cost more.
func BenchmarkYieldCall(b *testing.B) {
	in := &Instance{}
	in.startSlice(time.Now().Add(time.Hour)) // never due
	ctx := context.WithValue(context.Background(), instanceKey{}, in)
	for range b.N {
		yieldCall(ctx)
	}
}

// benchSlices are the slices the benchmarks compare; an hour is Go's
// own preemption alone.
var benchSlices = []time.Duration{50 * time.Microsecond, 100 * time.Microsecond, 200 * time.Microsecond, time.Millisecond, time.Hour}

func sliceName(d time.Duration) string {
	if d == time.Hour {
		return "slice=off"
	}
	return "slice=" + d.String()
}

// spinInstance loads the spin guest with one warm instance and no call
// deadline, and takes that instance.
func spinInstance(b *testing.B) (*Plugin, *Instance) {
	rt := tenantRuntime(b, tenantEngine(b), 1<<20)
	cfg := testConfig("spin")
	cfg.WarmInstances, cfg.CallTimeout = 1, time.Hour
	p := loadTenant(b, rt, readGuest(b, "testdata/spin.wasm"), cfg)
	in, err := p.Get()
	if err != nil {
		b.Fatal(err)
	}
	return p, in
}

// BenchmarkNeighbourWait measures, with one P, how late a goroutine's
// 100 µs sleep ends while a guest call spins on the same P: the wait of
// a neighbour's request for the core. It reports the median and p99
// lateness, by slice.
func BenchmarkNeighbourWait(b *testing.B) {
	for _, slice := range benchSlices {
		b.Run(sliceName(slice), func(b *testing.B) {
			defer func(s time.Duration) { yieldSlice = s }(yieldSlice)
			yieldSlice = slice
			p, in := spinInstance(b)
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			done := make(chan error, 1)
			go func() {
				_, err := in.Handle(0)
				done <- err
			}()
			const nap = 100 * time.Microsecond
			late := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				time.Sleep(nap)
				late = append(late, time.Since(t0)-nap)
			}
			b.StopTimer()
			in.mod.Memory().WriteByte(0, 1)
			if err := <-done; err != nil {
				b.Fatal(err)
			}
			p.Put(in, false)
			slices.Sort(late)
			b.ReportMetric(float64(late[len(late)/2].Microseconds()), "p50-late-µs")
			b.ReportMetric(float64(late[len(late)*99/100].Microseconds()), "p99-late-µs")
		})
	}
}

// BenchmarkLongCall runs calls of a million loop turns alone, with one
// P: what the slices cost a long call when nothing else waits.
func BenchmarkLongCall(b *testing.B) {
	for _, slice := range benchSlices {
		b.Run(sliceName(slice), func(b *testing.B) {
			defer func(s time.Duration) { yieldSlice = s }(yieldSlice)
			yieldSlice = slice
			p, in := spinInstance(b)
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			b.ResetTimer()
			for range b.N {
				if _, err := in.Handle(1000); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			p.Put(in, false)
		})
	}
}
