package guest

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/tetratelabs/wazero/api"
)

// tenantFuncs is the host module of the tenants tests: one slice, so
// that runtimes made with it may be shared.
var tenantFuncs = func() []Func {
	i32 := api.ValueTypeI32
	noop := func(ctx context.Context, mod api.Module, stack []uint64) {
		if len(stack) > 0 {
			stack[0] = 0
		}
	}
	return []Func{
		{Name: "resp_write", ParamNames: []string{"p", "n"}, Params: []api.ValueType{i32, i32}, Results: []api.ValueType{i32}, Fn: noop},
		{Name: "resp_header", ParamNames: []string{"a", "b", "c", "d", "e"}, Params: []api.ValueType{i32, i32, i32, i32, i32}, Results: []api.ValueType{i32}, Fn: noop},
		{Name: "log", ParamNames: []string{"level", "p", "n"}, Params: []api.ValueType{i32, i32, i32}, Fn: noop},
	}
}()

func tenantEngine(t testing.TB) *Engine {
	t.Helper()
	e, err := NewEngine("")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func tenantRuntime(t testing.TB, e *Engine, memory int64) *Runtime {
	t.Helper()
	rt, err := e.NewRuntime(context.Background(), memory, tenantFuncs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close(context.Background()) })
	return rt
}

func readGuest(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func loadTenant(t testing.TB, rt *Runtime, wasm []byte, cfg Config) *Plugin {
	t.Helper()
	p, err := Load(context.Background(), rt, wasm, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close(context.Background()) })
	return p
}

func gaugeValue(g prometheus.Gauge) float64 {
	var m dto.Metric
	g.Write(&m)
	return m.GetGauge().GetValue()
}

// TestSharedCompiledModule loads the same module in the plugins of
// several sites: those with the same memory limit share one runtime and
// one compiled module; another limit gets its own; the last plugin to
// close frees them.
func TestSharedCompiledModule(t *testing.T) {
	ctx := context.Background()
	e := tenantEngine(t)
	hello := readGuest(t, "../../../conformance/guests/hello.wasm")
	a, b := tenantRuntime(t, e, 1<<20), tenantRuntime(t, e, 1<<20)
	other := tenantRuntime(t, e, 2<<20)
	cfg := testConfig("hello")
	cfg.CallTimeout = time.Second
	pa, pb := loadTenant(t, a, hello, cfg), loadTenant(t, b, hello, cfg)
	if rts, mods := e.Runtimes(); rts != 2 || mods != 1 {
		t.Fatalf("two sites with the same limits loaded hello: %d runtimes, %d compiled modules; want 2 (one is other's, empty) and 1", rts, mods)
	}
	if pa.compiled != pb.compiled {
		t.Error("the two plugins hold different compiled modules")
	}
	po := loadTenant(t, other, hello, cfg)
	if _, mods := e.Runtimes(); mods != 2 {
		t.Errorf("a site with another memory limit loaded hello: %d compiled modules, want 2", mods)
	}
	// The same bytes without a deadline are prepared otherwise.
	plain := testConfig("hello")
	pp := loadTenant(t, b, hello, plain)
	if _, mods := e.Runtimes(); mods != 3 {
		t.Errorf("hello loaded without a deadline: %d compiled modules, want 3", mods)
	}
	for _, p := range []*Plugin{pa, pb, po, pp} {
		in, err := p.Get()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := in.Handle(0, 0); err != nil {
			t.Fatal(err)
		}
		p.Put(in, false)
	}
	pa.Close(ctx)
	if _, mods := e.Runtimes(); mods != 3 {
		t.Errorf("one of two plugins sharing a module closed: %d compiled modules, want 3", mods)
	}
	pb.Close(ctx)
	po.Close(ctx)
	pp.Close(ctx)
	if _, mods := e.Runtimes(); mods != 0 {
		t.Errorf("every plugin closed: %d compiled modules, want 0", mods)
	}
	for _, rt := range []*Runtime{a, b, other} {
		if mods, ins := rt.Live(); mods != 0 || ins != 0 {
			t.Errorf("a closed site's runtime holds %d modules and %d instances", mods, ins)
		}
		rt.Close(ctx)
	}
	if rts, _ := e.Runtimes(); rts != 0 {
		t.Errorf("every site closed: %d runtimes open, want 0", rts)
	}
}

