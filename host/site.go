package host

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/host/internal/accounts"
	"github.com/wasmweb/wasmweb/host/internal/guard"
	"github.com/wasmweb/wasmweb/host/internal/guest"
	"github.com/wasmweb/wasmweb/host/internal/guestlog"
	"github.com/wasmweb/wasmweb/host/internal/hostfuncs"
	"github.com/wasmweb/wasmweb/host/internal/kv"
	"github.com/wasmweb/wasmweb/host/internal/longpoll"
	"github.com/wasmweb/wasmweb/host/internal/oauth"
	"github.com/wasmweb/wasmweb/host/internal/outbound"
	"github.com/wasmweb/wasmweb/host/internal/pubsub"
	"github.com/wasmweb/wasmweb/host/internal/quota"
	"github.com/wasmweb/wasmweb/host/internal/route"
	"github.com/wasmweb/wasmweb/host/internal/signed"
	"github.com/wasmweb/wasmweb/host/internal/static"
	"github.com/wasmweb/wasmweb/host/internal/vhost"
	"github.com/wasmweb/wasmweb/host/locale"
	"github.com/wasmweb/wasmweb/host/templates"
	"github.com/wasmweb/wasmweb/netloop"
)

// Site is one served site: its routes, the checks before its guests,
// its plugins and what their host functions use. Immutable once built;
// safe for concurrent use.
type Site struct {
	name    string
	log     *slog.Logger
	reqIDs  *atomic.Uint64 // the host's request ids
	limits  config.Limits
	guard   guard.Guard
	env     hostfuncs.Site // the broker, parking, signer, templates... of its calls
	static  *static.Dir    // nil when the site serves no static files
	rt      *guest.Runtime
	interp  atomic.Pointer[guest.Runtime] // made by the first interpreted swap (devswap.go)
	routes  []*route.Route
	spec    config.Site             // what the site was built from, defaults applied
	plugins map[string]*guest.Slot  // each plugin's current generation
	loads   map[string]guest.Config // how each plugin's generations are loaded
	noRoute route.Counter           // answers that no route gave: 400, 404, 405
	quota   *quota.Site             // its share of the server
	// counters and coldStarts are the quota's series and the cold
	// starts', for the admin API.
	counters   quota.Counters
	coldStarts prometheus.Observer
	// capHits counts the calls the site's caps ended or refused, by cap:
	// max_response_bytes and max_waiters.
	capHits map[string]prometheus.Counter

	// Live changes (reload.go): the requests that hold the site and its
	// retirement, whether its broker and parking are its own to close
	// (a replacement may take them over), and what to do once closed.
	refs       atomic.Int64
	ownsPubSub atomic.Bool
	onClosed   func()
	closeOnce  sync.Once
}

// Name returns the site's name.
func (s *Site) Name() string { return s.name }

// siteEnv is what a site is built with: the host's engine, log,
// metrics, request ids, pub/sub backend and table of sites.
type siteEnv struct {
	engine  *guest.Engine
	log     *slog.Logger
	m       *metrics
	reqIDs  *atomic.Uint64
	backend config.PubSub
	kv      *kv.Stores                 // the sites' key-value stores, by site name
	table   func() *vhost.Table[*Site] // the table serving now
	sched   *quota.Scheduler           // where every site's guest calls queue
	// resume answers a woken waiter of the site named site on the site
	// of that name serving now (reload.go).
	resume func(site string) func(w *netloop.Response, r *netloop.Request, wt *longpoll.Waiter)
	// key is the site's config key, "site[0]"; locate makes a config
	// error about a key of the file the site comes from.
	key    string
	locate func(key string, err error) *config.Error
}

// at returns e for the site at index i of a config whose Locate is
// locate (nil: errors name the key alone).
func (e siteEnv) at(i int, locate func(key string, err error) *config.Error) siteEnv {
	e.key = fmt.Sprintf("site[%d]", i)
	e.locate = locate
	if locate == nil {
		e.locate = func(key string, err error) *config.Error { return &config.Error{Key: key, Err: err} }
	}
	return e
}

