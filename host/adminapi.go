package host

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/wasmweb/wasmweb/host/config"
)

// The admin API: JSON under /v1/ on the admin address.
//
//	GET /v1/sites                          every site, as below
//	GET /v1/sites/{site}                   one site: hosts, plugins with their generation, parked waiters, quotas and their use
//	PUT /v1/sites/{site}/plugins/{plugin}  body: .wasm bytes; a new generation of the plugin
//	PUT /v1/sites/{site}                   body: the site's [[site]] table; add or replace the site
//	DELETE /v1/sites/{site}                stop serving the site
//	POST /v1/reload                        read the config file again and apply what changed
//
// The three changes (PUT, PUT, DELETE) live in memory only unless asked
// with ?persist=1 to be written to the config file too (persist.go).
//
// Changes need "Authorization: Bearer TOKEN" when the host has an admin
// token; without one the admin address is loopback only (ListenAdmin).
// Answers are JSON objects; an error is {"error": "...", "cause": "..."}.

// persistNote is what every change's answer says about its lifetime.
const persistNote = "this change lives in memory only: a restart or reload loads the plugin from the file the config names; replace that file, or PUT with ?persist=1, to keep it"

// sitePersistNote is what a site change's answer says about its
// lifetime.
const sitePersistNote = "this change lives in memory only: a restart, SIGHUP or POST /v1/reload serves the sites of the config file; write the change there, or send it with ?persist=1, to keep it"

func (h *Host) adminAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/sites", h.apiSites)
	mux.HandleFunc("GET /v1/sites/{site}", h.apiSite)
	mux.HandleFunc("PUT /v1/sites/{site}/plugins/{plugin}", h.changeAuth(h.apiSwapPlugin))
	mux.HandleFunc("PUT /v1/sites/{site}", h.changeAuth(h.apiPutSite))
	mux.HandleFunc("DELETE /v1/sites/{site}", h.changeAuth(h.apiDeleteSite))
	mux.HandleFunc("POST /v1/reload", h.changeAuth(h.apiReload))
	mux.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "", "no such admin API endpoint: "+r.Method+" "+r.URL.Path)
	})
	return mux
}

// SiteStatus is one site in GET /v1/sites and /v1/sites/{site}.
type SiteStatus struct {
	Name    string         `json:"name"`
	Hosts   []string       `json:"hosts"`
	Plugins []PluginStatus `json:"plugins"`
	// Parked counts the site's parked long polls; they hold no
	// generation and are resumed by the current one.
	Parked int64 `json:"parked"`
	// Quota is the site's share of the server (quotastatus.go).
	Quota QuotaStatus `json:"quota"`
}

// PluginStatus is one plugin of a SiteStatus: its current generation.
type PluginStatus struct {
	Name       string    `json:"name"`
	Generation uint64    `json:"generation"`
	SHA256     string    `json:"sha256"`
	Size       int       `json:"size"`
	Loaded     time.Time `json:"loaded"`
	LoadMS     float64   `json:"load_ms"`
	Idle       int       `json:"instances_idle"`
	Busy       int       `json:"instances_busy"`
	// Export is the guest export requests call: "wasmweb_serve", or
	// "wasmweb_handle" for a plugin built with an older SDK (abi/ABI.md
	// section 4).
	Export string `json:"export"`
	// Draining counts older generations still finishing their calls.
	Draining int `json:"draining"`
}

func (s *Site) status() SiteStatus {
	st := SiteStatus{Name: s.name, Hosts: s.spec.Hosts, Plugins: []PluginStatus{}, Parked: s.env.Parking.Count(), Quota: s.quotaStatus()}
	if st.Hosts == nil {
		st.Hosts = []string{}
	}
	for name, slot := range s.plugins {
		in := slot.Current().Info()
		st.Plugins = append(st.Plugins, PluginStatus{
			Name: name, Generation: in.Generation, SHA256: in.SHA256, Size: in.Size, Loaded: in.Loaded.UTC(),
			LoadMS: ms(in.LoadTime), Idle: in.Idle, Busy: in.Busy, Draining: slot.Generations() - 1, Export: in.Export,
		})
	}
	sort.Slice(st.Plugins, func(i, j int) bool { return st.Plugins[i].Name < st.Plugins[j].Name })
	return st
}

func (h *Host) apiSites(w http.ResponseWriter, r *http.Request) {
	sites := h.sites.Load().sites
	all := make([]SiteStatus, 0, len(sites))
	for _, s := range sites {
		all = append(all, s.status())
	}
	apiJSON(w, http.StatusOK, map[string]any{"sites": all})
}

func (h *Host) apiSite(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("site")
	if !validName(name) {
		apiError(w, http.StatusBadRequest, "bad_name", fmt.Sprintf("%q is not a site name", name))
		return
	}
	s := h.site(name)
	if s == nil {
		apiError(w, http.StatusNotFound, "", fmt.Sprintf("no site %q", name))
		return
	}
	apiJSON(w, http.StatusOK, s.status())
}

