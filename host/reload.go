package host

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"sort"
	"time"

	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/host/internal/errorpage"
	"github.com/wasmweb/wasmweb/host/internal/guest"
	"github.com/wasmweb/wasmweb/host/internal/longpoll"
	"github.com/wasmweb/wasmweb/host/internal/route"
	"github.com/wasmweb/wasmweb/host/internal/vhost"
	"github.com/wasmweb/wasmweb/netloop"
)

// Sites change live the way plugins do (swap.go), one level up. A
// change builds each new or changed site completely beside the ones
// serving (plugins compiled, checked and warm, templates, translations
// and static files open), builds the new table of sites by host name
// from them and the untouched sites, and only then publishes it with one
// atomic store: the request path loads the table without a lock. A site
// that the change replaced or removed is retired: it takes no new
// requests, the requests holding it finish on it, and it closes once
// the last has returned, like a generation (the refs word below). When
// anything fails before the store, what was built is closed and the
// sites serving stay as they were.
//
// Parked long polls hold no site. A replacing site whose [site.pubsub]
// is unchanged takes over its predecessor's broker and parking, so its
// topics, retained messages and parked requests carry on; a parked
// request is resumed by the site of its name serving then, on the route
// of the same plugin and handler, after that site's checks
// (Site.resume), or answered 503 with Retry-After when there is none. A
// site removed, or replaced with other pub/sub settings, answers its
// parked requests 503 with Retry-After.
//
// Plugins are compiled again when their site is rebuilt (the engine's
// compilation cache makes unchanged bytes cheap); a reload that changes
// nothing of a site but a plugin's bytes swaps that plugin's generation
// instead of rebuilding the site.

// siteTable is the sites serving and the table of them by host name.
// Immutable once stored in Host.sites; safe for concurrent use.
type siteTable struct {
	sites  []*Site // in the config's order
	byHost vhost.Table[*Site]
	byName map[string]*Site
}

// newSiteTable lists sites by their hosts; it fails when two claim the
// same host.
func newSiteTable(sites []*Site) (*siteTable, error) {
	t := &siteTable{sites: sites, byName: make(map[string]*Site, len(sites))}
	for _, s := range sites {
		t.byName[s.name] = s
		for _, name := range s.spec.Hosts {
			if err := t.byHost.Add(name, s, (*Site).Name); err != nil {
				return nil, err
			}
		}
	}
	t.byHost.Sort()
	return t, nil
}

// site returns the site named name, or nil.
func (t *siteTable) site(name string) *Site { return t.byName[name] }

// siteRetired marks a site that a change took out of the table; the low
// bits of Site.refs count the requests holding it:
//
//	event     refs before        refs after        then
//	hold      n, not retired     n+1               the request runs on the site
//	hold      retired            unchanged         load the table again
//	release   n+1                n                 close if retired and n = 0
//	retire    n                  n | retired       close if n = 0
const siteRetired = int64(1) << 62

// acquire returns the site that answers host, held until its release,
// or nil.
func (h *Host) acquire(host []byte) *Site {
	for {
		s := h.sites.Load().byHost.Lookup(host)
		if s == nil || s.hold() {
			return s
		}
	}
}

// acquireNamed returns the serving site named name, held, or nil.
func (h *Host) acquireNamed(name string) *Site {
	for {
		s := h.sites.Load().site(name)
		if s == nil || s.hold() {
			return s
		}
	}
}

// serveHeld serves r, which the server began serving at now, on s,
// which acquire returned, and releases it, even if serving panics.
func (s *Site) serveHeld(w *netloop.Response, r *netloop.Request, now time.Time) {
	defer s.release()
	s.serve(w, r, now)
}

func (s *Site) hold() bool {
	for {
		v := s.refs.Load()
		if v&siteRetired != 0 {
			return false // retired since the table was loaded: the next table lacks it
		}
		if s.refs.CompareAndSwap(v, v+1) {
			return true
		}
	}
}

func (s *Site) release() {
	if s.refs.Add(-1) == siteRetired {
		s.drained()
	}
}

// retire marks s, already out of the table, for closing once the
// requests holding it have returned; then closed runs.
func (s *Site) retire(closed func()) {
	s.onClosed = closed
	if s.refs.Add(siteRetired) == siteRetired {
		s.drained()
	}
}

func (s *Site) drained() {
	go func() {
		s.close(context.Background())
		s.onClosed()
	}()
}

