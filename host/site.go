package host

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"time"
	"unsafe"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/host/internal/accounts"
	"github.com/wasmweb/wasmweb/host/internal/compress"
	"github.com/wasmweb/wasmweb/host/internal/errorpage"
	"github.com/wasmweb/wasmweb/host/internal/guard"
	"github.com/wasmweb/wasmweb/host/internal/guest"
	"github.com/wasmweb/wasmweb/host/internal/guestlog"
	"github.com/wasmweb/wasmweb/host/internal/longpoll"
	"github.com/wasmweb/wasmweb/host/internal/pubsub"
	"github.com/wasmweb/wasmweb/host/internal/route"
	"github.com/wasmweb/wasmweb/host/internal/signed"
	"github.com/wasmweb/wasmweb/host/internal/static"
	"github.com/wasmweb/wasmweb/host/locale"
	"github.com/wasmweb/wasmweb/host/templates"
	"github.com/wasmweb/wasmweb/netloop"
)

// Site is one served site: its runtime, plugins and routes. Immutable
// once built; safe for concurrent use.
type Site struct {
	h         *Host
	guard     guard.Guard
	xsrf      bool
	name      string
	debug     bool
	limits    config.Limits
	pubsub    config.SitePubSub
	broker    pubsub.Broker
	parking   *longpoll.Parking
	static    *static.Dir    // nil when the site serves no static files
	templates *templates.Set // nil when the site has no templates
	signer    *signed.Signer
	accounts  *accounts.Accounts // nil when the site has no accounts
	rt        *guest.Runtime
	routes    []*route.Route
	plugins   map[string]*guest.Plugin

	// locales are the site's languages; never nil: a site without
	// translations speaks its default. localeCookie holds the user's
	// choice.
	locales      *locale.Dir
	localeCookie string
}

// Name returns the site's name.
func (s *Site) Name() string { return s.name }

