package guest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/guestlog"
	"github.com/wasmweb/wasmweb/host/internal/linearmem"
	"github.com/wasmweb/wasmweb/host/interrupt"
	"github.com/wasmweb/wasmweb/internal/monotime"
)

// Load compiles wasm in rt, checks its exports and imports, and fills a
// pool with warm instances.
func Load(ctx context.Context, rt *Runtime, wasm []byte, cfg Config) (*Plugin, error) {
	start := time.Now()
	sum := rt.g.e.sumOf(wasm)
	size := len(wasm)
	mod, stage, err := rt.acquire(ctx, wasm, sum, cfg.CallTimeout > 0)
	if err != nil {
		return nil, loadError(cfg, stage, err)
	}
	compiled := mod.compiled
	m := cfg.Metrics
	p := &Plugin{
		site: cfg.Site, plugin: cfg.Name, rt: rt, mod: mod, compiled: compiled, log: cfg.Log,
		max: cfg.Instances, warm: max(cfg.WarmInstances, cfg.MinInstances), min: cfg.MinInstances,
		idleTimeout: cfg.IdleTimeout, isolate: cfg.Isolation == IsolateRequest, snapshots: !cfg.NoSnapshots,
		timeout: cfg.CallTimeout,
		idle:    make(chan *Instance, cfg.Instances), done: make(chan struct{}), closed: make(chan struct{}),
		sum: hex.EncodeToString(sum[:]), size: size,
		all: map[*Instance]struct{}{}, m: m, newState: cfg.NewState, gates: cfg.Gates, budget: cfg.SiteInstances,
		compute: cfg.Compute,
		logs: guestlog.NewPlugin(cfg.Log.With("site", cfg.Site, "plugin", cfg.Name), cfg.Logs,
			guestlog.Counters{Bytes: m.LogBytes, Lines: m.LogLines}),
		imports: map[string]bool{},
	}
	for _, f := range compiled.ImportedFunctions() {
		switch from, name, _ := f.Import(); {
		case from == abi.ModuleName:
			p.imports[name] = true
		case from == interrupt.ImportModule && cfg.CallTimeout == 0:
			// Instrument refuses such a module; this one was not
			// instrumented.
			rt.release(ctx, mod)
			return nil, loadError(cfg, StageCheck, interrupt.ErrHostImport)
		}
	}
	// One instance at least is made at load, so that a module whose
	// initialization fails is refused then, not at its first request;
	// unless an instance of the same module, started alike, has been
	// initialized before without calling the host, which would have
	// made a difference. An instance beyond the warm ones stays until
	// the reaper frees it.
	p.export = abi.ExportHandle
	if _, ok := compiled.ExportedFunctions()[abi.ExportServe]; ok {
		p.export = abi.ExportServe // its signature was checked with the module's
	}
	_, asks := compiled.ExportedFunctions()[abi.ExportHandlers]
	seen := false
	if names, ok := mod.snaps.initialized(p.plugin); ok {
		seen = true
		if p.snapshots {
			mod.startBare(rt.rt) // a second plugin: its instances will come from the snapshot
		}
		if asks {
			p.handlers, asks = names, false
		}
	}
	n := p.warm
	if !seen && n == 0 && p.max > 0 {
		n = 1
	}
	for i := 0; i < n; i++ {
		if !p.reserve() {
			if i > 0 || p.budget == nil {
				break // the site's other plugins hold its instances
			}
			p.total.Add(1)
			p.budget.Force()
		}
		in, err := p.create()
		if err == nil && i == 0 && asks {
			if p.handlers, err = in.handlerNames(); err != nil {
				p.discard(in)
			}
		}
		if err == nil && i == 0 && in.initCall.Load() == nil {
			mod.snaps.setInitialized(p.plugin, p.handlers)
		}
		if err != nil {
			p.Close(ctx)
			return nil, loadError(cfg, StageInstantiate, err)
		}
		if i == 0 && asks && p.isolate && (in.snap == nil || !in.reset(in.snap)) {
			p.discard(in) // changed by saying its names
			continue
		}
		p.idle <- in
	}
	p.loaded = time.Now()
	p.loadTime = p.loaded.Sub(start)
	return p, nil
}

