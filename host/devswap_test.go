package host_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
)

// TestInterpretedThenCompiled swaps a build in as wasmweb dev does:
// interpreted first, then compiled in its place if nothing replaced it
// meanwhile. Both answer with the new build; the interpreted generation
// is closed once the compiled one serves; a swap for a replaced
// generation, or one cancelled while it compiles, changes nothing and is
// not counted as a failure.
func TestInterpretedThenCompiled(t *testing.T) {
	a, b := variant(t, "hello", bodyA, bodyB)
	_, c := variant(t, "hello", bodyA, "Hello, wOrld")
	sh := startSwapHost(t, config.Server{}, helloSpec())
	h, srv := sh.h, netloop.NewServer(netloop.Config{}, sh.h, netloop.NewStdTransport())
	ctx := context.Background()
	// Every cause's count, summed.
	failures := func() float64 {
		rec := &metricsRecorder{header: http.Header{}}
		req, _ := http.NewRequest("GET", "/metrics", nil)
		h.AdminHandler().ServeHTTP(rec, req)
		n := 0.0
		for _, line := range strings.Split(rec.body.String(), "\n") {
			if strings.HasPrefix(line, "wasmweb_plugin_reload_failures_total{") {
				var f float64
				fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &f)
				n += f
			}
		}
		return n
	}
	failed := failures()

	fast, err := h.SwapPluginWith(ctx, "s", "hello", b, "b", host.SwapOptions{Interpreted: true})
	if err != nil {
		t.Fatal(err)
	}
	if !fast.Interpreted || fast.Generation != 2 {
		t.Fatalf("interpreted swap: %+v", fast)
	}
	if code, body := get(t, srv, "/"); code != 200 || body != bodyB {
		t.Fatalf("interpreted generation answers %d %q, want %q", code, body, bodyB)
	}
	if mods, _ := host.InterpreterLive(h, "s"); mods != 1 {
		t.Fatalf("%d modules in the interpreter, want 1", mods)
	}
	// The metrics count the interpreter's module: once the replaced
	// compiled generation has closed, it is the only one.
	deadline := time.Now().Add(30 * time.Second)
	for metric(t, h, `wasmweb_compiled_modules{site="s"}`) != 1 || metric(t, h, `wasmweb_instances{site="s"}`) < 1 {
		if time.Now().After(deadline) {
			t.Fatalf("wasmweb_compiled_modules %v, wasmweb_instances %v; want 1 and at least 1",
				metric(t, h, `wasmweb_compiled_modules{site="s"}`), metric(t, h, `wasmweb_instances{site="s"}`))
		}
		time.Sleep(5 * time.Millisecond)
	}

	compiled, err := h.SwapPluginWith(ctx, "s", "hello", b, "b",
		host.SwapOptions{IfGeneration: fast.Generation, CompileWorkers: 2, Cancelable: true})
	if err != nil {
		t.Fatal(err)
	}
	if compiled.Interpreted || compiled.Generation != 3 || compiled.SHA256 != fast.SHA256 {
		t.Fatalf("compiled swap: %+v after %+v", compiled, fast)
	}
	if code, body := get(t, srv, "/"); code != 200 || body != bodyB {
		t.Fatalf("compiled generation answers %d %q, want %q", code, body, bodyB)
	}
	awaitOneGeneration(t, h, "s", "hello")
	deadline = time.Now().Add(30 * time.Second)
	for {
		mods, ins := host.InterpreterLive(h, "s")
		if mods == 0 && ins == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replaced interpreted generation holds %d modules, %d instances", mods, ins)
		}
		time.Sleep(5 * time.Millisecond)
	}

	// A swap for generation 2, which generation 3 replaced.
	if _, err := h.SwapPluginWith(ctx, "s", "hello", a, "a", host.SwapOptions{IfGeneration: fast.Generation}); !errors.Is(err, host.ErrSuperseded) {
		t.Errorf("swap for a replaced generation: %v, want ErrSuperseded", err)
	}
	// A compile cancelled (c was never compiled, so it is not cached).
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := h.SwapPluginWith(cctx, "s", "hello", c, "c",
		host.SwapOptions{IfGeneration: compiled.Generation, CompileWorkers: 2, Cancelable: true}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled swap: %v, want context.Canceled", err)
	}
	if code, body := get(t, srv, "/"); code != 200 || body != bodyB {
		t.Fatalf("after the refused swaps: %d %q, want %q", code, body, bodyB)
	}
	if _, site := sh.call(t, "GET", "/v1/sites/s", nil, ""); site["plugins"].([]any)[0].(map[string]any)["generation"] != float64(3) {
		t.Errorf("generation changed: %v", site)
	}
	if n := failures(); n != failed {
		t.Errorf("refused swaps counted as %v failures", n-failed)
	}
}

// An interpreted generation's calls stop at their deadline, as compiled
// ones do: the watchdog's stop global works in the interpreter too.
func TestInterpretedDeadline(t *testing.T) {
	spec := config.Site{Name: "s", Hosts: []string{"*"},
		Limits:  config.Limits{Instances: 2, WarmInstances: 1, CallTimeout: config.Duration(300 * time.Millisecond)},
		Plugins: map[string]string{"hello": wasmPath("hello")},
		Routes:  []config.Route{{Path: "/", Plugin: "hello"}}}
	sh := startSwapHost(t, config.Server{}, spec)
	h, srv := sh.h, netloop.NewServer(netloop.Config{}, sh.h, netloop.NewStdTransport())
	if _, err := h.SwapPluginWith(context.Background(), "s", "hello", mustRead(t, "loop"), "loop", host.SwapOptions{Interpreted: true}); err != nil {
		t.Fatal(err)
	}
	if code, body := get(t, srv, "/"); code != 503 {
		t.Fatalf("a call that never ends, interpreted: %d %q, want 503", code, body)
	}
}

func mustRead(t testing.TB, guest string) []byte {
	t.Helper()
	b, err := os.ReadFile(wasmPath(guest))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