// newSite loads spec, a site with its defaults applied. With prev, the
// site of the same name it is to replace, it shares prev's broker and
// parking when their settings are the same, so that topics and parked
// requests outlive the change; the one of the two that serves closes
// them (ownsPubSub).
func newSite(ctx context.Context, spec config.Site, e siteEnv, prev *Site) (*Site, error) {
	s := &Site{name: spec.Name, log: e.log, reqIDs: e.reqIDs, limits: spec.Limits, spec: spec,
		plugins: map[string]*guest.Slot{}, loads: map[string]guest.Config{},
		noRoute: newStatusCounters(e.m.requests, spec.Name, NoRoute)}
	s.counters, s.coldStarts = e.m.forQuota(spec.Name), e.m.coldStarts.WithLabelValues(spec.Name)
	s.capHits = map[string]prometheus.Counter{}
	for _, c := range capNames {
		s.capHits[c] = e.m.capHits.WithLabelValues(spec.Name, c)
	}
	s.quota = quota.NewSite(spec.Name, quotaLimits(spec.Limits), s.counters, e.sched)
	s.env = hostfuncs.Site{
		Debug: spec.Debug, XSRF: spec.XSRF, MaxResponseBytes: int64(spec.Limits.MaxResponseBytes),
		Guard: &s.guard, LocaleCookie: spec.Locale.Cookie, Published: e.m.published, WaitsRefused: s.capHits[capWaiters],
		OwnsCookieDomain: func(reqHost, domain string) bool { return e.table().OwnsCookieDomain(s, reqHost, domain) },
		KV:               hostfuncs.KV{Stores: e.kv, Site: spec.Name, Limits: kvLimits(spec.KV)},
	}
	ps := spec.PubSub
	lim := pubsub.Limits{Retain: ps.Retain, MaxTopics: ps.MaxTopics, MaxMessageBytes: int(ps.MaxMessageBytes)}
	run := s.resume
	if e.resume != nil {
		run = e.resume(spec.Name)
	}
	if prev != nil && prev.spec.PubSub == spec.PubSub {
		s.env.Broker, s.env.Parking = prev.env.Broker, prev.env.Parking
	} else if e.backend.Backend == "nats" {
		nc := pubsub.NATSConfig{URL: e.backend.URL, Stream: e.backend.Stream, Retain: e.backend.Retain}
		nc.Prefix = "wasmweb." + spec.Name + "."
		b, err := pubsub.NewNATS(nc, lim)
		if err != nil {
			return nil, fmt.Errorf("host: site %q: %w", spec.Name, err)
		}
		s.env.Broker = b
	} else {
		s.env.Broker = pubsub.NewMemory(lim)
	}
	if s.env.Parking == nil {
		s.ownsPubSub.Store(true)
		s.env.Parking = longpoll.New(longpoll.Config{
			Site: spec.Name, MaxWaiters: ps.MaxWaiters, MaxWait: time.Duration(ps.MaxWait),
			Workers: runtime.GOMAXPROCS(0), Broker: s.env.Broker, Log: e.log,
			Parked: e.m.parked, Resumed: e.m.resumed, Shared: e.m.shared,
			Run: run,
		})
	}
	if len(spec.Vars) > 0 {
		s.env.Vars = make(map[string]string, len(spec.Vars))
		for k, v := range spec.Vars {
			s.env.Vars[k] = v.Value()
		}
	}
	if o := spec.Outbound; prev != nil && reflect.DeepEqual(prev.spec.Outbound, o) {
		// The same allow list and caps: the connections and the count
		// of fetches in flight carry over.
		s.env.Outbound = prev.env.Outbound
	} else if len(o.Allow) > 0 {
		oc, err := outbound.New(outbound.Config{Allow: o.Allow, Timeout: time.Duration(o.Timeout),
			MaxResponseBytes: int64(o.MaxResponseBytes), MaxRequestBytes: int64(o.MaxRequestBytes), MaxConcurrent: o.MaxConcurrent, MaxRedirects: o.MaxRedirects})
		if err != nil {
			s.close(ctx)
			return nil, fmt.Errorf("host: site %q: %w", spec.Name, err)
		}
		s.env.Outbound = oc
	}
	s.env.Fetches = e.m.fetches.MustCurryWith(prometheus.Labels{"site": spec.Name})
	if spec.Static.Dir != "" {
		d, err := static.Open(spec.Static.Dir, static.Options{Prefix: spec.Static.Prefix})
		if err != nil {
			s.close(ctx)
			return nil, fmt.Errorf("host: site %q: static: %w", spec.Name, err)
		}
		s.static = d
	}
	var signer *signed.Signer
	if prev != nil && len(spec.Cookies.Secrets) == 0 && reflect.DeepEqual(prev.spec.Cookies, spec.Cookies) {
		// Its random key: the site's signed cookies outlive the change.
		signer = prev.env.Signer
	} else {
		var err error
		signer, err = signed.New(spec.Name, secretValues(spec.Cookies.Secrets), time.Duration(spec.Cookies.MaxAge), spec.Cookies.Encrypt)
		if err != nil {
			s.close(ctx)
			return nil, fmt.Errorf("host: site %q: %w", spec.Name, err)
		}
	}
	s.env.Signer = signer
	var tokens func() (kv.Store, error)
	if e.kv != nil {
		// The host's own store for the site: no kv_* function reaches it.
		tokens = func() (kv.Store, error) { return e.kv.OpenHost(spec.Name, oauth.TokenLimits) }
	}
	auth, err := oauth.New(oauth.Config{Site: spec.Name, Auth: spec.Auth, Secrets: secretValues(spec.Cookies.Secrets), User: signer, Log: e.log,
		Tokens: tokens})
	if err != nil {
		s.close(ctx)
		return nil, fmt.Errorf("host: site %q: %w", spec.Name, err)
	}
	s.env.Auth = auth
	s.guard = guard.Guard{XSRF: spec.XSRF, LoginURL: spec.LoginURL, Signer: signer}
	if len(spec.Accounts) > 0 {
		a, err := accounts.New(spec.Accounts)
		if err != nil {
			s.close(ctx)
			return nil, fmt.Errorf("host: site %q: %w", spec.Name, err)
		}
		s.env.Accounts = a
	}
	locales, err := locale.Open(spec.Locale.Dir, spec.Locale.Default, func(err error) {
		e.log.Error("host: translations changed but do not load; keeping the previous ones", "site", spec.Name, "err", err)
	})
	if err != nil {
		s.close(ctx)
		return nil, fmt.Errorf("host: site %q: %w", spec.Name, err)
	}
	s.env.Locales = locales
	if spec.Templates.Dir != "" {
		staticURL := func(p string) (string, error) {
			if s.static == nil {
				return "", fmt.Errorf("static_url: site %q serves no static files", spec.Name)
			}
			return s.static.URL(p)
		}
		t, err := templates.OpenLocalized(spec.Templates.Dir, templates.Funcs{"static_url": staticURL}, s.env.Locale)
		if err != nil {
			s.close(ctx)
			return nil, fmt.Errorf("host: site %q: %w", spec.Name, err)
		}
		s.env.Templates = t
	}
	rt, err := e.engine.NewRuntime(ctx, int64(s.limits.Memory), hostfuncs.Functions)
	if err != nil {
		s.close(ctx)
		return nil, err
	}
	s.rt = rt
	ids := map[string]int32{}
	for i, rs := range spec.Routes {
		pattern, err := route.Parse(rs.Path)
		if err != nil {
			s.close(ctx)
			return nil, fmt.Errorf("host: site %q route %d: %w", spec.Name, i, err)
		}
		if _, ok := spec.Plugins[rs.Plugin]; !ok {
			s.close(ctx)
			return nil, fmt.Errorf("host: site %q route %q: no plugin %q", spec.Name, rs.Path, rs.Plugin)
		}
		r := &route.Route{Pattern: pattern, Plugin: rs.Plugin, Handler: rs.Handler, Key: fmt.Sprintf("%s.route[%d]", e.key, i),
			ID: ids[rs.Plugin], Auth: rs.AuthRequired(), NoXSRF: rs.XSRFExempt(),
			Answers: &statusCounters{vec: e.m.requests, site: spec.Name, route: rs.Path, byCode: map[int]counter{}}}
		ids[rs.Plugin]++
		if len(rs.Methods) > 0 {
			r.Methods = map[string]bool{}
			for _, m := range rs.Methods {
				r.Methods[strings.ToUpper(m)] = true
			}
			if r.Methods["GET"] {
				r.Methods["HEAD"] = true
			}
			names := make([]string, 0, len(r.Methods))
			for m := range r.Methods {
				names = append(names, m)
			}
			sort.Strings(names)
			r.Allow = strings.Join(names, ", ")
		}
		s.routes = append(s.routes, r)
	}
	// A plugin that serves several routes gives each a gate, by route
	// number, so that none takes the plugin's whole pool.
	timeout := max(0, time.Duration(s.limits.CallTimeout))
	gates := map[string][]*guest.Gate{}
	for _, r := range s.routes {
		if ids[r.Plugin] > 1 {
			gates[r.Plugin] = append(gates[r.Plugin], guest.NewGate(s.limits.RouteInstances, timeout, e.m.refusals.WithLabelValues(spec.Name, r.Pattern.String())))
		}
	}
	names := make([]string, 0, len(spec.Plugins))
	for name := range spec.Plugins {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := spec.Plugins[name]
		wasm, err := e.engine.ReadWasm(path)
		if err != nil {
			s.close(ctx)
			return nil, fmt.Errorf("host: site %q plugin %q: %w", spec.Name, name, err)
		}
		l := s.limits
		cfg := guest.Config{
			Site: spec.Name, Name: name, Path: path,
			Instances: l.Instances, WarmInstances: l.WarmInstances, CallTimeout: timeout,
			MinInstances: l.MinInstances, IdleTimeout: time.Duration(l.InstanceIdleTimeout),
			Isolation: isolation(l.Isolation), NoSnapshots: l.Snapshot == "off",
			Logs:     guestlog.Limits{PerCall: int64(l.LogBytesPerCall), PerSecond: int64(l.LogBytesPerSecond)},
			Log:      e.log,
			Metrics:  e.m.forPlugin(spec.Name, name),
			NewState: hostfuncs.NewState,
			Gates:    gates[name],

			SiteInstances: s.quota.Instances(),
		}
		if c := s.quota.Compute(); c != nil {
			cfg.Compute = c // not a nil *quota.Compute in the interface
		}
		g, err := guest.Load(ctx, rt, wasm, cfg)
		if err != nil {
			s.close(ctx)
			return nil, err
		}
		var gen uint64
		if prev != nil && prev.plugins[name] != nil {
			gen = prev.plugins[name].Current().Info().Generation
		}
		s.plugins[name] = guest.NewSlotAfter(g, gen)
		s.loads[name] = cfg
	}
	for _, r := range s.routes {
		if err := lacksHandler(r, s.plugins[r.Plugin].Current()); err != nil {
			s.close(ctx)
			return nil, e.locate(r.Key+".handler", err)
		}
	}
	if len(spec.Cookies.Secrets) == 0 && s.signs(spec) {
		e.log.Warn("host: site has no cookie secrets; signed cookies will not survive a restart", "site", spec.Name)
	}
	return s, nil
}