// buildSite loads spec, a site with its defaults applied.
func (h *Host) buildSite(ctx context.Context, spec config.Site, backend config.PubSub) (*Site, error) {
	s := &Site{h: h, xsrf: spec.XSRF, name: spec.Name, debug: spec.Debug, limits: spec.Limits,
		pubsub: spec.PubSub, plugins: map[string]*guest.Plugin{}}
	lim := pubsub.Limits{Retain: s.pubsub.Retain, MaxTopics: s.pubsub.MaxTopics, MaxMessageBytes: int(s.pubsub.MaxMessageBytes)}
	if backend.Backend == "nats" {
		nc := pubsub.NATSConfig{URL: backend.URL, Stream: backend.Stream, Retain: backend.Retain}
		nc.Prefix = "wasmweb." + spec.Name + "."
		b, err := pubsub.NewNATS(nc, lim)
		if err != nil {
			return nil, fmt.Errorf("host: site %q: %w", spec.Name, err)
		}
		s.broker = b
	} else {
		s.broker = pubsub.NewMemory(lim)
	}
	s.parking = longpoll.New(longpoll.Config{
		Site: spec.Name, MaxWaiters: s.pubsub.MaxWaiters, MaxWait: time.Duration(s.pubsub.MaxWait),
		Workers: runtime.GOMAXPROCS(0), Broker: s.broker, Log: h.log,
		Parked: h.m.parked, Resumed: h.m.resumed, Shared: h.m.shared,
		Run: func(w *netloop.Response, r *netloop.Request, rt *route.Route, params []route.Param, timedOut bool) {
			s.runGuest(h, w, r, rt, params, true, timedOut)
		},
	})
	if spec.Static.Dir != "" {
		d, err := static.Open(spec.Static.Dir, static.Options{Prefix: spec.Static.Prefix})
		if err != nil {
			return nil, fmt.Errorf("host: site %q: static: %w", spec.Name, err)
		}
		s.static = d
	}
	signer, err := signed.New(spec.Name, spec.Cookies.Secrets, time.Duration(spec.Cookies.MaxAge), spec.Cookies.Encrypt)
	if err != nil {
		return nil, fmt.Errorf("host: site %q: %w", spec.Name, err)
	}
	if len(spec.Cookies.Secrets) == 0 {
		h.log.Warn("host: site has no cookie secrets; signed cookies will not survive a restart", "site", spec.Name)
	}
	s.signer = signer
	s.guard = guard.Guard{XSRF: spec.XSRF, LoginURL: spec.LoginURL, Signer: signer}
	if len(spec.Accounts) > 0 {
		a, err := accounts.New(spec.Accounts)
		if err != nil {
			s.close(ctx)
			return nil, fmt.Errorf("host: site %q: %w", spec.Name, err)
		}
		s.accounts = a
	}
	locales, err := locale.Open(spec.Locale.Dir, spec.Locale.Default, func(err error) {
		h.log.Error("host: translations changed but do not load; keeping the previous ones", "site", spec.Name, "err", err)
	})
	if err != nil {
		s.close(ctx)
		return nil, fmt.Errorf("host: site %q: %w", spec.Name, err)
	}
	s.locales, s.localeCookie = locales, spec.Locale.Cookie
	if spec.Templates.Dir != "" {
		staticURL := func(p string) (string, error) {
			if s.static == nil {
				return "", fmt.Errorf("static_url: site %q serves no static files", spec.Name)
			}
			return s.static.URL(p)
		}
		t, err := templates.OpenLocalized(spec.Templates.Dir, templates.Funcs{"static_url": staticURL}, s.localeFor)
		if err != nil {
			if s.static != nil {
				s.static.Close()
			}
			return nil, fmt.Errorf("host: site %q: %w", spec.Name, err)
		}
		s.templates = t
	}
	rt, err := h.engine.e.NewRuntime(ctx, int64(s.limits.Memory), hostFunctions)
	if err != nil {
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
		r := &route.Route{Pattern: pattern, Plugin: rs.Plugin, Handler: rs.Handler, ID: ids[rs.Plugin], Auth: rs.AuthRequired(), NoXSRF: rs.XSRFExempt(),
			Answers: &statusCounters{vec: h.m.requests, site: spec.Name, route: rs.Path, byCode: map[int]counter{}}}
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
			gates[r.Plugin] = append(gates[r.Plugin], guest.NewGate(s.limits.RouteInstances, timeout, h.m.refusals.WithLabelValues(spec.Name, r.Pattern.String())))
		}
	}
	names := make([]string, 0, len(spec.Plugins))
	for name := range spec.Plugins {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := spec.Plugins[name]
		wasm, err := guest.ReadWasm(path)
		if err != nil {
			s.close(ctx)
			return nil, fmt.Errorf("host: site %q plugin %q: %w", spec.Name, name, err)
		}
		l := s.limits
		g, err := guest.Load(ctx, rt, wasm, guest.Config{
			Site: spec.Name, Name: name, Path: path,
			Instances: l.Instances, WarmInstances: l.WarmInstances, CallTimeout: timeout,
			Logs:     guestlog.Limits{PerCall: int64(l.LogBytesPerCall), PerSecond: int64(l.LogBytesPerSecond)},
			Log:      h.log,
			Metrics:  h.m.forPlugin(spec.Name, name),
			NewState: func() guest.State { return new(call) },
			Gates:    gates[name],
		})
		if err != nil {
			s.close(ctx)
			return nil, err
		}
		s.plugins[name] = g
	}
	return s, nil
}

