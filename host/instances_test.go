package host_test

import (
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
)

// TestSitesShareCompiledModule loads the same .wasm in three sites: two
// with the same memory limit hold one compiled module, the metric says
// so, and every site answers from snapshot-made instances.
func TestSitesShareCompiledModule(t *testing.T) {
	hello := goPlugin(t, "../plugins/hello")
	site := func(name string, memory config.Size) config.Site {
		return config.Site{
			Name: name, Hosts: []string{name + ".test"},
			Limits:  config.Limits{Memory: memory},
			Plugins: map[string]string{"hello": hello},
			Routes:  []config.Route{{Path: "/", Plugin: "hello", Handler: "hello"}},
		}
	}
	h, do := testHost(t, site("a", 0), site("b", 0))
	if got := metric(t, h, "wasmweb_engine_compiled_modules"); got != 1 {
		t.Errorf("two sites loading the same module: wasmweb_engine_compiled_modules %v, want 1", got)
	}
	for _, name := range []string{"a", "b"} {
		resp, body := do("GET / HTTP/1.1\r\nHost: " + name + ".test\r\n\r\n")
		if resp.StatusCode != 200 || body != "Hello, world" {
			t.Fatalf("site %s: %d %q", name, resp.StatusCode, body)
		}
	}
	// b's instance came from the snapshot a's load took (min_instances
	// is 0, so none was kept from the load).
	if st, _ := h.InstanceStats("b", "hello"); st.FromSnapshot != 1 || st.NoSnapshot != "" {
		t.Errorf("site b: %+v; want its instance made from the snapshot", st)
	}
	h2, _ := testHost(t, site("c", 0), site("d", 128<<20))
	if got := metric(t, h2, "wasmweb_engine_compiled_modules"); got != 2 {
		t.Errorf("two sites with different memory limits: wasmweb_engine_compiled_modules %v, want 2", got)
	}
}

// TestIsolationRequestGoGuest: a Go guest counts its calls in a package
// variable and a map; under isolation = "request" every request finds
// them as initialization left them, under the default the second sees
// the first's.
func TestIsolationRequestGoGuest(t *testing.T) {
	guest := goPlugin(t, "testdata/countguest")
	site := func(name, isolation string) config.Site {
		return config.Site{
			Name: name, Hosts: []string{name + ".test"},
			Limits:  config.Limits{Instances: 1, Isolation: isolation},
			Plugins: map[string]string{"g": guest},
			Routes:  []config.Route{{Path: "/", Plugin: "g", Handler: "count"}},
		}
	}
	h, do := testHost(t, site("pooled", ""), site("isolated", config.IsolationRequest))
	get := func(host string) string {
		resp, body := do("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %q", host, resp.StatusCode, body)
		}
		return body
	}
	if a, b := get("pooled.test"), get("pooled.test"); a != "1 1" || b != "2 2" {
		t.Errorf("pooled: %q then %q; want 1 1 then 2 2", a, b)
	}
	for i := 0; i < 3; i++ {
		if got := get("isolated.test"); got != "1 1" {
			t.Fatalf("isolated request %d: %q, want 1 1 (nothing left by earlier requests)", i, got)
		}
	}
	st, _ := h.InstanceStats("isolated", "g")
	t.Logf("isolated: %+v", st)
	if st.Live != 1 {
		t.Errorf("isolated: %+v; want one instance", st)
	}
}

// TestScaleToZero: a site with a short instance_idle_timeout frees its
// instances when idle and makes one again for the next request.
func TestScaleToZero(t *testing.T) {
	spec := watSite("idle", config.Route{Path: "/", Plugin: "hello"})
	spec.Limits = config.Limits{WarmInstances: 2, InstanceIdleTimeout: config.Duration(50 * time.Millisecond)}
	h, do := testHost(t, spec)
	live := func() int { st, _ := h.InstanceStats("idle", "hello"); return st.Live }
	await := func(want int) {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); live() != want; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%d instances, want %d", live(), want)
			}
		}
	}
	await(0)
	resp, body := do("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp.StatusCode != 200 || body != "Hello, world" {
		t.Fatalf("the request after scaling to zero: %d %q", resp.StatusCode, body)
	}
	if live() != 1 {
		t.Errorf("after one request: %d instances, want 1", live())
	}
	await(0)
}

var _ = host.InstanceStats{}