// TestReapIdleInstances frees the instances beyond the minimum that
// stayed unused through the idle timeout, on a clock of the test's own,
// and keeps those the pool needed.
func TestReapIdleInstances(t *testing.T) {
	e := tenantEngine(t)
	cfg := testConfig("state")
	cfg.Instances, cfg.WarmInstances, cfg.MinInstances, cfg.IdleTimeout = 4, 3, 1, time.Minute
	p := loadTenant(t, tenantRuntime(t, e, 1<<20), readGuest(t, "testdata/snapstate.wasm"), cfg)
	live := func() int { in := p.Info(); return in.Idle + in.Busy }
	t0 := time.Unix(1000, 0)
	at := func(d time.Duration) { p.reap(t0.Add(d)) }
	at(0)
	for _, d := range []time.Duration{15, 30, 45} {
		at(d * time.Second)
		if n := live(); n != 3 {
			t.Fatalf("%ds idle of a 60s timeout: %d instances, want the 3 made at load", d, n)
		}
	}
	// In the next quarter two instances are busy at once: one stayed
	// free through the whole timeout, and only it goes.
	a, _ := p.Get()
	b, _ := p.Get()
	p.Put(a, false)
	p.Put(b, false)
	at(60 * time.Second)
	if n := live(); n != 2 {
		t.Fatalf("after a timeout in which two of three instances served: %d instances, want 2", n)
	}
	for _, d := range []time.Duration{75, 90, 105} {
		at(d * time.Second)
	}
	if n := live(); n != 2 {
		t.Fatalf("105s: %d instances; the two were needed 45s ago", n)
	}
	at(120 * time.Second)
	if n := live(); n != 1 {
		t.Fatalf("a timeout after the last use of two: %d instances, want min_instances = 1", n)
	}
	if g := gaugeValue(cfg.Metrics.Instances); g != 1 {
		t.Errorf("instances gauge %v, want 1", g)
	}
	for d := 135; d < 400; d += 15 {
		at(time.Duration(d) * time.Second)
	}
	if n := live(); n != 1 {
		t.Fatalf("long idle: %d instances, want min_instances = 1 kept", n)
	}
	// Demand makes instances again.
	a, err := p.Get()
	if err != nil {
		t.Fatal(err)
	}
	b, err = p.Get()
	if err != nil {
		t.Fatalf("a second call with the pool at its minimum: %v", err)
	}
	for _, in := range []*Instance{a, b} {
		if _, err := in.Handle(0, 0); err != nil {
			t.Fatal(err)
		}
		p.Put(in, false)
	}
	if n := live(); n != 2 {
		t.Errorf("after two calls at once: %d instances, want 2", n)
	}
}

// TestReapToZeroUnderLoad reaps on a racing clock while calls run: every
// call is served, and the pool's counts stay within their bounds.
func TestReapToZeroUnderLoad(t *testing.T) {
	e := tenantEngine(t)
	cfg := testConfig("state")
	cfg.Instances, cfg.WarmInstances, cfg.MinInstances, cfg.IdleTimeout = 3, 3, 0, 4*time.Millisecond
	cfg.CallTimeout = 5 * time.Second
	p := loadTenant(t, tenantRuntime(t, e, 1<<20), readGuest(t, "testdata/snapstate.wasm"), cfg)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	now := time.Unix(0, 0) // the reaper's clock
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			now = now.Add(time.Millisecond)
			p.reap(now)
			if n := p.total.Load(); n < 0 || n > 3 {
				t.Errorf("%d live instances, want 0 to 3", n)
			}
		}
	}()
	var calls sync.WaitGroup
	for g := 0; g < 3; g++ {
		calls.Add(1)
		go func() {
			defer calls.Done()
			for i := 0; i < 300; i++ {
				in, err := p.Get()
				if err != nil {
					t.Errorf("call %d during the reaping: %v", i, err)
					return
				}
				if _, err := in.Handle(0, 0); err != nil {
					t.Errorf("call %d during the reaping: %v", i, err)
				}
				p.Put(in, false)
			}
		}()
	}
	calls.Wait()
	close(stop)
	wg.Wait()
	// Idle now, once the instances made for calls that another
	// instance served have joined the pool: it goes to zero.
	for deadline := time.Now().Add(10 * time.Second); p.out.Load() != 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d instances still out after every call returned", p.out.Load())
		}
	}
	for i := 0; i < 10; i++ {
		now = now.Add(2 * time.Millisecond)
		p.reap(now)
	}
	if in := p.Info(); in.Idle+in.Busy != 0 {
		t.Errorf("idle with min_instances = 0: %d instances, want 0", in.Idle+in.Busy)
	}
	if g := gaugeValue(cfg.Metrics.Instances); g != 0 {
		t.Errorf("instances gauge %v after reaping to zero, want 0", g)
	}
	if _, ins := p.rt.Live(); ins != 0 {
		t.Errorf("the runtime holds %d instances after reaping to zero", ins)
	}
}
