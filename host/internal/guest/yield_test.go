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

	"github.com/wasmweb/wasmweb/host/internal/quota"
	"github.com/wasmweb/wasmweb/host/interrupt"
	"github.com/wasmweb/wasmweb/internal/monotime"
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
			var left time.Duration // from the deadline's reading to it
			go func() {
				// Not before the call starts: a loaded box can make Go
				// preempt the caller before it enters the guest.
				dl := in.deadline.Load()
				for ; dl == 0; dl = in.deadline.Load() {
					runtime.Gosched()
				}
				left = time.Duration(dl - monotime.Now())
				mem.WriteByte(0, 1)
				close(wrote)
			}()
			if _, err := in.Handle(0, 0); err != nil {
				t.Fatal(err)
			}
			<-wrote
			if left <= 0 || left > cfg.CallTimeout {
				t.Errorf("the call's deadline was %v away on the monotonic clock, want within its call timeout %v", left, cfg.CallTimeout)
			}
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
				_, err := in.Handle(0, 0)
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
				if _, err := in.Handle(1000, 0); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			p.Put(in, false)
		})
	}
}

// shareRig loads the spin guest as two plugins of a site with a cpu
// budget of a quarter of a core, whose compute share (one turn) they
// share, the second with a short call deadline and a watchdog; and as a
// plugin of another site, without a share.
type shareRig struct {
	share      *quota.Compute
	a, short   *Plugin // the budgeted site's
	other      *Plugin // the other site's
	otherYield prometheus.Counter
	aYield     prometheus.Counter
}

func newShareRig(t *testing.T) *shareRig {
	rt := tenantRuntime(t, tenantEngine(t), 1<<20)
	r := &shareRig{share: quota.NewCompute(250*time.Millisecond, 1)}
	load := func(site string, share *quota.Compute, timeout time.Duration, yields prometheus.Counter) *Plugin {
		cfg := testConfig("spin")
		cfg.Site, cfg.WarmInstances, cfg.CallTimeout = site, 2, timeout
		cfg.Metrics.Yields = yields
		if share != nil {
			cfg.Compute = share
		}
		return loadTenant(t, rt, readGuest(t, "testdata/spin.wasm"), cfg)
	}
	r.aYield = prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
	r.otherYield = prometheus.NewCounter(prometheus.CounterOpts{Name: "x"})
	r.a = load("a", r.share, time.Minute, r.aYield)
	r.short = load("a", r.share, 200*time.Millisecond, nil)
	r.other = load("b", nil, time.Minute, r.otherYield)
	w := StartWatchdog([]*Plugin{r.short})
	t.Cleanup(w.Stop)
	return r
}

// spinning starts in's handler spinning on another goroutine; release
// stops it, and the channel has Handle's error.
func spinning(in *Instance) (release func(), done <-chan error) {
	ch := make(chan error, 1)
	go func() {
		_, err := in.Handle(0, 0)
		ch <- err
	}()
	return func() { in.mod.Memory().WriteByte(0, 1) }, ch
}

func get(t *testing.T, p *Plugin) *Instance {
	t.Helper()
	in, err := p.Get()
	if err != nil {
		t.Fatal(err)
	}
	return in
}

