// Package guest runs plugins' WebAssembly: the compilation cache
// (Engine), one wazero runtime per site with the host module in it
// (Runtime), each plugin's compiled generation and its bounded pool of
// instances (Plugin, Instance), the slot whose generations swap while
// they serve (Slot), the watchdog that stops calls at their
// deadline (Watchdog), and the gate that keeps one route from taking its
// plugin's whole pool (Gate). It knows nothing of HTTP or of what the
// host functions do: a call's state is the caller's (State).
package guest

import (
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wasmweb/wasmweb/host/internal/guestlog"
)

// Config is what Load needs to make a plugin's generation.
type Config struct {
	// Site and Name name the plugin in errors and logs; Path is its file.
	Site, Name, Path string
	// Instances caps the pool; WarmInstances are made at load, and
	// MinInstances kept while idle.
	Instances, WarmInstances, MinInstances int
	// IdleTimeout frees an instance beyond MinInstances that was not
	// needed for this long (reap.go); 0 keeps every instance.
	IdleTimeout time.Duration
	// Isolation says what a call may see of earlier ones.
	Isolation Isolation
	// NoSnapshots initializes every instance instead of making it from a
	// snapshot (snapshot.go).
	NoSnapshots bool
	// CallTimeout is a call's deadline; 0 runs calls without one, and the
	// module is then loaded unprepared.
	CallTimeout time.Duration
	// Logs bound what the plugin's guests put in Log.
	Logs guestlog.Limits
	Log  *slog.Logger
	// Metrics are the plugin's series.
	Metrics Metrics
	// NewState makes the state of each new instance's calls.
	NewState func() State
	// Gates are the plugin's route gates by route number; nil (or a nil
	// entry) admits every call.
	Gates []*Gate
	// SiteInstances, when set, is the budget of live instances the
	// plugin shares with the other plugins of its site: each instance
	// takes a unit while it lives.
	SiteInstances InstanceBudget
	// Compute, when set, is the site's share of the cores that its
	// calls running past their first slice take turns in (yield.go).
	Compute ComputeShare
}

// ComputeShare is a site's share of the cores for its long calls
// (package quota's Compute): turns to compute past the first slice,
// and a credit of computing time that fills at the site's rate.
// Times are monotonic nanoseconds on a fixed origin. Implementations
// are safe for concurrent use.
type ComputeShare interface {
	// Acquire takes a turn, waiting for one until stop is closed; it
	// reports whether it took one.
	Acquire(stop <-chan struct{}) bool
	// Release gives back a turn Acquire took.
	Release()
	// Spend charges ran of computing and returns how long the site's
	// calls must keep the core given up, while other work wants it, to
	// be back within the share.
	Spend(now int64, ran time.Duration) time.Duration
	// Owed returns how long that still is.
	Owed(now int64) time.Duration
	// Forgive clears what the site owes: nothing else wanted the core.
	Forgive(now int64)
}

// InstanceBudget is a count of live instances shared by several
// plugins, with a cap. Implementations are safe for concurrent use.
type InstanceBudget interface {
	// Take claims a unit for a new instance; false at the cap.
	Take() bool
	// Force claims a unit even at the cap: for a plugin's first
	// instance at load, which a new generation needs while the one it
	// replaces still holds its own.
	Force()
	// Give returns a unit Take claimed.
	Give()
	// Full reports whether the budget is at its cap.
	Full() bool
}

// ErrSiteInstances is Get's error when the plugin has no instance and
// its site's instance budget has none to give it.
var ErrSiteInstances = errors.New("the site holds as many instances as it may")

// Isolation says what a guest call may see of the calls its instance
// served before.
type Isolation int

const (
	// IsolateInstance keeps an instance's memory between its calls: a
	// call may see what an earlier one left there. The default.
	IsolateInstance Isolation = iota
	// IsolateRequest resets an instance's memory and globals to their
	// state after initialization (its snapshot) after every call, and
	// closes it instead when it has none or its memory grew.
	IsolateRequest
)

// Metrics are one plugin's Prometheus series.
type Metrics struct {
	Calls       prometheus.Counter
	CallSeconds prometheus.Observer
	Instances   prometheus.Gauge
	Creations   prometheus.Counter
	Misses      prometheus.Counter
	Traps       prometheus.Counter
	Kills       prometheus.Counter
	LogBytes    prometheus.Counter
	LogLines    prometheus.Counter
	// Yields, when set, counts the times a long call gave the core up
	// part way (yield.go).
	Yields prometheus.Counter
	// ColdStarts, when set, observes how long each instance made for a
	// request that found none free took to create.
	ColdStarts prometheus.Observer
}

// State is what an instance's calls keep between the caller and the
// host functions: the caller fills it before Handle, the host functions
// find it with FromContext. An instance has one, made when the instance
// is, and used by one call at a time.
type State interface {
	// RequestID returns the id of the request being served, "" between
	// calls; the guest's log lines carry it.
	RequestID() string
}
