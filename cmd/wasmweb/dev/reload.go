package dev

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wasmweb/wasmweb/netloop"
)

// The paths the development loop answers itself, in front of the sites.
const (
	// ScriptPath serves the live-reload script that HTML pages get.
	ScriptPath = "/_wasmweb/dev/livereload.js"
	// WaitPath is the script's long poll: GET WaitPath?v=N answers the
	// current version of the served code once it is not N.
	WaitPath = "/_wasmweb/dev/wait"
)

// maxWaiters bounds the browsers' parked polls; more get 503 and come
// back, as the script does after any error.
const maxWaiters = 1024

// waitFor is how long a poll stays parked without a change: it is then
// answered with the version unchanged and the script asks again, so that
// nothing between the browser and the server times it out.
const waitFor = 30 * time.Second

// script is the live-reload script. Its tag carries the version of the
// code that made the page (data-v); it long-polls WaitPath and reloads
// the page once the answer differs. After an error (the server
// restarting, say) it tries again every second; a restarted loop starts
// from another version, so the page reloads when it is back.
const script = `(function () {
  var s = document.currentScript, v = s && s.getAttribute("data-v");
  if (!v) return;
  function poll(delay) {
    setTimeout(function () {
      fetch("` + WaitPath + `?v=" + v, {cache: "no-store"}).then(function (r) {
        if (!r.ok) throw new Error("wait: " + r.status);
        return r.text();
      }).then(function (t) {
        if (t.trim() !== v) { location.reload(); return; }
        poll(0);
      }, function () { poll(1000); });
    }, delay);
  }
  poll(0);
})();
`

// reloads is the version of the code being served, and the browsers
// waiting for it to change. Safe for concurrent use.
type reloads struct {
	mu      sync.Mutex
	version uint64 // starts from the clock, so that a restart differs
	waiters map[*netloop.Parked]struct{}
	closed  bool
}

func newReloads() *reloads {
	return &reloads{version: uint64(time.Now().UnixNano()), waiters: map[*netloop.Parked]struct{}{}}
}

// current returns the version as the pages' tags carry it.
func (r *reloads) current() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strconv.FormatUint(r.version, 10)
}

// bump makes a new version and answers every waiting browser with it.
func (r *reloads) bump() {
	r.mu.Lock()
	r.version++
	r.mu.Unlock()
	r.answerAll()
}

// answerAll answers the waiting browsers with the current version.
func (r *reloads) answerAll() {
	r.mu.Lock()
	ws := r.waiters
	r.waiters = map[*netloop.Parked]struct{}{}
	v := strconv.FormatUint(r.version, 10)
	r.mu.Unlock()
	for p := range ws {
		p.Resume(netloop.HandlerFunc(func(w *netloop.Response, _ *netloop.Request) { writeVersion(w, v) }))
	}
}

// expire answers the waiting browsers every waitFor until ctx ends.
func (r *reloads) expire(ctx context.Context) {
	t := time.NewTicker(waitFor)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.answerAll()
		}
	}
}

// close answers the waiting browsers and parks no more.
func (r *reloads) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.answerAll()
}

// wait serves WaitPath: the current version at once when the page's
// differs, else once it changes.
func (r *reloads) wait(w *netloop.Response, req *netloop.Request) {
	have := queryValue(string(req.Query), "v")
	r.mu.Lock()
	v := strconv.FormatUint(r.version, 10)
	full := len(r.waiters) >= maxWaiters
	var p *netloop.Parked
	if have == v && !r.closed && !full {
		if p = w.Park(); p != nil {
			r.waiters[p] = struct{}{}
		}
	}
	r.mu.Unlock()
	switch {
	case p != nil:
		// Outside mu: OnHangup runs its function at once when the client
		// has already gone.
		p.OnHangup(func() {
			r.mu.Lock()
			delete(r.waiters, p)
			r.mu.Unlock()
		})
	case full && have == v:
		w.SetStatus(503)
		w.SetHeader("Retry-After", "1")
		w.SetHeader("Cache-Control", "no-store")
	default:
		writeVersion(w, v)
	}
}

func writeVersion(w *netloop.Response, v string) {
	w.SetHeader("Content-Type", "text/plain; charset=utf-8")
	w.SetHeader("Cache-Control", "no-store")
	w.WriteString(v)
}

// queryValue returns the first raw value of key in a raw query: a
// version needs no unescaping.
func queryValue(query, key string) string {
	for query != "" {
		var kv string
		kv, query, _ = strings.Cut(query, "&")
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	return ""
}
