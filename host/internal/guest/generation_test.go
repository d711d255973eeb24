package guest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/tetratelabs/wazero/api"
)

type testState struct{}

func (testState) RequestID() string { return "" }

// testRuntime returns a runtime whose host module has the two functions
// the hello guest imports, doing nothing.
func testRuntime(t testing.TB) *Runtime {
	t.Helper()
	e, err := NewEngine("")
	if err != nil {
		t.Fatal(err)
	}
	i32 := api.ValueTypeI32
	noop := func(ctx context.Context, mod api.Module, stack []uint64) { stack[0] = 0 }
	rt, err := e.NewRuntime(context.Background(), 1<<20, []Func{
		{Name: "resp_write", ParamNames: []string{"p", "n"}, Params: []api.ValueType{i32, i32}, Results: []api.ValueType{i32}, Fn: noop},
		{Name: "resp_header", ParamNames: []string{"a", "b", "c", "d", "e"}, Params: []api.ValueType{i32, i32, i32, i32, i32}, Results: []api.ValueType{i32}, Fn: noop},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()); e.Close() })
	return rt
}

func testConfig(name string) Config {
	c := func() prometheus.Counter { return prometheus.NewCounter(prometheus.CounterOpts{Name: "x"}) }
	return Config{
		Site: "s", Name: name, Path: name + ".wasm", Instances: 4, WarmInstances: 2,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics: Metrics{Calls: c(), CallSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "x"}),
			Instances: prometheus.NewGauge(prometheus.GaugeOpts{Name: "x"}), Creations: c(), Misses: c(), Traps: c(), Kills: c(),
			LogBytes: c(), LogLines: c()},
		NewState: func() State { return testState{} },
	}
}

// awaitDrained waits until the slot has one generation open and the
// runtime holds one compiled module and the current generation's
// instances, no more.
func awaitDrained(t *testing.T, rt *Runtime, s *Slot) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		mods, ins := rt.Live()
		in := s.Current().Info()
		if s.Generations() == 1 && mods == 1 && ins == in.Idle+in.Busy {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not drained: %d generations open, %d modules, %d instances (current generation %d+%d)",
				s.Generations(), mods, ins, in.Idle, in.Busy)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestSlotHammer swaps a plugin's generations while many goroutines
// call it: no call may find its generation closed (a closed pool refuses
// Get), every swap numbers the next generation, and once the calls stop
// every replaced generation is closed: one compiled module and the
// current generation's instances remain.
func TestSlotHammer(t *testing.T) {
	hello, err := os.ReadFile("../../../conformance/guests/hello.wasm")
	if err != nil {
		t.Fatal(err)
	}
	other := bytes.Replace(hello, []byte("Hello, world"), []byte("Hello, World"), 1)
	rt := testRuntime(t)
	ctx := context.Background()
	first, err := Load(ctx, rt, hello, testConfig("g"))
	if err != nil {
		t.Fatal(err)
	}
	slot := NewSlot(first)
	defer slot.Close(ctx)

	var stop atomic.Bool
	var calls, failed atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				p := slot.Acquire()
				in, err := p.Get()
				if err != nil {
					failed.Add(1)
					t.Errorf("generation %d: %v", p.Info().Generation, err)
					p.Release()
					return
				}
				if _, err := in.Handle(0, 0); err != nil {
					failed.Add(1)
					t.Errorf("call: %v", err)
				}
				p.Put(in, false)
				p.Release()
				calls.Add(1)
			}
		}()
	}
	const swaps = 60
	for i := range swaps {
		wasm := hello
		if i%2 == 0 {
			wasm = other
		}
		next, err := Load(ctx, rt, wasm, testConfig("g"))
		if err != nil {
			t.Fatal(err)
		}
		old := slot.Swap(next)
		if got, want := next.Info().Generation, old.Info().Generation+1; got != want {
			t.Fatalf("swap %d: generation %d, want %d", i, got, want)
		}
	}
	stop.Store(true)
	wg.Wait()
	if failed.Load() != 0 || calls.Load() == 0 {
		t.Fatalf("%d calls, %d failed", calls.Load(), failed.Load())
	}
	if g := slot.Current().Info().Generation; g != swaps+1 {
		t.Fatalf("current generation %d, want %d", g, swaps+1)
	}
	awaitDrained(t, rt, slot)
	if mods, _ := rt.Live(); mods != 1 {
		t.Fatalf("%d compiled modules open", mods)
	}
}

// A generation replaced while a call holds it stays open until the call
// releases it, then closes: its instances and module go.
func TestSwapWaitsForCalls(t *testing.T) {
	hello, err := os.ReadFile("../../../conformance/guests/hello.wasm")
	if err != nil {
		t.Fatal(err)
	}
	rt := testRuntime(t)
	ctx := context.Background()
	first, err := Load(ctx, rt, hello, testConfig("g"))
	if err != nil {
		t.Fatal(err)
	}
	slot := NewSlot(first)
	defer slot.Close(ctx)
	held := slot.Acquire()
	in, err := held.Get()
	if err != nil {
		t.Fatal(err)
	}
	next, err := Load(ctx, rt, hello, testConfig("g"))
	if err != nil {
		t.Fatal(err)
	}
	if old := slot.Swap(next); old != held {
		t.Fatal("Swap returned another generation than the held one")
	}
	if slot.Acquire() != next {
		t.Fatal("a call after the swap did not get the new generation")
	}
	next.Release()
	// The held generation still serves its call.
	if _, err := in.Handle(0, 0); err != nil {
		t.Fatalf("call on the replaced generation: %v", err)
	}
	if mods, _ := rt.Live(); mods != 2 || slot.Generations() != 2 {
		t.Fatalf("while a call holds the old generation: %d modules, %d generations; want 2, 2", mods, slot.Generations())
	}
	held.Put(in, false)
	held.Release()
	awaitDrained(t, rt, slot)
}

// A generation that fails to load, at any stage, leaves nothing open,
// and its error names the stage.
func TestLoadFailureLeavesNothing(t *testing.T) {
	rt := testRuntime(t)
	for _, tc := range []struct{ guest, stage string }{
		{"noexport", StageCheck}, {"starttrap", StageInstantiate}, {"badsig", StageCheck},
	} {
		wasm, err := os.ReadFile("../../../conformance/guests/" + tc.guest + ".wasm")
		if err != nil {
			t.Fatal(err)
		}
		_, err = Load(context.Background(), rt, wasm, testConfig(tc.guest))
		var le *LoadError
		if !errors.As(err, &le) || le.Stage != tc.stage {
			t.Fatalf("%s: %v, want a LoadError at %s", tc.guest, err, tc.stage)
		}
		if mods, ins := rt.Live(); mods != 0 || ins != 0 {
			t.Fatalf("%s: %d modules, %d instances open after a failed load", tc.guest, mods, ins)
		}
	}
	if _, err := Load(context.Background(), rt, []byte("\x00asm\x01\x00\x00\x00garbage"), testConfig("garbage")); err == nil {
		t.Fatal("garbage loaded")
	}
	if mods, ins := rt.Live(); mods != 0 || ins != 0 {
		t.Fatalf("garbage: %d modules, %d instances open after a failed load", mods, ins)
	}
}