// handlerNames calls the guest's wasmweb_handlers on in, a new instance,
// within the instantiation deadline, and reads the names it returns
// (abi/ABI.md section 4).
func (in *Instance) handlerNames() ([]string, error) {
	p := in.pool
	limit := time.Duration(initTimeouts) * p.timeout
	in.startSlice(time.Now())
	var t *time.Timer
	if p.timeout > 0 {
		in.deadline.Store(monotime.Now() + int64(limit))
		t = time.AfterFunc(limit, in.halt)
	}
	res, err := in.mod.ExportedFunction(abi.ExportHandlers).Call(in.ctx)
	in.deadline.Store(0)
	if t != nil && !t.Stop() {
		in.halt()
	}
	switch {
	case in.killed.Load() && p.shut.Load():
		return nil, errPoolClosed
	case in.killed.Load():
		return nil, fmt.Errorf("%s: stopped at its deadline (%v, %d times call_timeout)", abi.ExportHandlers, limit, initTimeouts)
	case err != nil:
		return nil, fmt.Errorf("%s: %w", abi.ExportHandlers, err)
	}
	ptr, n := uint32(res[0]), uint32(res[0]>>32)
	if n > abi.MaxHandlerNames {
		return nil, fmt.Errorf("%s returned %d bytes of names, more than %d", abi.ExportHandlers, n, abi.MaxHandlerNames)
	}
	b, ok := in.mod.Memory().Read(ptr, n)
	if !ok {
		return nil, fmt.Errorf("%s returned %d bytes at %#x, outside memory", abi.ExportHandlers, n, ptr)
	}
	if n == 0 {
		return []string{}, nil
	}
	names := strings.Split(string(b), "\x00") // a copy: the instance will run again
	if len(names) > abi.MaxHandlers {
		return nil, fmt.Errorf("%s returned %d names, more than %d", abi.ExportHandlers, len(names), abi.MaxHandlers)
	}
	for i, name := range names {
		if name == "" || len(name) > abi.MaxHandlerName {
			return nil, fmt.Errorf("%s: name %d is %d bytes, want 1 to %d", abi.ExportHandlers, i, len(name), abi.MaxHandlerName)
		}
	}
	return names, nil
}

// Handlers returns the handler names the guest registered, and whether
// it said: false when it does not export wasmweb_handlers.
func (p *Plugin) Handlers() ([]string, bool) { return p.handlers, p.handlers != nil }

// Plugin is one compiled generation of a plugin's .wasm file with its
// bounded pool of instances. Instances are created ahead of need (warm)
// and on demand up to max; a request waits for a free one when all are
// busy. It does not use sync.Pool, which drops its contents at every GC.
// It is safe for concurrent use.
type Plugin struct {
	site, plugin string
	rt           *Runtime
	mod          *sharedModule // the compiled module, shared with other plugins
	compiled     wazero.CompiledModule
	log          *slog.Logger
	m            Metrics
	max, warm    int
	min          int           // instances kept while idle
	idleTimeout  time.Duration // frees instances beyond min unused this long; 0 never does
	isolate      bool          // reset an instance to its snapshot after each call
	export       string        // the export its calls go to: abi.ExportServe when the module has it, else abi.ExportHandle
	snapshots    bool          // make instances from a snapshot where the module allows
	timeout      time.Duration
	logs         *guestlog.Plugin // the plugin's share of the host's log
	newState     func() State
	gates        []*Gate
	budget       InstanceBudget  // the site's instances, shared with its other plugins; may be nil
	compute      ComputeShare    // the site's share of the cores for long calls; may be nil
	imports      map[string]bool // the wasmweb_v1 functions the module imports
	handlers     []string        // its handler names; nil when it does not say

	// The generation (generation.go): its number and slot, set by the
	// slot before it serves; what it was loaded from, and when.
	gen      uint64
	slot     *Slot
	sum      string
	size     int
	loaded   time.Time
	loadTime time.Duration
	refs     atomic.Int64             // calls holding it, | replaced once replaced
	watchdog atomic.Pointer[Watchdog] // the watchdog watching it, if any
	closed   chan struct{}            // closed once Close has finished

	idle      chan *Instance // free instances
	total     atomic.Int32   // live instances, free or busy
	low       atomic.Int32   // the fewest free instances since the reaper's last look
	reaper    reaper         // the reaper's; see reap
	waiting   atomic.Int32   // calls waiting for a free instance
	made      atomic.Int64   // instances created
	unmapped  atomic.Bool    // an instance of the module without data could not map the image
	restored  atomic.Int64   // instances made from a snapshot
	fromImage atomic.Int64   // of them, those whose memory is its image mapped

	// out counts instances out of the pool: serving a call or being
	// created. close waits for it to reach zero before it closes any
	// module, since wazero must not close a module a call is running in.
	out  atomic.Int32
	shut atomic.Bool   // close has begun: get refuses, put discards
	done chan struct{} // closed by close, to wake calls waiting in get

	mu  sync.Mutex
	all map[*Instance]struct{} // every live instance
}

