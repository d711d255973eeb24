package guest

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/host/internal/linearmem"
)

// A snapshot is an instance's state right after its initialization (its
// start function and _initialize): its linear memory and its mutable
// globals. Snapshots belong to a compiled module, shared by the plugins
// that load the same bytes, and are taken by the first instance that
// one of them initializes.
//
// Where the platform allows (Linux), the memory is kept as an image in
// a sealed memfd (linearmem.Image), and a new instance made from the
// snapshot (restore) is an instantiation of the module without its data
// segments (interrupt.WithoutData, compiled once per module, in the
// background, from the first instance made from a snapshot or the
// first load that finds the module initialized: a module only ever
// initialized once is not compiled twice) whose memory is the image mapped privately: nothing is
// copied, neither the segments nor the image, and a page of the image
// is copied only when the instance writes it; the pages it does not
// write stay shared with every other instance. wazero's instantiation
// spent most of its time applying the data segments (a Go guest has
// thousands), which this skips. Elsewhere, and until that module is
// compiled, an instance is instantiated from the module itself, which
// copies the data segments into its memory, and is then given the
// pages that differ from that and the globals' values.
//
// Under per-request isolation, an instance mapped from the image is
// reset by copying back only the pages it has written since it was made
// (the kernel's page map says which are private copies); another is
// given the whole image again.
//
// A snapshot is taken only where restoring it makes an instance like a
// freshly initialized one: interrupt.PrepareSnapshot names the modules
// whose state lives partly outside their memory and globals, and an
// initialization that calls a wasmweb_v1 function is not snapshotted,
// since the host does not replay that call (its effects, on the call's
// state, would be missing). Such plugins' instances are initialized as
// they always were.
//
// What a snapshot-made instance shares with its siblings: what the
// initialization read from WASI's random source (the Go runtime's hash
// seeds among it), and the clock readings it stored. Reads after it are
// each instance's own.

// snapshotPage is the granularity of a snapshot's differences.
const snapshotPage = 4096

// maxSnapshot caps the memory a snapshot copies: a guest whose
// initialization grows its memory past it is initialized each time,
// rather than held twice in the host (the image and its differences).
const maxSnapshot = 64 << 20

// snapshots are a compiled module's snapshots, by the instance
// configuration that differs between plugins (their arguments). Safe for
// concurrent use.
type snapshots struct {
	globals []string // the exports of the mutable globals, when prepared
	unsafe  string   // why the module cannot be snapshotted; "" when it can
	source  wazero.CompiledModule

	mu     sync.Mutex
	byArgs map[string]*snapshot // mu guards byArgs and names
	names  map[string][]string  // by arguments, the handler names of an instance initialized without host calls
}

// initialized reports whether an instance started with args was
// initialized, at a load, without calling the host, and returns the
// handler names it said (nil when the module does not say them).
func (s *snapshots) initialized(args string) ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	names, ok := s.names[args]
	return names, ok
}

func (s *snapshots) setInitialized(args string, names []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.names != nil {
		s.names[args] = names
	}
}

// snapshot is one snapshot, or the reason there is none. Its fields are
// set before ready is closed and never change after.
type snapshot struct {
	ready   chan struct{}
	unsafe  string           // why this initialization cannot be snapshotted
	size    uint32           // the memory's size in bytes
	image   []byte           // the memory, whole: img's contents when there is one
	img     *linearmem.Image // the memory as an image, nil where none can be made
	noImage string           // why img is nil
	runs    []run            // where image differs from a fresh instantiation
	globals []uint64         // values, in the order of snapshots.globals
}

type run struct {
	off  uint32
	data []byte // a slice of the image
}

// init says which globals a module prepared by interrupt.PrepareSnapshot
// exports; names is nil for a module that was not prepared.
func (s *snapshots) init(names []string, unsafe string, compiled wazero.CompiledModule) {
	s.globals, s.unsafe, s.source = names, unsafe, compiled
	s.byArgs = map[string]*snapshot{}
	s.names = map[string][]string{}
	if names == nil && unsafe == "" {
		s.unsafe = "its module could not be prepared"
	}
}

