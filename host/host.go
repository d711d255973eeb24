package host

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/host/internal/errorpage"
	"github.com/wasmweb/wasmweb/host/internal/guest"
	"github.com/wasmweb/wasmweb/netloop"
)

// Host serves a set of sites: it picks the site by the request's host and
// runs the route's plugin. It implements netloop.Handler and is safe for
// concurrent use.
type Host struct {
	engine *Engine
	log    *slog.Logger
	m      *metrics
	reqID  atomic.Uint64

	sites    []*Site
	exact    map[string]*Site // lower-case host → site
	suffixes []hostSuffix     // "*.example.com" entries, longest first
	fallback *Site            // the "*" site, or nil

	watchdog *guest.Watchdog
	closeMu  sync.Mutex
	isClosed bool
}

type hostSuffix struct {
	suffix string // ".example.com"
	site   *Site
}

// New loads every site of cfg: it compiles the plugins, checks them and
// warms their pools. Plugin paths must name .wasm files
// (config.Config.BuildPlugins builds source directories); the sites get
// their defaults here if they lack them. On error nothing is left
// running.
func New(ctx context.Context, engine *Engine, cfg config.Config, log *slog.Logger) (*Host, error) {
	if log == nil {
		log = slog.Default()
	}
	h := &Host{engine: engine, log: log, m: newMetrics(), exact: map[string]*Site{}}
	h.reqID.Store(uint64(time.Now().UnixNano()) << 20)
	backend := cfg.PubSub.WithDefaults()
	for _, spec := range cfg.Sites {
		spec = spec.WithDefaults()
		s, err := h.buildSite(ctx, spec, backend)
		if err != nil {
			h.Close(ctx)
			return nil, err
		}
		h.sites = append(h.sites, s)
		for _, name := range spec.Hosts {
			name = strings.ToLower(name)
			switch {
			case name == "*":
				if h.fallback != nil {
					h.Close(ctx)
					return nil, fmt.Errorf("host: sites %q and %q both claim every host (\"*\")", h.fallback.name, s.name)
				}
				h.fallback = s
			case strings.HasPrefix(name, "*."):
				h.suffixes = append(h.suffixes, hostSuffix{name[1:], s})
			default:
				if other, ok := h.exact[name]; ok {
					h.Close(ctx)
					return nil, fmt.Errorf("host: sites %q and %q both claim host %q", other.name, s.name, name)
				}
				h.exact[name] = s
			}
		}
	}
	// The most specific pattern wins, whatever the config's order.
	slices.SortStableFunc(h.suffixes, func(a, b hostSuffix) int { return len(b.suffix) - len(a.suffix) })
	var plugins []*guest.Plugin
	for _, s := range h.sites {
		for _, p := range s.plugins {
			plugins = append(plugins, p)
		}
	}
	h.watchdog = guest.StartWatchdog(plugins)
	return h, nil
}

// Close unloads every site. Calls in progress are stopped.
func (h *Host) Close(ctx context.Context) error {
	h.closeMu.Lock()
	defer h.closeMu.Unlock()
	if h.isClosed {
		return nil
	}
	h.isClosed = true
	if h.watchdog != nil {
		h.watchdog.Stop()
	}
	for _, s := range h.sites {
		s.close(ctx)
	}
	return nil
}

// Drain answers every parked request with 503 and Retry-After; the
// server calls it when it starts shutting down, so that long polls end
// instead of holding the shutdown until its deadline.
func (h *Host) Drain() {
	for _, s := range h.sites {
		s.parking.Drain()
	}
}

// siteFor returns the site that answers host (which may carry a port).
func (h *Host) siteFor(host []byte) *Site {
	if s := h.listed(hostName(host)); s != nil {
		return s
	}
	return h.fallback
}

// ownsCookieDomain reports whether a cookie for domain, set by site s in
// reply to a request for reqHost, reaches s alone (abi/ABI.md section
// 7.6): domain is reqHost or a name s lists, no other site lists domain
// or a name within it, and the "*." pattern that answers the other names
// within it, if any, is s's. Names that only the "*" site answers are
// not counted: they reach this server because whoever holds domain's DNS
// sends them here.
func (h *Host) ownsCookieDomain(s *Site, reqHost, domain string) bool {
	if domain != reqHost && h.listed(domain) != s {
		return false
	}
	within := "." + domain
	for name, site := range h.exact {
		if site != s && (name == domain || strings.HasSuffix(name, within)) {
			return false
		}
	}
	for _, hs := range h.suffixes {
		if site := hs.site; site != s && strings.HasSuffix(hs.suffix, within) {
			return false // another site's pattern at or within domain
		}
	}
	for _, hs := range h.suffixes { // longest first: the first above domain answers the rest
		if strings.HasSuffix(within, hs.suffix) {
			return hs.site == s
		}
	}
	return true
}

// listed returns the site whose hosts list name, exactly or by a "*."
// pattern, or nil; the "*" site lists no name.
func (h *Host) listed(name string) *Site {
	if s, ok := h.exact[name]; ok {
		return s
	}
	for _, hs := range h.suffixes {
		if strings.HasSuffix(name, hs.suffix) {
			return hs.site
		}
	}
	return nil
}

// hostName strips the port and lower-cases, without allocating when the
// name is already lower-case.
func hostName(b []byte) string {
	if len(b) > 0 && b[0] == '[' {
		if i := strings.IndexByte(string(b), ']'); i > 0 {
			b = b[:i+1]
		}
	} else if i := lastColon(b); i >= 0 {
		b = b[:i]
	}
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			return strings.ToLower(string(b))
		}
	}
	return unsafeString(b)
}

func lastColon(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == ':' {
			return i
		}
	}
	return -1
}

// ServeHTTP implements netloop.Handler.
func (h *Host) ServeHTTP(w *netloop.Response, r *netloop.Request) {
	s := h.siteFor(r.Host)
	if s == nil {
		errorpage.Write(w, 404, "")
		return
	}
	s.serve(h, w, r)
}

// AdminHandler serves /metrics (Prometheus text format), /healthz and
// the Go profiler under /debug/pprof/. Bind it to a private address.
func (h *Host) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(h.m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
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

// ErrNoSites is returned when a configuration defines no site.
var ErrNoSites = errors.New("host: no sites configured")

var _ netloop.Handler = (*Host)(nil)
