package guest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/tetratelabs/wazero"

	"github.com/wasmweb/wasmweb/host/interrupt"
)

// moduleKey says which loads may share a compiled module (in one
// runtime): the same module bytes, prepared alike.
type moduleKey struct {
	sum          [32]byte // of the bytes as read
	instrumented bool     // with the deadline's checks (interrupt.Instrument)
}

// sharedModule is a module compiled once for every plugin, of every
// site in its runtime, that loads the same bytes. The engine's mu guards
// refs; the other fields are set before ready is closed and never
// change.
type sharedModule struct {
	key   moduleKey
	ready chan struct{} // closed once compiled, or failed

	compiled wazero.CompiledModule
	stage    string // where making it failed, with err
	err      error
	refs     int // plugins holding it

	snaps snapshots // memory images taken after initialization (snapshot.go)

	// The module without its data segments (interrupt.WithoutData), for
	// instances whose memory is mapped from a snapshot's image: compiled
	// in the background (startBare) once a second instance or plugin
	// wants the snapshot, since until then, or when it fails, the module
	// itself serves.
	prepared    []byte        // the bytes compiled, until bare is compiled; nil when bare cannot be made
	bareOnce    sync.Once     // starts the compilation
	bareDone    chan struct{} // closed once bare is compiled, or failed
	bare        wazero.CompiledModule
	bareErr     error       // why bare is nil, once bareDone is closed
	bareStarted atomic.Bool // startBare was called
}

// acquire returns the runtime's compiled module of wasm, whose SHA-256
// is sum, compiling (and instrumenting, when instrument is set) and
// checking it only when no plugin of the runtime holds it already. The
// caller gives it back with release.
func (r *Runtime) acquire(ctx context.Context, wasm []byte, sum [32]byte, instrument bool) (*sharedModule, string, error) {
	e, g := r.g.e, r.g
	key := moduleKey{sum: sum, instrumented: instrument}
	e.mu.Lock()
	m := g.modules[key]
	if m == nil {
		m = &sharedModule{key: key, ready: make(chan struct{})}
		g.modules[key] = m
		m.refs++
		e.mu.Unlock()
		m.stage, m.err = r.compile(ctx, m, wasm)
		if m.err != nil {
			e.mu.Lock()
			delete(g.modules, key)
			e.mu.Unlock()
		}
		close(m.ready)
	} else {
		m.refs++
		e.mu.Unlock()
		<-m.ready
	}
	if m.err != nil {
		return nil, m.stage, m.err
	}
	r.modules.Add(1)
	return m, "", nil
}

func (r *Runtime) compile(ctx context.Context, m *sharedModule, wasm []byte) (string, error) {
	if m.key.instrumented {
		// The watchdog stops a call past its deadline through the checks
		// this adds (package interrupt).
		iw, err := interrupt.Instrument(wasm)
		if err != nil {
			return StageInstrument, err
		}
		wasm = iw
	}
	// Exporting the mutable globals lets an instance's state be copied
	// (snapshot.go); a module that cannot be prepared is compiled as it
	// is and its instances initialized each time.
	var names []string
	prepared, globals, unsafe, err := interrupt.PrepareSnapshot(wasm)
	if err == nil {
		wasm = prepared
		names = make([]string, len(globals))
		for i, g := range globals {
			names[i] = interrupt.GlobalPrefix + strconv.Itoa(int(g))
		}
	}
	compiled, err := r.rt.CompileModule(ctx, wasm)
	if err != nil {
		return StageCompile, fmt.Errorf("compile: %w", err)
	}
	if err := r.checkModule(compiled); err != nil {
		compiled.Close(ctx)
		return StageCheck, err
	}
	m.compiled = compiled
	m.snaps.init(names, unsafe, compiled)
	m.bareDone = make(chan struct{})
	if names != nil && unsafe == "" {
		m.prepared = wasm
	}
	return "", nil
}

// startBare starts compiling the module without its data segments, in
// rt, the first time it is called.
func (m *sharedModule) startBare(rt wazero.Runtime) {
	if m.bareStarted.Load() {
		return
	}
	m.bareOnce.Do(func() {
		m.bareStarted.Store(true)
		wasm := m.prepared
		m.prepared = nil
		if wasm == nil {
			m.bareErr = errors.New("the module was not prepared for snapshots")
			close(m.bareDone)
			return
		}
		go func() {
			defer close(m.bareDone)
			bare, err := interrupt.WithoutData(wasm)
			if err == nil {
				m.bare, err = rt.CompileModule(context.Background(), bare)
			}
			if err != nil {
				m.bare, m.bareErr = nil, err
			}
		}()
	})
}

// bareModule returns the module without its data segments once it is
// compiled, nil until then or when it cannot be.
func (m *sharedModule) bareModule() wazero.CompiledModule {
	select {
	case <-m.bareDone:
		return m.bare
	default:
		return nil
	}
}

// release gives back a module acquire returned; the last plugin to give
// it back closes it.
func (r *Runtime) release(ctx context.Context, m *sharedModule) {
	e := r.g.e
	e.mu.Lock()
	m.refs--
	last := m.refs == 0
	if last && r.g.modules[m.key] == m {
		delete(r.g.modules, m.key)
	}
	e.mu.Unlock()
	r.modules.Add(-1)
	if last {
		m.bareOnce.Do(func() { // never started: none will be
			m.bareErr = errors.New("the module is closed")
			close(m.bareDone)
		})
		<-m.bareDone
		if m.bare != nil {
			m.bare.Close(ctx)
		}
		m.snaps.close()
		m.compiled.Close(ctx)
	}
}
