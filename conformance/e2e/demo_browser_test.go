package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// assetLoads records, from the browser's network events, how each load
// of the demo site's versioned static files was answered: by the server
// or from the browser's cache (memory or disk). Safe for concurrent use.
type assetLoads struct {
	mu     sync.Mutex
	urls   map[network.RequestID]string // mu guards the fields
	cached map[network.RequestID]bool
	status map[network.RequestID]int64
	order  []network.RequestID
}

// versionedAsset matches the URLs the pages link their files by.
var versionedAsset = regexp.MustCompile(`/static/demo\.(css|js)\?v=[0-9a-f]+$`)

func newAssetLoads() *assetLoads {
	return &assetLoads{urls: map[network.RequestID]string{}, cached: map[network.RequestID]bool{}, status: map[network.RequestID]int64{}}
}

// event is a chromedp.Listen func: it runs on the tab's reader goroutine
// and only records.
func (a *assetLoads) event(ev any) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if versionedAsset.MatchString(ev.Request.URL) {
			a.urls[ev.RequestID] = ev.Request.URL
			a.order = append(a.order, ev.RequestID)
		}
	case *network.EventRequestServedFromCache:
		a.cached[ev.RequestID] = true
	case *network.EventResponseReceived:
		if ev.Response.FromDiskCache {
			a.cached[ev.RequestID] = true
		}
		a.status[ev.RequestID] = ev.Response.Status
	}
}

// A load is one load of a file: its URL, and whether the cache answered
// it or the server did (with status).
type load struct {
	url    string
	cached bool
	status int64
}

func (l load) String() string {
	if l.cached {
		return l.url + " from the cache"
	}
	return fmt.Sprintf("%s from the server (%d)", l.url, l.status)
}

// loads returns the loads so far, in order, of those that have an answer.
func (a *assetLoads) loads() []load {
	a.mu.Lock()
	defer a.mu.Unlock()
	var ls []load
	for _, id := range a.order {
		if a.cached[id] || a.status[id] != 0 {
			ls = append(ls, load{a.urls[id], a.cached[id], a.status[id]})
		}
	}
	return ls
}

// TestDemoInBrowser is the demo site as a new user meets it in Chromium:
// sign in from the guestbook, post through the protected form, switch to
// Spanish and read the page and its dates in it. Along the way the
// stylesheet and script are applied and run, and after the first page
// every page takes them from the browser's cache.
func TestDemoInBrowser(t *testing.T) {
	tab := browser(t)
	n := startNode(t, demoConfig(t), "netpoll")
	base := "http://" + n.addr

	ctx, cancelTab := tab()
	defer cancelTab()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	assets := newAssetLoads()
	if err := chromedp.Listen(ctx, assets.event); err != nil {
		t.Fatal(err)
	}
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(what, expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}

	step("opening the guestbook", chromedp.Navigate(base+"/demo/"), chromedp.WaitVisible(chromedp.ID("signin")))
	// The stylesheet is applied (the header's colour is demo.css's
	// accent) and the script ran (it marks the page and hides the
	// language switch's button, which the script makes unneeded).
	if bg := eval("reading a style", `getComputedStyle(document.querySelector("header.bar")).backgroundColor`); bg != "rgb(11, 110, 79)" {
		t.Errorf("the header's background is %q: demo.css is not applied", bg)
	}
	if got := eval("reading the script's marks", `document.documentElement.className + " " + getComputedStyle(document.querySelector("#langform button")).display`); got != "js none" {
		t.Errorf("html class and the language button's display: %q; demo.js did not run", got)
	}
	waitUntil(t, "the first page's static files", func() bool { return len(assets.loads()) >= 2 })
	for _, l := range assets.loads() {
		if l.cached || l.status != 200 {
			t.Errorf("first load of %s, want it from the server with 200", l)
		}
	}
	first := len(assets.loads())

	// Sign in from the guestbook's link; the login page goes on to the
	// account page.
	step("following the sign-in link", chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("loginform")))
	step("signing in",
		chromedp.SendKeys(chromedp.ID("user"), "demo"),
		chromedp.SendKeys(chromedp.ID("password"), "wasmweb"),
		chromedp.Click(chromedp.CSS("#loginform button[type=submit]")),
		chromedp.WaitVisible(chromedp.ID("entryform")))
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.HasSuffix(loc, "/demo/account") {
		t.Fatalf("after signing in the browser is at %q (%v), want /demo/account", loc, err)
	}
	if who := eval("reading the user", `document.getElementById("current-user").textContent`); who != "demo" {
		t.Fatalf("signed in as %q", who)
	}

	// Post through the protected form: the entry is on the guestbook,
	// dated a moment ago.
	text := fmt.Sprintf("hello from Chromium %d", time.Now().UnixNano())
	entry := `//li[@class="entry"][contains(., "` + text + `")]`
	step("posting an entry",
		chromedp.SendKeys(chromedp.ID("text"), text),
		chromedp.Click(chromedp.CSS("#entryform button[type=submit]")),
		chromedp.WaitVisible(chromedp.Search(entry)))
	date := eval("reading the entry's date", `document.querySelector("#entries li.entry time").textContent`)
	if !regexp.MustCompile(`^(just now|\d+ seconds? ago)$`).MatchString(date) {
		t.Errorf("the entry is dated %q, want a moment ago in English", date)
	}

	// Choose Spanish: the script switches as soon as it is chosen. The
	// page, the entry's date included, is then in Spanish.
	eval("choosing Spanish", `(() => { const s = document.getElementById("locale"); s.value = "es"; s.dispatchEvent(new Event("change")); return ""; })()`)
	step("waiting for the Spanish page", chromedp.WaitVisible(chromedp.Search(`//h1[.="Libro de visitas"]`)), chromedp.WaitVisible(chromedp.Search(entry)))
	if lang := eval("reading the page's language", `document.documentElement.lang`); lang != "es" {
		t.Errorf("html lang %q, want es", lang)
	}
	date = eval("reading the entry's date", `document.querySelector("#entries li.entry time").textContent`)
	if !regexp.MustCompile(`^(ahora mismo|hace \d+ segundos?)$`).MatchString(date) {
		t.Errorf("the entry is dated %q, want a moment ago in Spanish", date)
	}
	if got := eval("reading the header", `document.querySelector("header.bar").textContent`); !strings.Contains(got, "Sesión iniciada como") || !strings.Contains(got, "Cerrar sesión") {
		t.Errorf("the header is not in Spanish: %q", got)
	}

	// Every page after the first linked the same versioned files, and
	// the browser took them from its cache without asking the server.
	later := assets.loads()[first:]
	if len(later) < 2 {
		t.Fatalf("the later pages loaded %d static files: %v", len(later), later)
	}
	cached := 0
	for _, l := range later {
		if !l.cached {
			t.Errorf("later load of %s, want it from the browser's cache", l)
			continue
		}
		cached++
	}
	t.Logf("static files: %d loads from the server, then %d of %d from the cache", first, cached, len(later))
}