// TestShareTurns: a site whose share has one turn computes past the
// first slice in one call at a time: its second long call waits in its
// yield, blocked, while another site's long call runs to its end; the
// turn passes to the waiting call when the first ends, and is free once
// both have.
func TestShareTurns(t *testing.T) {
	r := newShareRig(t)
	a1, a2, b := get(t, r.a), get(t, r.a), get(t, r.other)
	release1, done1 := spinning(a1)
	waitFor(t, func() bool { return r.share.Held() == 1 })
	release2, done2 := spinning(a2)
	waitFor(t, func() bool { return r.share.Waiting() == 1 })

	releaseB, doneB := spinning(b)
	waitFor(t, func() bool { return testutil.ToFloat64(r.otherYield) >= 3 }) // past its first slice
	releaseB()
	if err := <-doneB; err != nil {
		t.Fatalf("the other site's call: %v", err)
	}
	if h, w := r.share.Held(), r.share.Waiting(); h != 1 || w != 1 {
		t.Fatalf("held %d, waiting %d after the other site's call, want 1 and 1", h, w)
	}
	select {
	case err := <-done2:
		t.Fatalf("the site's second call ended (%v) while the first held the only turn", err)
	default:
	}

	release1()
	if err := <-done1; err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return r.share.Waiting() == 0 })
	if h := r.share.Held(); h != 1 {
		t.Fatalf("held %d once the turn passed to the second call, want 1", h)
	}
	release2()
	if err := <-done2; err != nil {
		t.Fatal(err)
	}
	if h, w := r.share.Held(), r.share.Waiting(); h != 0 || w != 0 {
		t.Fatalf("held %d, waiting %d after both calls, want 0 and 0", h, w)
	}
	r.a.Put(a1, false)
	r.a.Put(a2, false)
	r.other.Put(b, false)
}

// TestShareDeadline: a call that waits for a turn, and one that holds
// the turn and computes without end, are both still stopped at their
// deadline, and neither leaves a turn taken or a waiter behind.
func TestShareDeadline(t *testing.T) {
	r := newShareRig(t)
	holder := get(t, r.a)
	release, done := spinning(holder)
	waitFor(t, func() bool { return r.share.Held() == 1 })

	waiter := get(t, r.short)
	if _, err := waiter.Handle(0, 0); !errors.Is(err, ErrDeadline) {
		t.Fatalf("the call waiting for a turn: %v, want %v", err, ErrDeadline)
	}
	if h, w := r.share.Held(), r.share.Waiting(); h != 1 || w != 0 {
		t.Fatalf("held %d, waiting %d after the waiter's deadline, want 1 and 0", h, w)
	}
	r.short.Put(waiter, true)
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	r.a.Put(holder, false)
	if h := r.share.Held(); h != 0 {
		t.Fatalf("held %d after the holder ended, want 0", h)
	}

	// Alone, the call takes the turn and computes until its deadline.
	runaway := get(t, r.short)
	if _, err := runaway.Handle(0, 0); !errors.Is(err, ErrDeadline) {
		t.Fatalf("the runaway call: %v, want %v", err, ErrDeadline)
	}
	if h, w := r.share.Held(), r.share.Waiting(); h != 0 || w != 0 {
		t.Fatalf("held %d, waiting %d after the runaway's deadline, want 0 and 0", h, w)
	}
	r.short.Put(runaway, true)
}

// TestShareTrap: a call that traps while holding its site's turn gives
// the turn back, to a call of the site that waits for it.
func TestShareTrap(t *testing.T) {
	r := newShareRig(t)
	trapper, waiter := get(t, r.a), get(t, r.a)
	trapped := make(chan error, 1)
	go func() {
		_, err := trapper.Handle(-200_000, 0) // 200 million turns, then unreachable
		trapped <- err
	}()
	waitFor(t, func() bool { return r.share.Held() == 1 })
	release, done := spinning(waiter)
	waitFor(t, func() bool { return r.share.Waiting() == 1 })
	if err := <-trapped; err == nil || errors.Is(err, ErrDeadline) {
		t.Fatalf("the trapping call: %v, want a trap", err)
	}
	waitFor(t, func() bool { return r.share.Waiting() == 0 && r.share.Held() == 1 }) // passed on
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if h, w := r.share.Held(), r.share.Waiting(); h != 0 || w != 0 {
		t.Fatalf("held %d, waiting %d after both calls, want 0 and 0", h, w)
	}
	r.a.Put(trapper, true)
	r.a.Put(waiter, false)
}

// TestShareCallContext: a call that is about to wait outside the guest
// (CallContext) gives its turn back, and its next yield takes one again.
func TestShareCallContext(t *testing.T) {
	r := newShareRig(t)
	in := get(t, r.a)
	defer r.a.Put(in, false)
	in.startCall(time.Now())
	defer in.endCall()
	if !r.share.Acquire(nil) {
		t.Fatal("no turn")
	}
	in.turn = true
	_, cancel := in.CallContext()
	cancel()
	if h := r.share.Held(); h != 0 || in.turn {
		t.Fatalf("held %d (the call's: %v) after CallContext, want none", h, in.turn)
	}
	in.slice = 0 // its slice is over
	yieldCall(context.WithValue(context.Background(), instanceKey{}, in))
	if h := r.share.Held(); h != 1 || !in.turn {
		t.Fatalf("held %d (the call's: %v) after its next yield, want the call's", h, in.turn)
	}
}