// resumer returns the Run of site's parking: a woken waiter is answered
// by the site of that name serving now (Site.resume), which may be a
// newer one than the site it parked under.
func (h *Host) resumer(site string) func(w *netloop.Response, r *netloop.Request, wt *longpoll.Waiter) {
	return func(w *netloop.Response, r *netloop.Request, wt *longpoll.Waiter) {
		s := h.acquireNamed(site)
		if s == nil {
			errorpage.Unavailable(w, "5")
			return
		}
		defer s.release()
		s.resume(w, r, wt)
	}
}

// sameRoute returns s's route that answers for rt, a route of s or of a
// site s replaced: rt itself, else the route of the same plugin and
// handler (of the same pattern if there are several), else nil.
func (s *Site) sameRoute(rt *route.Route) *route.Route {
	var found *route.Route
	for _, r := range s.routes {
		if r == rt {
			return r
		}
		if r.Plugin == rt.Plugin && r.Handler == rt.Handler {
			if r.Pattern.String() == rt.Pattern.String() {
				return r
			}
			if found == nil {
				found = r
			}
		}
	}
	return found
}

// Change actions, as Change.Action names them.
const (
	ActionAdded    = "added"    // a site the host did not serve
	ActionReplaced = "replaced" // a site rebuilt from a changed spec
	ActionRemoved  = "removed"  // a site no longer served
	ActionSwapped  = "swapped"  // a plugin whose bytes changed, in a site otherwise unchanged
)

// Change is one change a reload, ReplaceSite or RemoveSite made.
type Change struct {
	Site   string `json:"site"`
	Action string `json:"action"`
	// Plugin and Generation name the new generation of a swap.
	Plugin     string `json:"plugin,omitempty"`
	Generation uint64 `json:"generation,omitempty"`
}

// Reload is what a change of sites did.
type Reload struct {
	// Changes lists what changed, site by site; empty when nothing did.
	Changes []Change `json:"changes"`
	// Unchanged counts the sites left as they were.
	Unchanged int `json:"unchanged"`
	// Restart names settings that differ from the ones serving but take
	// effect only at the next start ([server], [pubsub]).
	Restart []string `json:"restart,omitempty"`
	// Took is how long the change took, building and checking included.
	Took time.Duration `json:"-"`
}

// ReloadError is why a change of sites was refused: the sites serving
// stay as they were.
type ReloadError struct {
	Site, Plugin string // "" when not about one
	// Cause is "config" (a *config.Error in Err names file, line and
	// key), "build", "hosts", "site", "not_found", CauseHandlers, or the
	// stage at which a plugin failed (CauseCompile...).
	Cause string
	Err   error
}

func (e *ReloadError) Error() string {
	if e.Plugin != "" {
		return fmt.Sprintf("host: site %q plugin %q: %s: %v", e.Site, e.Plugin, e.Cause, e.Err)
	}
	return fmt.Sprintf("host: %s: %v", e.Cause, e.Err)
}

func (e *ReloadError) Unwrap() error { return e.Err }

// Reload makes the sites served those of cfg: sites it adds are built,
// sites whose spec changed are rebuilt, sites it lacks are removed, and
// in sites otherwise unchanged each plugin whose file's bytes differ
// from the generation serving gets a new generation. Everything is
// built and checked first; then the whole change takes effect at once,
// or, on any error (a *ReloadError), not at all. cfg's [server] and
// [pubsub] are not applied (ReloadFile says when they changed).
// Plugin paths must name .wasm files (config.Config.BuildPlugins). Safe
// for concurrent use; changes are serialized.
func (h *Host) Reload(ctx context.Context, cfg config.Config) (Reload, error) {
	specs := make([]config.Site, len(cfg.Sites))
	for i, s := range cfg.Sites {
		specs[i] = s.WithDefaults()
	}
	return h.change(ctx, specs, true, "", "", cfg.Locate)
}

// ReplaceSite adds spec as a site, or replaces the site of its name, as
// Reload does for one site: the other sites are not touched. Plugin
// paths must name .wasm files.
func (h *Host) ReplaceSite(ctx context.Context, spec config.Site) (Reload, error) {
	return h.change(ctx, []config.Site{spec.WithDefaults()}, false, "", "", nil)
}

// RemoveSite stops routing to the site named name: requests in progress
// finish, its parked requests are answered 503 with Retry-After, and it
// is closed once drained. The other sites are not touched.
func (h *Host) RemoveSite(ctx context.Context, name string) (Reload, error) {
	return h.change(ctx, nil, false, name, "", nil)
}

