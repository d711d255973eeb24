package guest

import (
	"runtime"
	"testing"
	"time"
)

// withCores runs the test with GOMAXPROCS at n and missGrace at grace.
func withCores(t *testing.T, n int, grace time.Duration) {
	t.Helper()
	old, oldGrace := runtime.GOMAXPROCS(n), missGrace
	missGrace = grace
	t.Cleanup(func() { runtime.GOMAXPROCS(old); missGrace = oldGrace })
}

// poolOfOneBusy loads a pool of one instance (up to four) and takes
// that instance out, as a call in progress would.
func poolOfOneBusy(t *testing.T) (*Plugin, *Instance) {
	t.Helper()
	e := tenantEngine(t)
	rt := tenantRuntime(t, e, 1<<20)
	cfg := testConfig("state")
	cfg.Instances, cfg.WarmInstances = 4, 1
	p := loadTenant(t, rt, readGuest(t, "testdata/snapstate.wasm"), cfg)
	busy, err := p.Get()
	if err != nil {
		t.Fatal(err)
	}
	return p, busy
}

// getAsync starts a Get and returns where its instance arrives.
func getAsync(t *testing.T, p *Plugin) <-chan *Instance {
	got := make(chan *Instance, 1)
	go func() {
		in, err := p.Get()
		if err != nil {
			t.Error(err)
		}
		got <- in
	}()
	return got
}

// TestBusyInstanceAwaited: with one instance per core, a request that
// finds the only instance busy waits for it to come back instead of
// making a second one.
func TestBusyInstanceAwaited(t *testing.T) {
	withCores(t, 1, time.Minute) // the grace outlasts any slow machine
	p, busy := poolOfOneBusy(t)
	got := getAsync(t, p)
	// The request waits, or has begun making an instance.
	for p.waiting.Load() == 0 && p.total.Load() == 1 {
		runtime.Gosched()
	}
	if n := p.total.Load(); n != 1 {
		t.Errorf("%d instances while the request waits, want 1", n)
	}
	p.Put(busy, false)
	in := <-got
	if in != busy {
		t.Errorf("the waiting request got another instance than the one put back")
	}
	p.Put(in, false)
	if n, made := p.total.Load(), p.Info().Made; n != 1 || made != 1 {
		t.Errorf("%d instances live, %d made; want 1 and 1", n, made)
	}
}

// TestBusyInstanceGrace: the wait is short; past it a request makes an
// instance as before, and with fewer instances than cores it makes one
// at once.
func TestBusyInstanceGrace(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cores int
		grace time.Duration
	}{
		{"one core, the grace runs out", 1, time.Millisecond},
		{"more cores than instances", 2, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			withCores(t, tc.cores, tc.grace)
			p, busy := poolOfOneBusy(t)
			in := <-getAsync(t, p) // busy is never put back meanwhile
			if in == nil || in == busy {
				t.Errorf("got %p, want a new instance beside %p", in, busy)
			}
			if in != nil && in != busy {
				p.Put(in, false)
			}
			p.Put(busy, false)
			if made := p.Info().Made; made != 2 {
				t.Errorf("%d instances made, want 2", made)
			}
		})
	}
}
