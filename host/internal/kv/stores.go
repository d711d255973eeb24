package kv

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
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
// replaced by a new version of itself uses the same store. Safe for
// concurrent use.
type Stores struct {
	cfg Config

	mu      sync.Mutex
	nats    *NATS             // mu guards nats (dialed on first use), open and closed
	open    map[string]*entry // by site name
	failing map[string]bool   // sites whose last Open failed, told to OnOpenError
	closed  bool
}

type entry struct {
	s   Store
	lim Limits
}

// NewStores returns the stores of cfg, none open yet.
func NewStores(cfg Config) *Stores {
	return &Stores{cfg: cfg, open: map[string]*entry{}, failing: map[string]bool{}}
}

// ErrClosed is Open's error after Close.
var ErrClosed = errors.New("kv: stores closed")

// Open returns the store of site, opening it on first use, with lim
// applied. An error wraps ErrUnavailable; the next Open tries again.
func (s *Stores) Open(site string, lim Limits) (Store, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, ErrClosed)
	}
	if e := s.open[site]; e != nil {
		if e.lim != lim {
			if err := e.s.SetLimits(lim); err != nil {
				return nil, err
			}
			e.lim = lim
		}
		return e.s, nil
	}
	var st Store
	var err error
	switch s.cfg.Backend {
	case BackendNATS:
		if s.nats == nil {
			if s.nats, err = DialNATS(s.cfg.NATS); err != nil {
				return nil, err
			}
		}
		st, err = s.nats.Open(site, lim)
	default:
		st, err = OpenBolt(filepath.Join(s.cfg.Dir, "kv", site+".db"), lim, s.cfg.Bolt)
	}
	if err != nil {
		err = fmt.Errorf("kv: site %q: %w", site, err)
		if !s.failing[site] && s.cfg.OnOpenError != nil {
			s.cfg.OnOpenError(site, err)
		}
		s.failing[site] = true
		return nil, err
	}
	delete(s.failing, site)
	s.open[site] = &entry{s: st, lim: lim}
	return st, nil
}

// Close closes every store; Open fails after it.
func (s *Stores) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	var errs []error
	for _, e := range s.open {
		errs = append(errs, e.s.Close())
	}
	s.open = nil
	if s.nats != nil {
		errs = append(errs, s.nats.Close())
	}
	return errors.Join(errs...)
}