// SwapAnswer is the answer to PUT /v1/sites/{site}/plugins/{plugin}.
type SwapAnswer struct {
	Site       string  `json:"site"`
	Plugin     string  `json:"plugin"`
	Generation uint64  `json:"generation"`
	Replaced   uint64  `json:"replaced"`
	SHA256     string  `json:"sha256"`
	Size       int     `json:"size"`
	LoadMS     float64 `json:"load_ms"`
	TotalMS    float64 `json:"total_ms"`
	Note       string  `json:"note"`
	// Persisted names the file the module was written to (?persist=1).
	Persisted string `json:"persisted,omitempty"`
}

func (h *Host) apiSwapPlugin(w http.ResponseWriter, r *http.Request) {
	site, plugin := r.PathValue("site"), r.PathValue("plugin")
	if !validName(site) || !validName(plugin) {
		apiError(w, http.StatusBadRequest, "bad_name", fmt.Sprintf("%q/%q: site and plugin names may not be empty or hold /, .. or NUL", site, plugin))
		return
	}
	persist, err := wantsPersist(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, CausePersist, err.Error())
		return
	}
	wasm, ok := h.readBody(w, r)
	if !ok {
		return
	}
	file := ""
	if s := h.site(site); persist && s != nil && s.plugins[plugin] != nil { // else SwapPlugin says 404
		h.changes.persistMu.Lock()
		defer h.changes.persistMu.Unlock()
		if file, err = h.pluginFile(site, plugin); err != nil {
			h.answerPersist(w, err)
			return
		}
	}
	sw, err := h.SwapPlugin(context.WithoutCancel(r.Context()), site, plugin, wasm, "PUT "+r.URL.Path)
	note := persistNote
	if err == nil && file != "" {
		if werr := writeFileAtomic(file, wasm); werr != nil {
			h.answerPersist(w, &errPersist{500, fmt.Errorf("host: persist: generation %d serves, but %s was not written, so a restart or reload loses it: %w",
				sw.Generation, file, werr)})
			return
		}
		note = persistedNote
		h.log.Info("host: plugin written", "site", site, "plugin", plugin, "file", file)
	}
	var se *SwapError
	switch {
	case errors.Is(err, ErrNoSite), errors.Is(err, ErrNoPlugin):
		apiError(w, http.StatusNotFound, "", err.Error())
	case errors.Is(err, ErrClosed):
		apiError(w, http.StatusServiceUnavailable, "", err.Error())
	case errors.As(err, &se) && se.Cause == CauseNotWasm:
		apiError(w, http.StatusBadRequest, se.Cause, err.Error())
	case errors.As(err, &se):
		apiError(w, http.StatusUnprocessableEntity, se.Cause, err.Error())
	case err != nil:
		apiError(w, http.StatusInternalServerError, "", err.Error())
	default:
		apiJSON(w, http.StatusOK, SwapAnswer{Site: sw.Site, Plugin: sw.Plugin, Generation: sw.Generation, Replaced: sw.Replaced,
			SHA256: sw.SHA256, Size: sw.Size, LoadMS: ms(sw.Load), TotalMS: ms(sw.Total), Note: note, Persisted: file})
	}
}

// ReloadAnswer is the answer to POST /v1/reload and to the site changes.
type ReloadAnswer struct {
	Reload
	TookMS float64 `json:"took_ms"`
	Note   string  `json:"note,omitempty"`
	// Persisted names the config file the change was written to
	// (?persist=1).
	Persisted string `json:"persisted,omitempty"`
}

func (h *Host) apiPutSite(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("site")
	if !validName(name) {
		apiError(w, http.StatusBadRequest, "bad_name", fmt.Sprintf("%q is not a site name", name))
		return
	}
	persist, err := wantsPersist(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, CausePersist, err.Error())
		return
	}
	body, ok := h.readBody(w, r)
	if !ok {
		return
	}
	ctx := context.WithoutCancel(r.Context())
	cfg, err := h.parseSite(name, body)
	if err != nil {
		h.changes.m.siteFailed(err.(*ReloadError).Cause)
		h.log.Error("host: sites not changed; the old ones keep serving", "err", err)
		h.answerChange(w, Reload{}, err, "")
		return
	}
	h.persistedChange(w, persist, name, body, func() (Reload, error) { return h.replaceSiteFrom(ctx, cfg) })
}

// persistedChange makes a change of site (PUT with its table, or DELETE
// with table nil) and answers it; with persist, the config file's
// rewrite is prepared first and written once the change serves.
func (h *Host) persistedChange(w http.ResponseWriter, persist bool, site string, table []byte, change func() (Reload, error)) {
	if !persist || table == nil && h.site(site) == nil { // no such site: change says so
		res, err := change()
		h.answerChange(w, res, err, sitePersistNote)
		return
	}
	h.changes.persistMu.Lock()
	defer h.changes.persistMu.Unlock()
	plan, err := h.planSite(site, table)
	if err != nil {
		h.answerPersist(w, err)
		return
	}
	res, err := change()
	if err != nil {
		h.answerChange(w, res, err, "")
		return
	}
	if err := plan.write(); err != nil {
		h.answerPersist(w, err)
		return
	}
	h.log.Info("host: config file written", "site", site, "file", plan.path)
	if res.Changes == nil {
		res.Changes = []Change{}
	}
	apiJSON(w, http.StatusOK, ReloadAnswer{Reload: res, TookMS: ms(res.Took), Note: persistedNote, Persisted: plan.path})
}