// quotaLimits are the quotas of a site's [site.limits].
func quotaLimits(l config.Limits) quota.Limits {
	return quota.Limits{CPU: time.Duration(l.CPU), Concurrency: l.Concurrency, Rate: l.Rate, Burst: l.Burst, Instances: l.SiteInstances}
}

// isolation returns the guest package's name for a site's isolation key.
func isolation(key string) guest.Isolation {
	if key == config.IsolationRequest {
		return guest.IsolateRequest
	}
	return guest.IsolateInstance
}

// missingHandler returns the first route of the site that names a
// handler p, a generation of plugin, does not register, and the error
// that says so; nil when there is none, or when p does not say its
// handlers (abi/ABI.md section 4).
func (s *Site) missingHandler(plugin string, p *guest.Plugin) (*route.Route, error) {
	for _, r := range s.routes {
		if r.Plugin == plugin {
			if err := lacksHandler(r, p); err != nil {
				return r, err
			}
		}
	}
	return nil, nil
}

// lacksHandler says so when r names a handler p, a generation of r's
// plugin, does not register; nil when p has it or does not say.
func lacksHandler(r *route.Route, p *guest.Plugin) error {
	names, ok := p.Handlers()
	if !ok || slices.Contains(names, r.Handler) {
		return nil
	}
	return fmt.Errorf("plugin %q registers no handler %q; it has %s", r.Plugin, r.Handler, quoteNames(names))
}