// RebuildSite builds the site named name again from its own spec, as if
// it had changed: its templates, translations and static files are read
// again from disk and its plugins' files loaded again, then it replaces
// the site serving, as ReplaceSite does. wasmweb dev calls it when a
// site's files change.
func (h *Host) RebuildSite(ctx context.Context, name string) (Reload, error) {
	return h.change(ctx, nil, false, "", name, nil)
}

// built is a site built for a change: its new site and the one it
// replaces (nil when added).
type built struct{ site, prev *Site }

// swapped is a plugin generation loaded for a change.
type swapped struct {
	site   *Site
	plugin string
	next   *guest.Plugin
}

// change applies specs (each with defaults): with whole, the sites
// served become exactly specs; without, specs are added or replace the
// sites of their names, and remove, if not "", names a site to remove.
// rebuild, if not "", names a site built again from its own spec
// (specs is nil then). locate places errors about specs' keys in the
// file they came from.
func (h *Host) change(ctx context.Context, specs []config.Site, whole bool, remove, rebuild string,
	locate func(key string, err error) *config.Error) (res Reload, err error) {
	start := time.Now()
	h.changes.mu.Lock()
	defer h.changes.mu.Unlock()
	if h.closed() {
		return Reload{}, ErrClosed
	}
	cur := h.sites.Load()
	var (
		builds []built
		swaps  []swapped
	)
	defer func() {
		if err == nil {
			return
		}
		for _, b := range builds {
			b.site.close(ctx)
		}
		for _, sw := range swaps {
			sw.next.Close(ctx)
		}
		var re *ReloadError
		if errors.As(err, &re) {
			h.changes.m.siteFailed(re.Cause)
		}
		h.log.Error("host: sites not changed; the old ones keep serving", "err", err)
	}()
	if remove != "" && cur.site(remove) == nil {
		return Reload{}, &ReloadError{Site: remove, Cause: "not_found", Err: fmt.Errorf("no site %q: %w", remove, ErrNoSite)}
	}
	if rebuild != "" {
		s := cur.site(rebuild)
		if s == nil {
			return Reload{}, &ReloadError{Site: rebuild, Cause: "not_found", Err: fmt.Errorf("no site %q: %w", rebuild, ErrNoSite)}
		}
		specs = []config.Site{s.spec}
	}

	// Build what is new or changed, beside what serves.
	next := map[string]*Site{}
	for i, spec := range specs {
		if _, dup := next[spec.Name]; dup {
			return Reload{}, &ReloadError{Site: spec.Name, Cause: "config", Err: fmt.Errorf("two sites named %q", spec.Name)}
		}
		prev := cur.site(spec.Name)
		if prev != nil && spec.Name != rebuild && reflect.DeepEqual(prev.spec, spec) {
			sw, err := h.loadChanged(ctx, prev)
			if err != nil {
				return Reload{}, err
			}
			swaps = append(swaps, sw...)
			next[spec.Name] = prev
			continue
		}
		s, err := newSite(ctx, spec, h.env.at(i, locate), prev)
		if err != nil {
			return Reload{}, reloadError(spec.Name, err)
		}
		builds = append(builds, built{s, prev})
		next[spec.Name] = s
	}
	var list []*Site
	if whole {
		for _, spec := range specs {
			list = append(list, next[spec.Name])
		}
	} else {
		for _, s := range cur.sites {
			if n, ok := next[s.name]; ok {
				list = append(list, n)
				delete(next, s.name)
			} else if s.name != remove {
				list = append(list, s)
			}
		}
		for _, spec := range specs { // added, in the order given
			if n, ok := next[spec.Name]; ok {
				list = append(list, n)
			}
		}
	}
	t, err := newSiteTable(list)
	if err != nil {
		return Reload{}, &ReloadError{Cause: "hosts", Err: err}
	}
	kept := map[*Site]bool{}
	for _, s := range list {
		kept[s] = true
	}

	// Put it all in service at once.
	h.closeMu.Lock()
	if h.isClosed {
		h.closeMu.Unlock()
		return Reload{}, ErrClosed
	}
	for _, b := range builds {
		for _, slot := range b.site.plugins {
			h.watchdog.Add(slot.Current())
		}
		if b.prev != nil && b.site.env.Parking == b.prev.env.Parking {
			b.site.ownsPubSub.Store(true)
			b.prev.ownsPubSub.Store(false)
		}
	}
	h.sites.Store(t)
	for _, sw := range swaps {
		h.watchdog.Add(sw.next)
		sw.site.plugins[sw.plugin].Swap(sw.next)
	}
	var gone []*Site
	for _, s := range cur.sites {
		if !kept[s] {
			gone = append(gone, s)
			h.retiring[s] = struct{}{}
		}
	}
	h.closeMu.Unlock()

	// Retire what left the table; report.
	for _, s := range gone {
		if s.ownsPubSub.Load() {
			s.env.Parking.Drain() // its parked requests have no site to go on with
		}
		s.retire(func() {
			h.closeMu.Lock()
			delete(h.retiring, s)
			h.closeMu.Unlock()
		})
	}
	for _, b := range builds {
		a := ActionAdded
		if b.prev != nil {
			a = ActionReplaced
		}
		res.Changes = append(res.Changes, Change{Site: b.site.name, Action: a})
	}
	for _, s := range gone {
		if t.site(s.name) == nil {
			res.Changes = append(res.Changes, Change{Site: s.name, Action: ActionRemoved})
		}
	}
	for _, sw := range swaps {
		res.Changes = append(res.Changes, Change{Site: sw.site.name, Action: ActionSwapped, Plugin: sw.plugin, Generation: sw.next.Info().Generation})
		h.changes.m.swapped(sw.site.name, sw.plugin, time.Since(start))
	}
	res.Unchanged = len(list) - len(builds) - countSites(swaps)
	res.Took = time.Since(start)
	for _, c := range res.Changes {
		h.changes.m.siteChanged(c.Action)
		if c.Plugin != "" {
			h.log.Info("host: plugin swapped", "site", c.Site, "plugin", c.Plugin, "generation", c.Generation)
		} else {
			h.log.Info("host: site "+c.Action, "site", c.Site)
		}
	}
	h.log.Info("host: sites changed", "changes", len(res.Changes), "unchanged", res.Unchanged, "took", res.Took.Round(time.Millisecond))
	return res, nil
}