// close forgets the snapshots and closes their images' memfds; the
// caller has closed every instance made from them.
func (s *snapshots) close() {
	s.mu.Lock()
	byArgs := s.byArgs
	s.byArgs, s.names = nil, nil
	s.mu.Unlock()
	for _, snap := range byArgs {
		select {
		case <-snap.ready:
			if snap.img != nil {
				snap.img.Close()
			}
		default:
		}
	}
}

// lookup returns the snapshot for instances started with args when it
// is ready, or else whether the caller is to take it (and must then call
// done exactly once).
func (s *snapshots) lookup(args string) (snap *snapshot, take bool) {
	if s.unsafe != "" {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byArgs == nil {
		return nil, false
	}
	snap = s.byArgs[args]
	if snap == nil {
		snap = &snapshot{ready: make(chan struct{})}
		s.byArgs[args] = snap
		return snap, true
	}
	select {
	case <-snap.ready:
		if snap.unsafe != "" {
			return nil, false
		}
		return snap, false
	default:
		return nil, false // being taken: this instance initializes itself
	}
}

// abandon forgets snap, which could not be taken (the initialization
// failed), so that the next instance tries again.
func (s *snapshots) abandon(args string, snap *snapshot) {
	s.mu.Lock()
	if s.byArgs != nil && s.byArgs[args] == snap {
		delete(s.byArgs, args)
	}
	s.mu.Unlock()
	snap.unsafe = "its initialization failed"
	close(snap.ready)
}

// noSnapshot says why the plugin's instances are not made from a
// snapshot, "" when they are or none has been taken yet.
func (p *Plugin) noSnapshot() string {
	s := &p.mod.snaps
	switch {
	case !p.snapshots:
		return "snapshots are off"
	case s.unsafe != "":
		return s.unsafe
	}
	s.mu.Lock()
	snap := s.byArgs[p.plugin]
	s.mu.Unlock()
	if snap == nil {
		return ""
	}
	select {
	case <-snap.ready:
		return snap.unsafe
	default:
		return ""
	}
}

// noImage says why the plugin's snapshot-made instances are not made
// from the snapshot's image, "" when they are or no snapshot has been
// taken yet.
func (p *Plugin) noImage() string {
	if why := p.noSnapshot(); why != "" {
		return why
	}
	s := &p.mod.snaps
	s.mu.Lock()
	snap := s.byArgs[p.plugin]
	s.mu.Unlock()
	if snap == nil {
		return ""
	}
	select {
	case <-snap.ready:
	default:
		return ""
	}
	if snap.img == nil {
		return snap.noImage
	}
	m := p.mod
	select {
	case <-m.bareDone:
		if m.bare == nil {
			why := "not compiled"
			if m.bareErr != nil {
				why = m.bareErr.Error()
			}
			return "its module without data segments: " + why
		}
		return ""
	default:
		if !m.bareStarted.Load() {
			return "its module without data segments is compiled once an instance is made from the snapshot"
		}
		return "its module without data segments is being compiled"
	}
}

// takeSnapshot fills snap from in, an instance its initialization has just run
// in, or says why it cannot.
func (p *Plugin) takeSnapshot(snap *snapshot, in *Instance) {
	defer close(snap.ready)
	if name := in.initCall.Load(); name != nil {
		snap.unsafe = fmt.Sprintf("its initialization calls %s, which a snapshot cannot replay", *name)
		return
	}
	mem := in.mod.Memory()
	if mem.Size() > maxSnapshot {
		snap.unsafe = fmt.Sprintf("its memory after initialization is %d MiB, more than a snapshot copies (%d MiB)", mem.Size()>>20, maxSnapshot>>20)
		return
	}
	image, ok := mem.Read(0, mem.Size())
	if !ok {
		snap.unsafe = "its memory cannot be read"
		return
	}
	snap.size = uint32(len(image))
	if img, err := linearmem.NewImage(image); err == nil {
		snap.img, snap.image = img, img.Bytes()
	} else {
		snap.image = bytes.Clone(image)
		snap.noImage = err.Error()
	}
	for _, name := range p.mod.snaps.globals {
		g, ok := in.mod.ExportedGlobal(name).(api.MutableGlobal)
		if !ok {
			snap.unsafe = "global " + name + " is not exported"
			return
		}
		snap.globals = append(snap.globals, g.Get())
	}
	// What a fresh instantiation holds: the data segments in a memory of
	// the module's minimum size.
	fresh, err := p.rt.rt.InstantiateModule(context.Background(), p.compiled, wazero.NewModuleConfig().WithName("").WithStartFunctions())
	if err != nil {
		snap.unsafe = "a bare instantiation fails: " + err.Error()
		return
	}
	base, _ := fresh.Memory().Read(0, fresh.Memory().Size())
	for off := 0; off < len(snap.image); off += snapshotPage {
		end := min(off+snapshotPage, len(snap.image))
		page := snap.image[off:end]
		var was []byte
		if off < len(base) {
			was = base[off:min(end, len(base))]
		}
		if bytes.Equal(page, was) || (was == nil && allZero(page)) {
			continue
		}
		if n := len(snap.runs); n > 0 && int(snap.runs[n-1].off)+len(snap.runs[n-1].data) == off {
			snap.runs[n-1].data = snap.image[snap.runs[n-1].off:end]
		} else {
			snap.runs = append(snap.runs, run{off: uint32(off), data: page})
		}
	}
	fresh.Close(context.Background())
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// restore gives in, just instantiated, snap's state: when in is an
// instance of the module without data, its memory is the image mapped
// (nothing to copy) or, when it could not be mapped, zero, and is given
// the whole image; otherwise it holds the data segments, and is given
// the pages that differ.
func (in *Instance) restore(snap *snapshot) error {
	mem := in.mod.Memory()
	if size := mem.Size(); size < snap.size {
		if _, ok := mem.Grow((snap.size - size) / 65536); !ok {
			return fmt.Errorf("restoring a snapshot: memory cannot grow to %d bytes", snap.size)
		}
	}
	buf, ok := mem.Read(0, snap.size)
	if !ok {
		return fmt.Errorf("restoring a snapshot: memory is smaller than %d bytes", snap.size)
	}
	switch {
	case in.bare && in.image.Mapped():
	case in.bare:
		copy(buf, snap.image)
	default:
		for _, r := range snap.runs {
			copy(buf[r.off:], r.data)
		}
	}
	return in.restoreGlobals(snap)
}

// reset gives in, an instance made from snap or initialized as it was,
// snap's state again after a call. It reports false when it cannot: the
// memory grew, which it cannot undo.
func (in *Instance) reset(snap *snapshot) bool {
	mem := in.mod.Memory()
	if mem.Size() != snap.size {
		return false
	}
	if in.image.Mapped() {
		return in.image.Reset(int(snap.size)) && in.restoreGlobals(snap) == nil
	}
	buf, ok := mem.Read(0, snap.size)
	if !ok {
		return false
	}
	copy(buf, snap.image)
	return in.restoreGlobals(snap) == nil
}

// retire reports whether in, under per-request isolation, is better
// replaced than reset: its memory is not the image mapped, while a new
// instance's would be (its module without data is compiled now), and
// so would reset by copying back the pages a call wrote rather than the
// whole image. Instances made before the module was compiled, or the
// one the snapshot was taken from, go after their call.
func (in *Instance) retire() bool {
	p := in.pool
	return !in.image.Mapped() && in.snap.img != nil && !p.unmapped.Load() && p.mod.bareModule() != nil
}

func (in *Instance) restoreGlobals(snap *snapshot) error {
	if in.globals == nil {
		// Looked up once: a reset under per-request isolation sets them
		// after every call.
		names := in.pool.mod.snaps.globals
		gs := make([]api.MutableGlobal, len(names))
		for i, name := range names {
			g, ok := in.mod.ExportedGlobal(name).(api.MutableGlobal)
			if !ok {
				return fmt.Errorf("restoring a snapshot: global %s is not exported", name)
			}
			gs[i] = g
		}
		in.globals = gs
	}
	for i, g := range in.globals {
		// The stop global is the watchdog's (halt sets it from another
		// goroutine), and a healthy instance's is 0 already.
		if in.stop != nil && g == in.stop {
			continue
		}
		g.Set(snap.globals[i])
	}
	return nil
}