// answerPersist answers a change that could not be, or was not,
// written to the config file.
func (h *Host) answerPersist(w http.ResponseWriter, err error) {
	var pe *errPersist
	switch {
	case errors.As(err, &pe):
		if pe.status == http.StatusInternalServerError {
			h.log.Error("host: change not written", "err", err)
		}
		apiError(w, pe.status, CausePersist, err.Error())
	default:
		h.answerChange(w, Reload{}, err, "")
	}
}

func (h *Host) apiDeleteSite(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("site")
	if !validName(name) {
		apiError(w, http.StatusBadRequest, "bad_name", fmt.Sprintf("%q is not a site name", name))
		return
	}
	persist, err := wantsPersist(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, CausePersist, err.Error())
		return
	}
	h.persistedChange(w, persist, name, nil, func() (Reload, error) { return h.RemoveSite(context.WithoutCancel(r.Context()), name) })
}

func (h *Host) apiReload(w http.ResponseWriter, r *http.Request) {
	res, err := h.ReloadFile(context.WithoutCancel(r.Context()))
	h.answerChange(w, res, err, "")
}

// answerChange answers a change of sites: what it did, or why not.
func (h *Host) answerChange(w http.ResponseWriter, res Reload, err error, note string) {
	var re *ReloadError
	switch {
	case errors.Is(err, ErrClosed):
		apiError(w, http.StatusServiceUnavailable, "", err.Error())
	case errors.Is(err, ErrNoConfigFile):
		apiError(w, http.StatusConflict, "no_config", err.Error())
	case errors.As(err, &re) && re.Cause == "not_found":
		apiError(w, http.StatusNotFound, re.Cause, err.Error())
	case errors.As(err, &re) && re.Cause == "config":
		apiError(w, http.StatusBadRequest, re.Cause, err.Error())
	case errors.As(err, &re):
		apiError(w, http.StatusUnprocessableEntity, re.Cause, err.Error())
	case err != nil:
		apiError(w, http.StatusInternalServerError, "", err.Error())
	default:
		if res.Changes == nil {
			res.Changes = []Change{}
		}
		apiJSON(w, http.StatusOK, ReloadAnswer{Reload: res, TookMS: ms(res.Took), Note: note})
	}
}

// readBody reads a change's body within the admin body cap; past it the
// answer is 413.
func (h *Host) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	max := h.changes.maxBody
	if r.ContentLength > max {
		apiError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body of %d bytes; at most %d (admin_max_body)", r.ContentLength, max))
		return nil, false
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		apiError(w, http.StatusRequestEntityTooLarge, "too_large", fmt.Sprintf("body larger than %d bytes (admin_max_body)", max))
		return nil, false
	case err != nil:
		apiError(w, http.StatusBadRequest, "", "reading the body: "+err.Error())
		return nil, false
	}
	return b, true
}

// changeAuth admits a change when the host has no admin token, or when
// the request carries it as a bearer token. The comparison takes the
// same time wherever the tokens differ.
func (h *Host) changeAuth(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if want := h.changes.token; want != "" {
			got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
				w.Header().Set("WWW-Authenticate", `Bearer realm="wasmweb admin"`)
				apiError(w, http.StatusUnauthorized, "unauthorized", "this change needs Authorization: Bearer <admin token>")
				return
			}
		}
		next(w, r)
	}
}

func apiJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func apiError(w http.ResponseWriter, status int, cause, msg string) {
	v := map[string]string{"error": msg}
	if cause != "" {
		v["cause"] = cause
	}
	apiJSON(w, status, v)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// ListenAdmin listens on s.Admin for the admin server. Without an admin
// token (s.AdminSecret) the address must be a loopback one: anyone who
// reaches the admin API could replace the server's code.
func ListenAdmin(s config.Server) (net.Listener, error) {
	token := s.AdminSecret()
	if token != "" {
		if err := config.CheckAdminToken(token); err != nil {
			return nil, fmt.Errorf("the admin token %s", err)
		}
	}
	ln, err := net.Listen("tcp", s.Admin)
	if err != nil {
		return nil, err
	}
	if a, ok := ln.Addr().(*net.TCPAddr); token == "" && (!ok || !a.IP.IsLoopback()) {
		ln.Close()
		return nil, fmt.Errorf("refusing to serve the admin API on %s, which is not a loopback address, without an admin token: "+
			"set [server] admin_token or %s, or listen on 127.0.0.1", s.Admin, config.AdminTokenEnv)
	}
	return ln, nil
}