// Instance is one instantiated guest. It serves one call at a time.
type Instance struct {
	pool   *Plugin
	mod    api.Module
	handle api.Function      // the plugin's export, wasmweb_serve or wasmweb_handle
	args   int               // handle's arguments: 2 for wasmweb_serve, 1 for wasmweb_handle
	ctx    context.Context   // carries the instance to host functions
	stop   api.MutableGlobal // set to stop the running call; nil without a call timeout, or interpreted
	// cancel ends ctx, which stops an interpreted instance's call: the
	// interpreter reads the stop global from Go code, where the
	// watchdog's write would race with it (the compiler's machine code
	// reads it outside Go's memory model). nil when compiled.
	cancel  context.CancelFunc
	stack   [2]uint64
	logs    *guestlog.Call // the running call's share of the log; its stdout and stderr
	slice   int64          // when the running call started or last gave the core up (yield.go)
	yielded int64          // how long the running or last call has waited with the core given up
	resumed int64          // when the running call last got the core back (yield.go)
	share   ComputeShare   // the running call's site compute share; nil between calls and without one
	turn    bool           // the running call holds one of share's turns
	ran     time.Duration  // how long the last call of wasmweb_handle ran, less yielded (Ran)
	ended   time.Time      // when the last call of wasmweb_handle ended

	snap         *snapshot                 // its state after initialization, when known
	bare         bool                      // instantiated from the module without data segments
	image        *linearmem.ImageAllocator // its memory's allocator, when made from a snapshot's image
	globals      []api.MutableGlobal       // its mutable globals in the snapshot's order, once restoreGlobals looked them up
	initializing atomic.Bool               // its initialization runs, and would be snapshotted
	initCall     atomic.Pointer[string]    // a wasmweb_v1 function its initialization called

	state    State         // the calls' state, made with the instance
	deadline atomic.Int64  // when what runs (a call, or the initialization) must stop, a monotonic time (package monotime); 0 when idle
	killed   atomic.Bool   // halt was called: the instance must not run again
	halted   chan struct{} // closed by halt, to wake a sleeping guest
	isClosed atomic.Bool   // close was called
}

var errPoolClosed = errors.New("plugin is being unloaded")

// reserve claims a slot for one more instance, failing at max or when
// the site's budget has no unit left. The slot is given back (unreserve)
// by discard, or by create when instantiation fails.
func (p *Plugin) reserve() bool {
	for {
		n := p.total.Load()
		if int(n) >= p.max {
			return false
		}
		if p.total.CompareAndSwap(n, n+1) {
			break
		}
	}
	if p.budget != nil && !p.budget.Take() {
		p.total.Add(-1)
		return false
	}
	return true
}

// unreserve gives back n slots that reserve claimed.
func (p *Plugin) unreserve(n int) {
	p.total.Add(-int32(n))
	if p.budget != nil {
		for range n {
			p.budget.Give()
		}
	}
}