func (s *Site) close(ctx context.Context) {
	if s.static != nil {
		s.static.Close()
	}
	if s.parking != nil {
		s.parking.Drain()
		s.parking.Close()
	}
	if s.broker != nil {
		s.broker.Close()
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
}

// serve routes a request within the site.
func (s *Site) serve(h *Host, w *netloop.Response, r *netloop.Request) {
	if s.static != nil && s.static.ServeHTTP(w, r) {
		return
	}
	path := unsafeString(r.Path)
	method := unsafeString(r.Method)
	var params [4]route.Param
	allow := ""
	for _, rt := range s.routes {
		ps, ok, bad := rt.Pattern.Match(path, params[:0])
		if bad {
			errorpage.Write(w, 400, "")
			return
		}
		if !ok {
			continue
		}
		if rt.Methods != nil && !rt.Methods[method] {
			if allow == "" {
				allow = rt.Allow
			}
			continue
		}
		if !s.guard.Admit(w, r, rt) {
			rt.Answers.Count(w.Status())
			return
		}
		for i := range ps {
			ps[i].Value = strings.Clone(ps[i].Value) // may alias the input buffer
		}
		s.dispatch(h, w, r, rt, ps)
		rt.Answers.Count(w.Status())
		return
	}
	if allow != "" {
		errorpage.Write(w, 405, "")
		w.SetHeader("Allow", allow)
		return
	}
	errorpage.Write(w, 404, "")
}

// dispatch runs the route's plugin on a new request.
func (s *Site) dispatch(h *Host, w *netloop.Response, r *netloop.Request, rt *route.Route, params []route.Param) {
	if int64(len(r.Body)) > int64(s.limits.MaxBodyBytes) {
		errorpage.Write(w, 413, "")
		return
	}
	s.runGuest(h, w, r, rt, params, false, false)
}

func (s *Site) runGuest(h *Host, w *netloop.Response, r *netloop.Request, rt *route.Route, params []route.Param, resumed, timedOut bool) {
	p := s.plugins[rt.Plugin]
	gate := p.Gate(rt.ID)
	if !gate.Enter(p.Done()) {
		// The route holds its share of the plugin's instances, or is
		// penalised: the plugin's other routes keep theirs.
		errorpage.Unavailable(w, "1")
		return
	}
	in, err := p.Get()
	if err != nil {
		gate.Leave()
		h.log.Error("host: no instance for request", "site", s.name, "plugin", rt.Plugin, "err", err)
		errorpage.Unavailable(w, "1")
		return
	}
	c := in.State().(*call)
	c.begin(s, r, w, rt, params, h.reqID.Add(1), resumed, timedOut)
	result, err := in.Handle(rt.ID)
	broken := false
	switch {
	case err != nil:
		broken = true
		status := 500
		switch {
		case errors.Is(err, guest.ErrUnloading):
			// Stopped because the plugin is being unloaded, not for
			// running long: no kill counted, no penalty.
			status = 503
			h.log.Warn("host: guest call stopped: the plugin is being unloaded", "site", s.name, "plugin", rt.Plugin,
				"request", c.RequestID())
		case errors.Is(err, guest.ErrDeadline):
			status = 503
			h.log.Error("host: guest call passed its deadline; instance discarded", "site", s.name, "plugin", rt.Plugin,
				"request", c.RequestID(), "timeout", p.Timeout())
			if gate.Killed(time.Now()) {
				h.log.Warn("host: route penalised for a call stopped at its deadline: one call at a time, others get 503",
					"site", s.name, "plugin", rt.Plugin, "route", rt.Pattern.String(), "for", gate.Penalty())
			}
		default:
			kind := "trap"
			if guest.IsTrap(err) {
				kind = "misuse of the ABI"
			}
			h.log.Error("host: guest "+kind+"; instance discarded", "site", s.name, "plugin", rt.Plugin,
				"request", c.RequestID(), "err", err)
		}
		c.unpark()
		s.failResponse(w, status)
	case c.failed:
		p.Failed()
		h.log.Error("host: guest response rejected", "site", s.name, "plugin", rt.Plugin, "request", c.RequestID(), "reason", c.reason)
		c.unpark()
		s.failResponse(w, 500)
	case result == abi.StatusWait && c.waiter != nil:
		// Parked: the waiter is filed; the connection keeps the request.
		s.parking.File(c.waiter)
	case result == abi.StatusWait:
		p.Failed()
		h.log.Error("host: guest returned STATUS_WAIT without a parked wait", "site", s.name, "plugin", rt.Plugin, "request", c.RequestID())
		s.failResponse(w, 500)
	case result != abi.StatusDone:
		broken = true // a guest that failed may have left its memory in any state
		p.Failed()
		h.log.Error("host: guest handler failed", "site", s.name, "plugin", rt.Plugin, "request", c.RequestID(),
			"result", int32(result))
		c.unpark()
		s.failResponse(w, 500)
	default:
		c.unpark() // answered without waiting
		compress.Gzip(w, r)
		if c.share {
			s.parking.Keep(rt, c.params, c.waitKey, c.waitCur, c.msgs, w, r)
		}
	}
	c.end()
	p.Put(in, broken)
	gate.Leave()
}

// failResponse replaces what the guest wrote with an error page, or
// closes the connection when the head has already gone out.
func (s *Site) failResponse(w *netloop.Response, status int) {
	if w.Sent() {
		w.Abort()
		return
	}
	errorpage.Write(w, status, "")
	if status == 503 {
		w.SetHeader("Retry-After", "1")
	}
}

// unsafeString views b as a string for the duration of a request; it
// must not be kept.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
