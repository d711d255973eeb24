package sandbox_test

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
)

// initBound is how long loading a plugin whose start function or
// _initialize never returns may take before it fails: the instantiation
// deadline (ten call deadlines) and the same slack as answerBound.
const initBound = 10*shortTimeout + 2*time.Second

// TestInstantiationBounded loads guests whose start function or
// _initialize loops, at once or after 300 ms. host.New must fail within
// initBound with an error that names the plugin and what ran too long,
// while a host already running keeps answering.
func TestInstantiationBounded(t *testing.T) {
	running := start(t, helloSpec("other", "other.test"))
	engine, err := host.NewEngine("")
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	for _, tc := range []struct {
		guest string
		want  []string
	}{
		{"startloop", []string{`plugin "startloop"`, "start function", "deadline"}},
		{"startlate", []string{`plugin "startlate"`, "start function", "deadline"}},
		{"initloop", []string{`plugin "initloop"`, "_initialize", "deadline"}},
		{"initlate", []string{`plugin "initlate"`, "_initialize", "deadline"}},
	} {
		t.Run(tc.guest, func(t *testing.T) {
			spec := wasiSpec("init", "init.test", tc.guest)
			spec.Limits.WarmInstances = 1
			done := make(chan error, 1)
			began := time.Now()
			go func() {
				h, err := host.New(context.Background(), engine, config.Config{Sites: []config.Site{spec}}, slog.New(slog.DiscardHandler))
				if err == nil {
					h.Close(context.Background())
				}
				done <- err
			}()
			var wg sync.WaitGroup
			stop := make(chan struct{})
			wg.Go(func() { // the other host serves meanwhile
				for {
					select {
					case <-stop:
						return
					default:
					}
					if r, _ := running.with(t).memGetWithin("other.test", "/", answerBound); r.status != 200 {
						t.Errorf("the running host answered %d while %s loaded, want 200", r.status, tc.guest)
						return
					}
					time.Sleep(20 * time.Millisecond)
				}
			})
			defer func() { close(stop); wg.Wait() }()
			select {
			case err := <-done:
				took := time.Since(began)
				t.Logf("host.New after %v: %v", took.Round(time.Millisecond), err)
				if err == nil {
					t.Fatal("host.New accepted the guest")
				}
				if took > initBound {
					t.Errorf("host.New failed after %v, want within %v", took, initBound)
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %q", err, w)
					}
				}
			case <-time.After(initBound + 5*time.Second):
				t.Fatalf("host.New still loading %s after %v", tc.guest, initBound+5*time.Second)
			}
		})
	}
}

// TestPoolMissDuringSlowInit holds the only instance of initslow (whose
// _initialize takes 2 s) with a call that loops, then asks for another.
// The pool has room for a second instance, but making it takes longer
// than the call deadline: the request must get 503 with Retry-After
// within answerBound, without waiting for _initialize, while other
// plugins answer; the new instance then joins the pool and serves.
func TestPoolMissDuringSlowInit(t *testing.T) {
	spec := wasiSpec("slow", "slow.test")
	spec.Plugins["initslow"] = wasmPath("initslow")
	spec.Routes = append(spec.Routes,
		config.Route{Path: "/ready", Plugin: "initslow"},
		config.Route{Path: "/spin", Plugin: "initslow"})
	spec.Limits.Instances, spec.Limits.WarmInstances = 2, 1
	// A snapshot would make the second instance without _initialize's
	// 2 s: this test is about a slow creation.
	spec.Limits.Snapshot = "off"
	for _, tr := range transports(t) {
		t.Run(tr, func(t *testing.T) {
			sb := start(t, spec, helloSpec("other", "other.test"))
			addr := sb.listen(tr)
			if r, _ := sb.getWithin(addr, "slow.test", "/ready", initBound); r.status != 200 || r.body != "ready" {
				t.Fatalf("GET /ready before the test: %d %q, want 200 \"ready\"", r.status, r.body)
			}
			mark := sb.log.mark()
			spun := make(chan reply, 1)
			go func() {
				r, _ := sb.getWithin(addr, "slow.test", "/spin", answerBound)
				spun <- r
			}()
			spinning := true
			defer func() {
				if spinning { // the test failed: let the request end first
					<-spun
				}
			}()
			sb.awaitGuestLine(mark, "initslow: spinning", 1, answerBound)
			r, took := sb.getWithin(addr, "slow.test", "/ready", answerBound)
			t.Logf("GET /ready while the only instance spins: %d in %v", r.status, took.Round(time.Millisecond))
			if r.status != 503 || r.header.Get("Retry-After") == "" {
				t.Errorf("GET /ready while the only instance spins: %d (Retry-After %q), want 503 with Retry-After",
					r.status, r.header.Get("Retry-After"))
			}
			if r, _ := sb.getWithin(addr, "other.test", "/", answerBound); r.status != 200 {
				t.Errorf("other site during the creation: %d, want 200", r.status)
			}
			spinning = false
			if r := <-spun; r.status != 503 {
				t.Errorf("GET /spin: %d, want 503", r.status)
			}
			// The creation ends within _initialize's 2 s, and the
			// replacement of the discarded instance with it.
			deadline := time.Now().Add(initBound + 5*time.Second)
			for {
				r, _ := sb.getWithin(addr, "slow.test", "/ready", initBound)
				if r.status == 200 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("GET /ready: %d, still no instance %v after the miss", r.status, initBound+5*time.Second)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if n := sb.metrics().sum("wasmweb_pool_misses_total", "plugin", "initslow"); n < 1 {
				t.Errorf("wasmweb_pool_misses_total = %v, want at least 1", n)
			}
		})
	}
}
