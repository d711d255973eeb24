package guest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// A plugin's code changes by generations. A Slot holds the generation
// that takes new calls; Swap puts a new one, loaded and warmed beside
// it, in its place with one atomic store. Each generation counts the
// calls that hold it (Acquire to Release); one that has been replaced
// closes itself, instances and compiled module, when that count reaches
// zero. A call therefore finishes on the generation it started on, and
// nothing is closed under it.
//
// The count and the "replaced" mark share one word (refs), so that the
// last Release and the replacement agree on who closes, without a lock:
//
//	event      refs before         refs after          then
//	Acquire    n, not replaced     n+1                 the call may run
//	Acquire    replaced            unchanged           load the slot again
//	Release    n+1                 n                   close if replaced and n = 0
//	retire     n                   n | replaced        close if n = 0
//
// A parked long poll holds no generation: it is resumed with whichever
// one is current when its message or deadline comes (see Slot.Acquire).

// replaced marks a generation that a newer one has replaced in its slot.
const replaced = int64(1) << 62

// Slot is one plugin's place in its site: the generation new calls get.
// It is safe for concurrent use.
type Slot struct {
	cur atomic.Pointer[Plugin] // never nil

	mu   sync.Mutex
	live map[*Plugin]struct{} // the current generation and those draining; mu guards
}

// NewSlot returns a slot serving p, which becomes generation 1.
func NewSlot(p *Plugin) *Slot { return NewSlotAfter(p, 0) }

// NewSlotAfter returns a slot serving p as generation prev+1: the slot
// of a plugin whose site was rebuilt goes on counting from its
// predecessor's generation prev.
func NewSlotAfter(p *Plugin, prev uint64) *Slot {
	p.gen = prev + 1
	s := &Slot{live: map[*Plugin]struct{}{p: {}}}
	p.slot = s
	s.cur.Store(p)
	return s
}

// Acquire returns the current generation, held until the caller's
// Release: it is not closed before then, even if a newer one replaces it.
func (s *Slot) Acquire() *Plugin {
	for {
		p := s.cur.Load()
		v := p.refs.Load()
		if v&replaced != 0 {
			continue // replaced since the load: the slot has the new one
		}
		if p.refs.CompareAndSwap(v, v+1) {
			return p
		}
	}
}

// Release gives back a generation that Acquire returned.
func (p *Plugin) Release() {
	if p.refs.Add(-1) == replaced {
		p.drained()
	}
}

// Current returns the current generation without holding it: for
// reports, not for calls.
func (s *Slot) Current() *Plugin { return s.cur.Load() }

// Swap makes next, a generation loaded with Load and not yet serving,
// the current one, and returns the one it replaces. New calls go to next
// at once; the old generation closes once the calls holding it have
// returned. Callers serialize their Swaps.
func (s *Slot) Swap(next *Plugin) (old *Plugin) {
	s.mu.Lock()
	old = s.cur.Load()
	next.gen = old.gen + 1
	next.slot = s
	s.live[next] = struct{}{}
	s.mu.Unlock()
	s.cur.Store(next)
	if old.refs.Add(replaced) == replaced {
		old.drained()
	}
	return old
}

// drained closes a replaced generation that no call holds any more. It
// runs once per generation, from the last Release or from Swap, so the
// closing (which may wait for an instance still being created) goes to
// its own goroutine, off the request's.
func (p *Plugin) drained() {
	go func() {
		p.Close(context.Background())
		if s := p.slot; s != nil {
			s.mu.Lock()
			delete(s.live, p)
			s.mu.Unlock()
		}
	}()
}

// Close closes every generation of the slot, the current one and those
// still draining, as Plugin.Close does. It reports false when calls were
// still running at ctx's deadline.
func (s *Slot) Close(ctx context.Context) bool {
	s.mu.Lock()
	list := make([]*Plugin, 0, len(s.live))
	for p := range s.live {
		list = append(list, p)
	}
	s.mu.Unlock()
	idle := true
	for _, p := range list {
		if !p.Close(ctx) {
			idle = false
		}
	}
	return idle
}

// Generations returns how many generations of the slot are open: the
// current one and those still draining.
func (s *Slot) Generations() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.live)
}

// Info describes one generation.
type Info struct {
	// Generation counts the slot's generations from 1.
	Generation uint64
	// SHA256 is the hash of the module's bytes as loaded, hex.
	SHA256 string
	// Size is the module's size in bytes.
	Size int
	// Loaded is when Load finished; LoadTime is how long it took
	// (compiling, checking and warming the pool).
	Loaded   time.Time
	LoadTime time.Duration
	// Idle and Busy count the pool's instances: free, and serving a call
	// or being created.
	Idle, Busy int
	// Calls counts the calls holding the generation now.
	Calls int
	// Made counts the instances created, FromSnapshot those of them made
	// from a snapshot rather than initialized (snapshot.go).
	Made, FromSnapshot int64
	// NoSnapshot says why instances are not made from a snapshot, ""
	// when they are or none has been taken yet.
	NoSnapshot string
	// FromImage counts the instances made from a snapshot whose memory
	// is its image mapped, nothing copied; NoImage says why a
	// snapshot-made instance is not, "" when it is (snapshot.go).
	FromImage int64
	NoImage   string
	// Export is the export the generation's calls go to: wasmweb_serve
	// when the module has it, else wasmweb_handle (a plugin built with
	// an SDK older than wasmweb_serve).
	Export string
}

// Info describes the generation as it is now.
func (p *Plugin) Info() Info {
	idle := len(p.idle)
	return Info{
		Generation: p.gen, SHA256: p.sum, Size: p.size, Loaded: p.loaded, LoadTime: p.loadTime,
		Idle: idle, Busy: max(0, int(p.total.Load())-idle), Calls: int(p.refs.Load() &^ replaced),
		Made: p.made.Load(), FromSnapshot: p.restored.Load(), NoSnapshot: p.noSnapshot(),
		FromImage: p.fromImage.Load(), NoImage: p.noImage(), Export: p.export,
	}
}

// The stages of Load, as LoadError names them.
const (
	StageInstrument  = "instrument"  // adding the deadline's checks: the module does not decode
	StageCompile     = "compile"     // wazero refused the module
	StageCheck       = "check"       // an export or import is not what ABI.md requires
	StageInstantiate = "instantiate" // instantiating, the start function or _initialize failed
)

// LoadError is Load's error: the plugin, the stage that failed and why.
type LoadError struct {
	Name, Path string
	Stage      string
	Err        error
}

func (e *LoadError) Error() string {
	return fmt.Sprintf("host: plugin %q (%s): %v", e.Name, e.Path, e.Err)
}

func (e *LoadError) Unwrap() error { return e.Err }

func loadError(cfg Config, stage string, err error) error {
	return &LoadError{Name: cfg.Name, Path: cfg.Path, Stage: stage, Err: err}
}

// ModuleBytes returns the size of the modules of the slot's open
// generations.
func (s *Slot) ModuleBytes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for p := range s.live {
		n += p.size
	}
	return n
}
