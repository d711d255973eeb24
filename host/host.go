// Package host serves wasmweb's sites. It takes a config.Config and
// builds each site from it; for each request it picks the site by Host
// and runs the request's path: static files, the checks before a guest,
// the route's guest call and what its result means for the answer. It
// owns that path, the sites' assembly and their metrics; the parts live
// in host/internal, one concern each:
//
//	guest      wazero runtimes, compiled plugins, instance pools, the watchdog, route gates
//	hostfuncs  the wasmweb_v1 host functions and the state of a call
//	longpoll   parked requests, their wake-ups and shared answers
//	guard      the checks before a guest: XSRF, auth = "required", the user
//	route      route patterns and the routes of a site
//	vhost      the table of sites by host name, and cookie domains
//	status     the admin address's status page, its history and recent errors
//
// and the building blocks these and the host share (pubsub, signed,
// accounts, static, guestlog, compress, errorpage, linearmem). HTTP/1.1
// itself is package netloop's, reading and checking the configuration
// package config's.
package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/host/internal/errorpage"
	"github.com/wasmweb/wasmweb/host/internal/guest"
	"github.com/wasmweb/wasmweb/host/internal/quota"
	"github.com/wasmweb/wasmweb/host/internal/status"
	"github.com/wasmweb/wasmweb/host/internal/vhost"
	"github.com/wasmweb/wasmweb/netloop"
)

// Host serves a set of sites: it picks the site by the request's host and
// runs the route's plugin. It implements netloop.Handler and is safe for
// concurrent use.
type Host struct {
	engine  *Engine
	log     *slog.Logger // tees recent errors into mon
	m       *metrics
	mon     *status.Monitor
	build   status.Build
	started time.Time
	reqID   atomic.Uint64

	// sites is the table serving now: immutable, replaced whole by a
	// change (reload.go) with one atomic store, read without a lock.
	sites atomic.Pointer[siteTable]
	env   siteEnv // what sites are built with

	serversMu sync.Mutex
	servers   []*netloop.Server // serversMu guards servers

	watchdog *guest.Watchdog
	changes  changes // live changes: one at a time
	closeMu  sync.Mutex
	isClosed bool               // closeMu guards
	retiring map[*Site]struct{} // sites replaced or removed, not yet drained; closeMu guards
}

// New loads every site of cfg: it compiles the plugins, checks them and
// warms their pools. Plugin paths must name .wasm files
// (config.Config.BuildPlugins builds source directories); the sites get
// their defaults here if they lack them. On error nothing is left
// running.
//
// Records logged at level WARN or above that name a request (a
// request_id attribute) are also kept, the last hundred, for the status
// page (AdminHandler).
func New(ctx context.Context, engine *Engine, cfg config.Config, log *slog.Logger) (*Host, error) {
	if log == nil {
		log = slog.Default()
	}
	h := &Host{engine: engine, build: buildInfo(), started: time.Now(), retiring: map[*Site]struct{}{}}
	h.mon = status.NewMonitor(func() (int64, int64) { return h.openConns(), h.parked() })
	h.log = slog.New(status.Tee(log.Handler(), h.mon.Errors))
	log = h.log
	h.m = newMetrics(func() float64 { return float64(h.openConns()) }, h.build)
	h.m.reg.MustRegister(compiledGauge(engine))
	h.reqID.Store(uint64(time.Now().UnixNano()) << 20)
	h.sites.Store(&siteTable{})
	h.changes.init(h, cfg.Server)
	h.env = siteEnv{engine: engine.e, log: log, m: h.m, reqIDs: &h.reqID, backend: cfg.PubSub.WithDefaults(),
		table: func() *vhost.Table[*Site] { return &h.sites.Load().byHost }, resume: h.resumer,
		sched: quota.NewScheduler(GuestSlots()), kv: newKVStores(cfg, log)}
	var sites []*Site
	closeAll := func() {
		for _, s := range sites {
			s.close(ctx)
		}
		h.env.kv.Close()
	}
	for i, spec := range cfg.Sites {
		s, err := newSite(ctx, spec.WithDefaults(), h.env.at(i, cfg.Locate), nil)
		if err != nil {
			closeAll()
			return nil, err
		}
		sites = append(sites, s)
	}
	t, err := newSiteTable(sites)
	if err != nil {
		closeAll()
		return nil, err
	}
	h.sites.Store(t)
	var plugins []*guest.Plugin
	for _, s := range sites {
		for _, p := range s.plugins {
			plugins = append(plugins, p.Current())
		}
	}
	h.watchdog = guest.StartWatchdog(plugins)
	h.mon.Start(time.Second)
	return h, nil
}

// Close unloads every site, once a change in progress has finished.
// Calls in progress are stopped.
func (h *Host) Close(ctx context.Context) error {
	// A change in progress (a swap or reload loading modules into the
	// sites' runtimes) finishes first: closing a runtime under a compile
	// or an initialization would fail it, or worse, inside wazero.
	h.changes.mu.Lock()
	defer h.changes.mu.Unlock()
	h.closeMu.Lock()
	defer h.closeMu.Unlock()
	if h.isClosed {
		return nil
	}
	h.isClosed = true
	h.mon.Stop()
	if h.watchdog != nil {
		h.watchdog.Stop()
	}
	for _, s := range h.sites.Load().sites {
		s.close(ctx)
	}
	defer h.env.kv.Close() // after the sites' calls have stopped
	for s := range h.retiring {
		s.close(ctx)
	}
	return nil
}

// Drain answers every parked request with 503 and Retry-After; the
// server calls it when it starts shutting down, so that long polls end
// instead of holding the shutdown until its deadline.
func (h *Host) Drain() {
	for _, s := range h.sites.Load().sites {
		s.env.Parking.Drain()
	}
}

// ServeHTTP implements netloop.Handler. A request that no site serves
// is answered 404 and counted with site "" and route NoRoute.
func (h *Host) ServeHTTP(w *netloop.Response, r *netloop.Request) {
	start := time.Now()
	if s := h.acquire(r.Host); s != nil {
		s.serveHeld(w, r, start)
	} else {
		errorpage.Write(w, 404, "")
		h.m.unrouted.Count(404)
	}
	h.mon.Latency.Observe(time.Since(start))
}

// AdminHandler serves an index at /, the status page at /status (with
// its data at /status.json), /metrics (Prometheus text format), /healthz,
// the Go profiler under /debug/pprof/ and the admin API under /v1/
// (adminapi.go). Bind it to a private address (ListenAdmin): the status
// page shows recent errors, which name sites and requests.
func (h *Host) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", status.NewHandler(h.mon, h.snapshot))
	mux.Handle("/metrics", promhttp.HandlerFor(h.m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.Handle("/v1/", h.adminAPI())
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		h.closeMu.Lock()
		closed := h.isClosed
		h.closeMu.Unlock()
		if closed {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	return mux
}

// GuestSlots returns how many guest calls run at once across every
// site: sixteen per core the Go runtime uses. Past it, calls wait in
// their site's queue and sites are served in turn (package quota).
// Calls that wait inside the host (a sleep, a fetch, a host call) hold
// their slot, so there are many more slots than cores; few enough that
// when many sites are busy at once, a site's backlog queues where the
// other sites can pass it.
func GuestSlots() int { return 16 * runtime.GOMAXPROCS(0) }

// ErrNoSites is returned when a configuration defines no site.
var ErrNoSites = errors.New("host: no sites configured")

var _ netloop.Handler = (*Host)(nil)