// countSites counts the sites that swaps touch.
func countSites(swaps []swapped) int {
	seen := map[*Site]bool{}
	for _, sw := range swaps {
		seen[sw.site] = true
	}
	return len(seen)
}

// loadChanged loads a new generation of each of s's plugins whose file's
// bytes are not those serving; it does not swap them.
func (h *Host) loadChanged(ctx context.Context, s *Site) ([]swapped, error) {
	names := make([]string, 0, len(s.plugins))
	for name := range s.plugins {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []swapped
	fail := func(err error) ([]swapped, error) {
		for _, sw := range out {
			sw.next.Close(ctx)
		}
		return nil, err
	}
	for _, name := range names {
		path := s.spec.Plugins[name]
		wasm, err := guest.ReadWasm(path)
		if err != nil {
			return fail(&ReloadError{Site: s.name, Plugin: name, Cause: "site", Err: err})
		}
		sum := sha256.Sum256(wasm)
		if hex.EncodeToString(sum[:]) == s.plugins[name].Current().Info().SHA256 {
			continue
		}
		cfg := s.loads[name]
		cfg.Path = path
		p, err := guest.Load(ctx, s.rt, wasm, cfg)
		if err != nil {
			h.changes.m.failed(s.name, name, causeOf(err))
			return fail(reloadError(s.name, err))
		}
		out = append(out, swapped{s, name, p})
		if r, err := s.missingHandler(name, p); err != nil {
			h.changes.m.failed(s.name, name, CauseHandlers)
			return fail(&ReloadError{Site: s.name, Plugin: name, Cause: CauseHandlers, Err: fmt.Errorf("%s.handler: %w", r.Key, err)})
		}
	}
	return out, nil
}

// reloadError names why building site failed: a plugin's stage, a key
// of the config, or the site's own setting.
func reloadError(site string, err error) error {
	var le *guest.LoadError
	if errors.As(err, &le) {
		return &ReloadError{Site: site, Plugin: le.Name, Cause: le.Stage, Err: le.Err}
	}
	var ce *config.Error
	if errors.As(err, &ce) {
		return &ReloadError{Site: site, Cause: "config", Err: err}
	}
	return &ReloadError{Site: site, Cause: "site", Err: err}
}

// causeOf returns a plugin load error's stage, or "compile".
func causeOf(err error) string {
	var le *guest.LoadError
	if errors.As(err, &le) {
		return le.Stage
	}
	return CauseCompile
}

func (h *Host) closed() bool {
	h.closeMu.Lock()
	defer h.closeMu.Unlock()
	return h.isClosed
}

// configFile is where the host's configuration lives, for ReloadFile and
// the admin API's site changes.
type configFile struct {
	path  string
	build func(dir string) (string, error)
	// The file's [server] and [pubsub] as last read: a reload that finds
	// them changed says that they need a restart.
	server config.Server
	pubsub config.PubSub
}

// SetConfigFile tells the host the file its configuration came from, for
// ReloadFile (SIGHUP, POST /v1/reload) and the relative paths of sites
// put through the admin API; build turns a plugin's source directory
// into its .wasm file, as config.Config.BuildPlugins takes it (nil: only
// .wasm files). Call it before serving the admin API.
func (h *Host) SetConfigFile(path string, build func(dir string) (string, error)) {
	f := configFile{path: path, build: build}
	if cfg, err := config.Load(path); err == nil {
		f.server, f.pubsub = cfg.Server, cfg.PubSub
	}
	h.changes.mu.Lock()
	defer h.changes.mu.Unlock()
	h.changes.file = f
}

// ErrNoConfigFile: the host was not told where its configuration lives
// (SetConfigFile).
var ErrNoConfigFile = errors.New("host: no config file to reload (the host was started without one)")

// ReloadFile reads the config file again, builds plugins given as source
// directories, and applies it as Reload does. Errors in the file are
// *ReloadError with Cause "config" wrapping the *config.Error, which
// names file, line and key.
func (h *Host) ReloadFile(ctx context.Context) (Reload, error) {
	start := time.Now()
	h.changes.mu.Lock()
	f := h.changes.file
	h.changes.mu.Unlock()
	if f.path == "" {
		return Reload{}, ErrNoConfigFile
	}
	fail := func(cause string, err error) (Reload, error) {
		h.changes.m.siteFailed(cause)
		err = &ReloadError{Cause: cause, Err: err}
		h.log.Error("host: sites not changed; the old ones keep serving", "err", err)
		return Reload{}, err
	}
	cfg, err := config.Load(f.path)
	if err != nil {
		return fail("config", err)
	}
	if err := buildPlugins(&cfg, f.build); err != nil {
		return fail("build", err)
	}
	r, err := h.Reload(ctx, cfg)
	if err != nil {
		return r, err
	}
	r.Took = time.Since(start)
	h.changes.mu.Lock()
	if !reflect.DeepEqual(cfg.PubSub, h.changes.file.pubsub) {
		r.Restart = append(r.Restart, "pubsub")
	}
	if !reflect.DeepEqual(cfg.Server, h.changes.file.server) {
		r.Restart = append(r.Restart, "server")
	}
	h.changes.file.server, h.changes.file.pubsub = cfg.Server, cfg.PubSub
	h.changes.mu.Unlock()
	for _, what := range r.Restart {
		h.log.Warn("host: reload: ["+what+"] changed; it takes effect at the next start", "table", what)
	}
	return r, nil
}

// buildPlugins builds cfg's plugins given as source directories.
func buildPlugins(cfg *config.Config, build func(dir string) (string, error)) error {
	if build == nil {
		build = func(dir string) (string, error) {
			return "", fmt.Errorf("%s is a source directory; this server builds no plugins: give the .wasm file", dir)
		}
	}
	return cfg.BuildPlugins(build)
}

// parseSite reads a site put through the admin API: one [[site]] table
// as in the config file, whose relative paths are relative to the config
// file's directory, with its plugins built.
func (h *Host) parseSite(name string, src []byte) (config.Config, error) {
	h.changes.mu.Lock()
	f := h.changes.file
	h.changes.mu.Unlock()
	dir := ""
	if f.path != "" {
		dir = filepath.Dir(f.path)
	}
	cfg, err := config.ParseSite("PUT /v1/sites/"+name, src, dir)
	if err != nil {
		return config.Config{}, &ReloadError{Site: name, Cause: "config", Err: err}
	}
	if got := cfg.Sites[0].Name; got != name {
		return config.Config{}, &ReloadError{Site: name, Cause: "config",
			Err: fmt.Errorf("the body's site is named %q, the URL's %q", got, name)}
	}
	if err := buildPlugins(&cfg, f.build); err != nil {
		return config.Config{}, &ReloadError{Site: name, Cause: "build", Err: err}
	}
	return cfg, nil
}

// replaceSiteFrom replaces or adds the one site of cfg, which
// parseSite read.
func (h *Host) replaceSiteFrom(ctx context.Context, cfg config.Config) (Reload, error) {
	return h.change(ctx, []config.Site{cfg.Sites[0].WithDefaults()}, false, "", "", cfg.Locate)
}
