// Package status serves the admin address's pages: an index and a
// status page that shows the sites, their plugins' instances, traps and
// deadline kills, parked requests, recent errors and charts of the last
// minutes, updated in place from /status.json.
//
// The page is a fixed file: everything the server knows arrives as JSON
// and is put into the page as text by status.js, never as markup, since
// guests and tenants choose much of it (a panic message, a host name). A
// Content-Security-Policy that allows only the page's own script and
// stylesheet keeps it so; nothing is loaded from elsewhere, so the page
// works offline.
package status

import (
	"context"
	"embed"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

//go:embed assets
var assets embed.FS

// Snapshot is what the server is at a moment: its build, its sites and
// their plugins.
type Snapshot struct {
	Build   Build     `json:"build"`
	Started time.Time `json:"started"`
	Conns   int64     `json:"conns"`  // open connections
	Parked  int64     `json:"parked"` // parked requests, every site
	Sites   []Site    `json:"sites"`
}

// Build names what the server was built from.
type Build struct {
	Version   string `json:"version"`
	GoVersion string `json:"goversion"`
	Wazero    string `json:"wazero"`
	ABI       string `json:"abi"`
}

// Site is one served site.
type Site struct {
	Name       string   `json:"name"`
	Hosts      []string `json:"hosts"`
	Parked     int64    `json:"parked"`      // requests parked on it now
	MaxWaiters int      `json:"max_waiters"` // the cap on Parked
	Routes     []Route  `json:"routes"`
	Plugins    []Plugin `json:"plugins"`
}

// Route is one of a site's routes.
type Route struct {
	Path    string `json:"path"`
	Methods string `json:"methods,omitempty"` // "" for every method
	Plugin  string `json:"plugin"`
	Handler string `json:"handler,omitempty"`
}

// Plugin is one of a site's plugins: its current generation and that
// generation's pool of instances.
type Plugin struct {
	Name       string `json:"name"`
	Generation uint64 `json:"generation"` // counts the plugin's generations from 1
	Draining   int    `json:"draining"`   // older generations still finishing calls
	Instances  int    `json:"instances"`  // live: idle or busy
	Idle       int    `json:"idle"`
	Busy       int    `json:"busy"`
	Max        int    `json:"max"`
	Calls      uint64 `json:"calls"`
	Traps      uint64 `json:"traps"`
	Kills      uint64 `json:"kills"` // calls stopped at their deadline
}

// Update is the answer of /status.json: the snapshot, and the samples
// and errors numbered after those the query named.
type Update struct {
	Now          time.Time `json:"now"`
	Snapshot     Snapshot  `json:"snapshot"`
	SamplesFirst uint64    `json:"samples_first"` // the number of Samples[0]
	Samples      []Sample  `json:"samples"`
	ErrorsFirst  uint64    `json:"errors_first"` // the number of Errors[0]
	Errors       []Error   `json:"errors"`
}

// MaxWait is the longest /status.json?wait=1 holds a request.
const MaxWait = 20 * time.Second

// Handler serves the index at /, the status page at /status with its
// /status.js and /status.css, and /status.json:
//
//	/status.json?after=N&errors_after=M&wait=1
//
// answers the snapshot, the samples numbered after N and the errors
// numbered after M; with wait=1 it first waits (at most MaxWait) for a
// sample after N, so that a page polling it is updated as each sample
// is taken. Other paths are 404. Safe for concurrent use.
type Handler struct {
	mon      *Monitor
	snapshot func() Snapshot
	maxWait  time.Duration
}

// NewHandler returns the handler of mon's data, with snapshot called for
// each /status.json.
func NewHandler(mon *Monitor, snapshot func() Snapshot) *Handler {
	return &Handler{mon: mon, snapshot: snapshot, maxWait: MaxWait}
}

// csp allows the page its own script, stylesheet and JSON, and nothing
// else: no inline script or style, no other origin, no frames.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

var files = map[string]struct{ name, ctype string }{
	"/":           {"assets/index.html", "text/html; charset=utf-8"},
	"/status":     {"assets/status.html", "text/html; charset=utf-8"},
	"/status.js":  {"assets/status.js", "text/javascript; charset=utf-8"},
	"/status.css": {"assets/status.css", "text/css; charset=utf-8"},
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", csp)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		hd.Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == "/status.json" {
		h.serveJSON(w, r)
		return
	}
	f, ok := files[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, err := assets.ReadFile(f.name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	hd.Set("Content-Type", f.ctype)
	w.Write(b)
}

func (h *Handler) serveJSON(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, err1 := queryUint(q.Get("after"))
	errorsAfter, err2 := queryUint(q.Get("errors_after"))
	if err1 != nil || err2 != nil {
		http.Error(w, "after and errors_after must be sample and error numbers", http.StatusBadRequest)
		return
	}
	// Numbers past the newest came from an earlier process: start over.
	if after > h.mon.Samples.Last() {
		after = 0
	}
	if errorsAfter > h.mon.Errors.Last() {
		errorsAfter = 0
	}
	if q.Get("wait") == "1" && after > 0 {
		ctx, cancel := context.WithTimeout(r.Context(), h.maxWait)
		h.mon.Wait(ctx, after)
		cancel()
	}
	u := Update{Now: time.Now(), Snapshot: h.snapshot()}
	u.SamplesFirst, u.Samples = h.mon.Samples.Since(after)
	u.ErrorsFirst, u.Errors = h.mon.Errors.Since(errorsAfter)
	if u.Samples == nil {
		u.Samples = []Sample{}
	}
	if u.Errors == nil {
		u.Errors = []Error{}
	}
	w.Header().Set("Content-Type", "application/json")
	// encoding/json writes <, > and & as \u escapes: the JSON holds no
	// markup even if something reads it as HTML.
	json.NewEncoder(w).Encode(u)
}

func queryUint(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	return strconv.ParseUint(s, 10, 64)
}