// initTimeouts is how many call timeouts an instance's initialization
// (its start function and _initialize) may take.
const initTimeouts = 10

// create instantiates the module and initializes the instance, in a
// slot the caller has reserved. The slot is given back on failure.
func (p *Plugin) create() (*Instance, error) {
	var snap *snapshot
	taking := false
	if p.snapshots {
		snap, taking = p.mod.snaps.lookup(p.plugin)
	}
	in, err := p.instantiate(snap, taking)
	if taking {
		if err != nil {
			p.mod.snaps.abandon(p.plugin, snap)
		} else {
			p.takeSnapshot(snap, in)
			if snap.unsafe == "" {
				in.snap = snap
			} else {
				p.log.Info("host: plugin instances are initialized each time, not made from a snapshot",
					"site", p.site, "plugin", p.plugin, "reason", snap.unsafe)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	in.handle, in.args = in.mod.ExportedFunction(p.export), 1
	if p.export == abi.ExportServe {
		in.args = 2 // (route, method) -> status
	}
	p.made.Add(1)
	p.m.Creations.Inc()
	return in, nil
}

// instantiate instantiates the module and gives the instance snap's
// state, or initializes it when snap is nil or is to be taken from it.
func (p *Plugin) instantiate(snap *snapshot, taking bool) (*Instance, error) {
	in := &Instance{pool: p, halted: make(chan struct{}), state: p.newState()}
	// From a snapshot with an image, the module without data segments,
	// whose memory is the image mapped (snapshot.go).
	compiled, alloc := p.compiled, linearmem.Allocator()
	if snap != nil && !taking && snap.img != nil {
		p.mod.startBare(p.rt.rt)
		if bare := p.mod.bareModule(); bare != nil {
			in.bare, in.image = true, snap.img.NewAllocator()
			compiled, alloc = bare, in.image
		}
	}
	// The allocator is read once, at instantiation; the instance's key
	// stays outermost, where host functions find it first.
	base := experimental.WithMemoryAllocator(context.Background(), alloc)
	in.ctx = context.WithValue(base, instanceKey{}, in)
	if p.rt.g != nil && p.rt.g.key.interp {
		in.ctx, in.cancel = context.WithCancel(in.ctx)
	}
	in.logs = p.logs.NewCall(in.state.RequestID)
	out := &guestOutput{in: in}
	cfg := wazero.NewModuleConfig().
		WithName("").
		WithStartFunctions().
		WithSysWalltime().
		WithSysNanotime().
		WithNanosleep(in.sleep).
		WithRandSource(instanceRand{in}).
		WithStdout(out).
		WithStderr(out).
		WithArgs(p.plugin)
	mod, err := p.rt.rt.InstantiateModule(in.ctx, compiled, cfg)
	if err != nil {
		p.unreserve(1)
		return nil, fmt.Errorf("instantiate: %w", err)
	}
	p.rt.instances.Add(1)
	in.mod = mod
	if in.cancel == nil {
		in.stop = interrupt.Global(mod)
	}
	p.mu.Lock()
	if p.shut.Load() {
		p.mu.Unlock()
		in.close()
		p.unreserve(1)
		return nil, errPoolClosed
	}
	p.all[in] = struct{}{} // from now on, close can halt it
	p.mu.Unlock()
	p.m.Instances.Inc()
	if snap != nil && !taking {
		err = in.restore(snap)
		in.snap = snap
		p.restored.Add(1)
		if in.image.Mapped() {
			p.fromImage.Add(1)
		} else if in.bare {
			p.unmapped.Store(true)
		}
	} else {
		in.initializing.Store(true)
		err = in.initialize()
		in.initializing.Store(false)
	}
	if err != nil {
		p.discard(in)
		return nil, err
	}
	return in, nil
}

// initialize runs the module's start function (which Instrument turned
// into an export, so that it runs here rather than inside
// InstantiateModule, out of the host's reach) and then _initialize,
// both within the instantiation deadline.
func (in *Instance) initialize() error {
	p := in.pool
	limit := time.Duration(initTimeouts) * p.timeout
	in.startSlice(time.Now())
	var t *time.Timer
	if p.timeout > 0 {
		in.deadline.Store(monotime.Now() + int64(limit))
		// The watchdog does not run yet while the host loads.
		t = time.AfterFunc(limit, in.halt)
	}
	var err error
	what := "instantiation"
	for _, f := range [...]struct{ export, what string }{
		{interrupt.ExportStart, "start function"},
		{abi.ExportInitialize, abi.ExportInitialize},
	} {
		if fn := in.mod.ExportedFunction(f.export); fn != nil {
			what = f.what
			if _, err = fn.Call(in.ctx); err != nil {
				break
			}
		}
	}
	in.deadline.Store(0)
	if t != nil && !t.Stop() {
		in.halt() // the deadline passed as the initialization returned
	}
	switch {
	case in.killed.Load() && p.shut.Load():
		return errPoolClosed
	case in.killed.Load():
		return fmt.Errorf("%s: stopped at its deadline (instantiation may take %v, %d times call_timeout)", what, limit, initTimeouts)
	case err != nil:
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// Get returns a free instance, waiting up to the call timeout for one
// to be returned; when none is free and the pool is below max, it also
// starts making one. The caller gives the instance back with Put.
func (p *Plugin) Get() (*Instance, error) {
	p.out.Add(1)
	if p.shut.Load() {
		p.out.Add(-1)
		return nil, errPoolClosed
	}
	in, err := p.take()
	if err != nil {
		p.out.Add(-1)
	}
	return in, err
}

func (p *Plugin) take() (*Instance, error) {
	select {
	case in := <-p.idle:
		p.lowest(int32(len(p.idle)))
		in.logs.Begin()
		return in, nil
	default:
		p.lowest(0)
	}
	if in, ok, err := p.awaitBusy(); ok || err != nil {
		return in, err
	}
	full := false
	if p.reserve() {
		// The new instance joins the pool when it is ready; the request
		// waits for it or any other no longer than a call may take, so
		// that a slow initialization does not hold it past its deadline.
		p.m.Misses.Inc()
		p.grow()
	} else {
		full = p.budget != nil && p.budget.Full()
	}
	p.waiting.Add(1)
	defer p.waiting.Add(-1)
	wait := p.timeout
	if wait <= 0 {
		wait = 30 * time.Second
	}
	// Kept from making one by its site's instance budget, the plugin
	// waits for one of its own instances only briefly, and not at all
	// when it has none.
	if full {
		if p.total.Load() == 0 {
			return nil, ErrSiteInstances
		}
		wait = min(wait, budgetWait)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case in := <-p.idle:
		in.logs.Begin()
		return in, nil
	case <-p.done:
		return nil, errPoolClosed
	case <-t.C:
		if full {
			return nil, ErrSiteInstances
		}
		return nil, errPoolBusy
	}
}

// missGrace is how long a request waits for a busy instance to come
// back before it makes another, when the plugin already has as many
// instances as the process has cores (see awaitBusy).
var missGrace = 2 * time.Millisecond

// awaitBusy waits up to missGrace for an instance to come back, when the
// plugin has at least one instance per core: one more could add no
// computing then, only room for calls that wait in host functions. On
// one core this is what a call that gave the core up part way (yield.go)
// looks like to the next request: without the wait it would cost an
// instance that stays until the idle timeout, and, the first time, the
// compilation of the module without data for the snapshot's image. It
// reports whether it took one; err is set when the plugin closed.
func (p *Plugin) awaitBusy() (*Instance, bool, error) {
	n := int(p.total.Load())
	if missGrace <= 0 || n == 0 || n < runtime.GOMAXPROCS(0) {
		return nil, false, nil
	}
	p.waiting.Add(1)
	defer p.waiting.Add(-1)
	t := time.NewTimer(missGrace)
	defer t.Stop()
	select {
	case in := <-p.idle:
		in.logs.Begin()
		return in, true, nil
	case <-p.done:
		return nil, false, errPoolClosed
	case <-t.C:
		return nil, false, nil
	}
}

// grow creates an instance in the background, in a slot the caller has
// reserved, and puts it in the pool when it is ready.
func (p *Plugin) grow() {
	p.out.Add(1) // the new instance is out until it is put
	go func() {
		start := time.Now()
		in, err := p.create()
		if err != nil {
			p.out.Add(-1)
			if !errors.Is(err, errPoolClosed) {
				p.log.Error("host: creating a plugin instance failed", "site", p.site, "plugin", p.plugin, "err", err)
			}
			return
		}
		if p.m.ColdStarts != nil {
			p.m.ColdStarts.Observe(time.Since(start).Seconds())
		}
		in.logs.End()
		p.back(in, false, false)
	}()
}

var errPoolBusy = errors.New("all instances busy")

// budgetWait bounds how long a request waits for an instance of its
// plugin when the site's instance budget keeps the plugin from making
// one.
const budgetWait = time.Second

// Put returns an instance after a call. A broken instance (one whose
// call failed: its memory may be in any state) is closed and, when the
// pool is below its minimum size, replaced in the background. Under
// per-request isolation the instance is first reset to its snapshot,
// or closed like a broken one when it has none or its memory grew.
func (p *Plugin) Put(in *Instance, broken bool) {
	in.logs.End()
	if !broken {
		in.image.Learn() // the pages a call writes, for the next instances (snapshot.go)
	}
	if !broken && p.isolate && in.snap != nil && in.snap.img != nil && !in.image.Mapped() {
		// Reset by copying the whole image, until the module without
		// data is compiled and it can be replaced (retire): a pool that
		// never needs a second instance would otherwise never start it.
		p.mod.startBare(p.rt.rt)
	}
	if !broken && p.isolate && (in.snap == nil || in.retire() || !in.reset(in.snap)) {
		broken = true
	}
	p.back(in, broken, true)
}

// back puts in, out of the pool, back in it, or closes it when it is
// broken. A new instance (mayFree false) always joins the pool, as a
// request is waiting for it; past its warm instances (and one, which
// the config lets every plugin of a site hold), a plugin whose site is
// at its instance budget frees what it does not use, for the site's
// other plugins.
func (p *Plugin) back(in *Instance, broken, mayFree bool) {
	defer p.out.Add(-1)
	surplus := mayFree && p.budget != nil && p.budget.Full() && int(p.total.Load()) > max(p.warm, 1)
	if !broken && !p.shut.Load() && !surplus {
		select {
		case p.idle <- in:
			return
		default:
		}
	}
	p.discard(in)
	if !broken || p.shut.Load() {
		return
	}
	// A call waiting for an instance may have counted on this one.
	if (int(p.total.Load()) < p.min || p.waiting.Load() > 0) && p.reserve() {
		p.grow()
	}
}

func (p *Plugin) discard(in *Instance) {
	p.mu.Lock()
	_, ok := p.all[in]
	delete(p.all, in)
	p.mu.Unlock()
	in.close()
	if ok {
		p.unreserve(1)
		p.m.Instances.Dec()
	}
}

// halt stops the call running in the instance, if any, at its next
// loop head or function entry; the instance is then discarded. Any
// goroutine may call it.
func (in *Instance) halt() {
	if in.killed.Swap(true) {
		return
	}
	if in.stop != nil {
		in.stop.Set(1)
	}
	if in.cancel != nil {
		in.cancel()
	}
	close(in.halted)
}

// Stopped traps the guest when the instance has been halted: host
// functions call it wherever they may take long, so that a guest cannot
// outlast its deadline inside the host (Runtime checks at every host
// function's entry).
func (in *Instance) Stopped() {
	if in.killed.Load() {
		Trap("call stopped at its deadline")
	}
}

// sleep is the instance's WASI nanosleep, behind poll_oneoff's clock
// subscriptions. It ends early when halt is called, and at the deadline
// of what the instance runs; either way the call is then stopped.
func (in *Instance) sleep(ns int64) {
	in.Stopped()
	d, last := time.Duration(ns), false
	if dl := in.deadline.Load(); dl != 0 {
		if left := time.Duration(dl - monotime.Now()); left < d {
			d, last = left, true
		}
	}
	if d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-in.halted:
			t.Stop()
		}
	}
	if last {
		in.halt()
	}
	in.Stopped()
}

// State returns the state of the instance's calls.
func (in *Instance) State() State { return in.state }

// instanceRand is an instance's WASI random source: it reads in chunks
// and stops the call between them once halt is called, so that a huge
// random_get cannot outlast the deadline.
type instanceRand struct{ in *Instance }

func (r instanceRand) Read(p []byte) (int, error) {
	r.in.Stopped()
	return rand.Read(p[:min(len(p), randChunk)])
}

const randChunk = 64 << 10

func (in *Instance) close() {
	if in.mod != nil && !in.isClosed.Swap(true) {
		if in.cancel != nil {
			in.cancel()
		}
		in.mod.Close(context.Background())
		in.pool.rt.instances.Add(-1)
	}
}

// watch stops calls that ran past their deadline; now is a monotonic
// time (package monotime), as the deadlines are. A plugin with no
// instance out of its pool has no call running, and costs the watchdog
// one load (a server of thousands of idle sites visits each every tick):
// a call counts in out before it sets its deadline.
func (p *Plugin) watch(now int64) {
	if p.out.Load() == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for in := range p.all {
		if d := in.deadline.Load(); d != 0 && d < now {
			in.halt()
		}
	}
}

// closeWait bounds how long close waits for running calls when its
// context has no deadline.
const closeWait = 10 * time.Second

// Close stops the pool. New calls are refused and running ones are
// stopped at their next loop head or function entry when the site has a
// call timeout; once none is running, every instance and the compiled
// module are closed. It reports false when calls were still running at
// ctx's deadline (or after closeWait): their instances and module, and
// so the runtime, must stay open. A second Close waits for the first to
// finish, up to ctx's deadline.
func (p *Plugin) Close(ctx context.Context) bool {
	if p.shut.Swap(true) {
		select {
		case <-p.closed:
			return p.out.Load() == 0
		case <-ctx.Done():
			return false
		}
	}
	defer close(p.closed)
	if w := p.watchdog.Load(); w != nil {
		defer w.Remove(p)
	}
	close(p.done)
	p.mu.Lock()
	for in := range p.all {
		in.halt() // idle ones are never called again
	}
	p.mu.Unlock()
	limit := time.Now().Add(closeWait)
	if d, ok := ctx.Deadline(); ok {
		limit = d
	}
	for p.out.Load() > 0 {
		if time.Now().After(limit) {
			p.log.Error("host: plugin calls still running at shutdown; leaving their instances open",
				"site", p.site, "plugin", p.plugin, "calls", p.out.Load())
			return false
		}
		time.Sleep(time.Millisecond)
	}
	p.mu.Lock()
	list := make([]*Instance, 0, len(p.all))
	for in := range p.all {
		list = append(list, in)
	}
	p.all = map[*Instance]struct{}{}
	p.mu.Unlock()
	for _, in := range list {
		in.close()
		p.m.Instances.Dec()
	}
	p.unreserve(len(list))
	p.rt.release(ctx, p.mod)
	return true
}

// guestOutput is an instance's stdout and stderr: the lines go to the
// log within the call's share (guestlog.Call.Write), and a call stopped
// at its deadline is trapped at the next write.
type guestOutput struct{ in *Instance }

func (g *guestOutput) Write(p []byte) (int, error) {
	g.in.Stopped()
	return g.in.logs.Write(p)
}

var _ io.Writer = (*guestOutput)(nil)

// ReadWasm reads a plugin's module file.
func ReadWasm(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) < 8 || string(b[:4]) != "\x00asm" {
		return nil, fmt.Errorf("%s is not a WebAssembly module", path)
	}
	return b, nil
}