// TestShareGivesCoreUp runs, with one P, a long call of the budgeted
// site (a quarter of a core) beside a goroutine that takes 200 turns of
// 20 µs of work each, giving the core up between them (Gosched), as
// another site's requests do. Plain turns would give the call a 100 µs
// slice between every two of the goroutine's turns; within its share,
// the call computes one slice for every 300 µs or so of the others'
// work, so it gives the core up far fewer times than the goroutine
// takes turns.
func TestShareGivesCoreUp(t *testing.T) {
	r := newShareRig(t)
	in := get(t, r.a)
	defer r.a.Put(in, false)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	release, done := spinning(in)
	for testutil.ToFloat64(r.aYield) < 2 { // past its first slice, computing in turns
		runtime.Gosched()
	}
	before := testutil.ToFloat64(r.aYield)
	const turns = 200
	for range turns {
		for t0 := time.Now(); time.Since(t0) < 20*time.Microsecond; {
		}
		runtime.Gosched()
	}
	slices := testutil.ToFloat64(r.aYield) - before
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	t.Logf("the call computed %v slices during the goroutine's %d turns", slices, turns)
	if slices >= turns/2 {
		t.Errorf("the call computed %v slices during another goroutine's %d turns, want fewer than %d: it takes more than its share of the core", slices, turns, turns/2)
	}
}

// waitFor polls cond, for states other goroutines reach.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(100 * time.Microsecond) {
		if time.Now().After(deadline) {
			t.Fatal("gave up waiting")
		}
	}
}

// BenchmarkNeighbourBatch measures, with one P, how long a goroutine
// takes to serve a batch of 50 "requests" of 10 µs of work each, giving
// the core up between them as netpoll's poller does between hand-offs,
// while a guest call spins on the same P: without a compute share (the
// call takes a 100 µs slice between every two requests) and with the
// share of a 250ms cpu budget. It reports the batch's median and p99
// time, and the share of the core the call got.
func BenchmarkNeighbourBatch(b *testing.B) {
	for _, budget := range []time.Duration{0, 250 * time.Millisecond} {
		name := "share=none"
		if budget > 0 {
			name = "share=" + budget.String()
		}
		b.Run(name, func(b *testing.B) {
			rt := tenantRuntime(b, tenantEngine(b), 1<<20)
			cfg := testConfig("spin")
			cfg.WarmInstances, cfg.CallTimeout = 1, time.Hour
			if c := quota.NewCompute(budget, 1); c != nil {
				cfg.Compute = c
			}
			p := loadTenant(b, rt, readGuest(b, "testdata/spin.wasm"), cfg)
			in, err := p.Get()
			if err != nil {
				b.Fatal(err)
			}
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
			done := make(chan error, 1)
			start := time.Now()
			go func() {
				_, err := in.Handle(0, 0)
				done <- err
			}()
			batches := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				for range 50 {
					for w := time.Now(); time.Since(w) < 10*time.Microsecond; {
					}
					runtime.Gosched()
				}
				batches = append(batches, time.Since(t0))
			}
			b.StopTimer()
			wall := time.Since(start)
			in.mod.Memory().WriteByte(0, 1)
			if err := <-done; err != nil {
				b.Fatal(err)
			}
			computed := wall - in.Yielded()
			p.Put(in, false)
			slices.Sort(batches)
			b.ReportMetric(float64(batches[len(batches)/2].Microseconds()), "p50-batch-µs")
			b.ReportMetric(float64(batches[len(batches)*99/100].Microseconds()), "p99-batch-µs")
			b.ReportMetric(100*computed.Seconds()/wall.Seconds(), "call-%")
		})
	}
}
