package kv

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// Backends of Config.
const (
	BackendBolt = "bbolt"
	BackendNATS = "nats"
)

// Config says where the sites' stores live.
type Config struct {
	// Backend is BackendBolt or BackendNATS.
	Backend string
	// Dir is the data directory: a BackendBolt site's store is the file
	// Dir/kv/<site>.db.
	Dir string
	// NATS is how to reach JetStream, for BackendNATS.
	NATS NATSConfig
	// Bolt are the options of BackendBolt's stores.
	Bolt BoltOptions
	// OnOpenError, when set, is told why a site's store did not open,
	// once per run of failures (the next Open tries again, and guests
	// get ERR_UNAVAILABLE meanwhile).
	OnOpenError func(site string, err error)
}

// Stores holds the sites' stores of a host, each opened on its site's
// first use and kept until Close, whatever the site's reloads: a site
// replaced by a new version of itself uses the same store. Opening one
// site's store (a NATS server slow to answer, a file locked by another
// process) holds up that site's calls only. Safe for concurrent use.
type Stores struct {
	cfg Config

	mu     sync.RWMutex
	sites  map[string]*siteStore // mu guards sites and closed
	closed bool

	dialMu sync.Mutex
	nats   *NATS // dialMu guards nats, dialed on first use
}

// siteStore is one site's store, once open.
type siteStore struct {
	cur     atomic.Pointer[opened] // nil until open
	mu      sync.Mutex             // held while opening or changing limits; guards failing
	failing bool                   // the last open failed, told to OnOpenError
}

type opened struct {
	s   Store
	lim Limits
}

// NewStores returns the stores of cfg, none open yet.
func NewStores(cfg Config) *Stores {
	return &Stores{cfg: cfg, sites: map[string]*siteStore{}}
}

// ErrClosed is Open's error after Close.
var ErrClosed = errors.New("kv: stores closed")

// Open returns the store of site, opening it on first use, with lim
// applied. An error wraps ErrUnavailable; the next Open tries again.
func (s *Stores) Open(site string, lim Limits) (Store, error) { return s.open(site, false, lim) }

// OpenHost returns the host's own store for site, as Open does: the
// host keeps there what a site's guests must not reach (the sign-in
// tokens it forwards), apart from the site's store, in a file
// (Dir/kv/<site>.host.db) or bucket (HostBucketName) of its own, which
// no kv_* function opens. Neither name can be a site's: a site's name
// has no dot, and "wasmweb_" starts every site's bucket.
func (s *Stores) OpenHost(site string, lim Limits) (Store, error) { return s.open(site, true, lim) }

// hostSpace starts the key of a host store in Stores.sites: no site's
// name holds a NUL.
const hostSpace = "\x00host/"

func (s *Stores) open(site string, host bool, lim Limits) (Store, error) {
	key := site
	if host {
		key = hostSpace + site
	}
	s.mu.RLock()
	ss, closed := s.sites[key], s.closed
	s.mu.RUnlock()
	if closed {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, ErrClosed)
	}
	if ss != nil {
		if o := ss.cur.Load(); o != nil && o.lim == lim {
			return o.s, nil
		}
	} else {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return nil, fmt.Errorf("%w: %w", ErrUnavailable, ErrClosed)
		}
		if ss = s.sites[key]; ss == nil {
			ss = new(siteStore)
			s.sites[key] = ss
		}
		s.mu.Unlock()
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if o := ss.cur.Load(); o != nil {
		if o.lim != lim {
			if err := o.s.SetLimits(lim); err != nil {
				return nil, err
			}
			ss.cur.Store(&opened{o.s, lim})
		}
		return o.s, nil
	}
	st, err := s.openStore(site, host, lim)
	if err != nil {
		what := "site %q"
		if host {
			what = "site %q, the host's store"
		}
		err = fmt.Errorf("kv: "+what+": %w", site, err)
		if !ss.failing && s.cfg.OnOpenError != nil {
			s.cfg.OnOpenError(site, err)
		}
		ss.failing = true
		return nil, err
	}
	s.mu.RLock()
	closed = s.closed
	s.mu.RUnlock()
	if closed { // Close ran meanwhile and did not see this store
		st.Close()
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, ErrClosed)
	}
	ss.failing = false
	ss.cur.Store(&opened{st, lim})
	return st, nil
}

// openStore opens site's store, or the host's for it, on the
// configured backend.
func (s *Stores) openStore(site string, host bool, lim Limits) (Store, error) {
	if s.cfg.Backend != BackendNATS {
		name := site + ".db"
		if host {
			name = site + ".host.db"
		}
		return OpenBolt(filepath.Join(s.cfg.Dir, "kv", name), lim, s.cfg.Bolt)
	}
	s.dialMu.Lock()
	if s.nats == nil {
		n, err := DialNATS(s.cfg.NATS)
		if err != nil {
			s.dialMu.Unlock()
			return nil, err
		}
		s.nats = n
	}
	n := s.nats
	s.dialMu.Unlock()
	if host {
		return n.open(HostBucketName(site), lim)
	}
	return n.Open(site, lim)
}

// Close closes every store; Open fails after it.
func (s *Stores) Close() error {
	s.mu.Lock()
	s.closed = true
	sites := s.sites
	s.sites = map[string]*siteStore{}
	s.mu.Unlock()
	var errs []error
	for _, ss := range sites {
		ss.mu.Lock()
		if o := ss.cur.Swap(nil); o != nil {
			errs = append(errs, o.s.Close())
		}
		ss.mu.Unlock()
	}
	s.dialMu.Lock()
	if s.nats != nil {
		errs = append(errs, s.nats.Close())
		s.nats = nil
	}
	s.dialMu.Unlock()
	return errors.Join(errs...)
}