// quoteNames lists handler names for an error: quoted, at most
// shownNames of them.
func quoteNames(names []string) string {
	if len(names) == 0 {
		return "none (a Go plugin registers them with sdk.Handle in an init function)"
	}
	var b strings.Builder
	for i, n := range slices.Sorted(slices.Values(names)) {
		if i == shownNames {
			fmt.Fprintf(&b, " and %d more", len(names)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(n))
	}
	return b.String()
}

// shownNames caps the handler names a config error lists.
const shownNames = 50

// signs reports whether the site may sign a value with its cookie
// secrets: it checks signed-in users (accounts, login_url, auth =
// "required" routes), or a plugin imports a function that signs or
// verifies. XSRF tokens are not signed.
func (s *Site) signs(spec config.Site) bool {
	if len(spec.Accounts) > 0 || spec.LoginURL != "" || len(spec.Auth.Providers) > 0 {
		return true
	}
	for _, r := range spec.Routes {
		if r.AuthRequired() {
			return true
		}
	}
	for _, p := range s.plugins {
		if p.Current().Imports(signingFuncs...) {
			return true
		}
	}
	return false
}

// signingFuncs are the host functions that sign or verify with the
// site's cookie secrets.
var signingFuncs = []string{abi.FuncSignedGet, abi.FuncSignedSet, abi.FuncUserGet, abi.FuncUserSet, abi.FuncUserLogin}

// close closes the site once; its broker and parking only if it owns
// them.
func (s *Site) close(ctx context.Context) {
	s.closeOnce.Do(func() { s.closeNow(ctx) })
}

func (s *Site) closeNow(ctx context.Context) {
	if s.static != nil {
		s.static.Close()
	}
	if s.env.Outbound != nil {
		s.env.Outbound.Close() // idle connections only: a successor sharing it goes on
	}
	if s.ownsPubSub.Load() {
		if s.env.Parking != nil {
			s.env.Parking.Drain()
			s.env.Parking.Close()
		}
		if s.env.Broker != nil {
			s.env.Broker.Close()
		}
	}
	idle := true
	for _, p := range s.plugins {
		if !p.Close(ctx) {
			idle = false
		}
	}
	if s.rt != nil && idle {
		s.rt.Close(ctx)
	}
	if rt := s.interp.Load(); rt != nil && idle {
		rt.Close(ctx)
	}
}

// secretValues returns the values of secrets, for the packages that take
// plain strings.
func secretValues(secrets []config.Secret) []string {
	out := make([]string, len(secrets))
	for i, s := range secrets {
		out[i] = s.Value()
	}
	return out
}
