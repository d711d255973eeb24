package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// statusConfig serves hello and the ABI kit's guest, built to the file
// that %q takes. The guest's "log" handler logs a marker of the
// client's choosing at each level: a tenant's text that reaches the
// status page's recent errors.
const statusConfig = `
[[site]]
name = "status-e2e"
hosts = ["*"]
[site.plugins]
hello = "plugins/hello"
abi = %q
[[site.route]]
path = "/"
plugin = "hello"
[[site.route]]
path = "/log"
plugin = "abi"
handler = "log"
`

// hostileMarker would run script if the page put it in as markup; the
// page's policy forbids inline handlers too, so the test checks the DOM
// itself: the marker is text, no element came of it.
const hostileMarker = `<img src=x id=pwned onerror="document.title='pwned'"><script>document.title='pwned'</script>`

// pageProblems records what goes wrong in a tab: script exceptions and
// the console's security and script errors (a Content-Security-Policy
// violation is one).
type pageProblems struct {
	mu   sync.Mutex
	list []string // mu guards list
}

func (p *pageProblems) event(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		p.list = append(p.list, fmt.Sprintf("exception: %s %v", ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception))
	case *cdplog.EventEntryAdded:
		if ev.Entry.Source == cdplog.EntrySourceSecurity || ev.Entry.Source == cdplog.EntrySourceJavascript || ev.Entry.Level == cdplog.EntryLevelError && ev.Entry.Source != cdplog.EntrySourceNetwork {
			p.list = append(p.list, fmt.Sprintf("console %s %s: %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text))
		}
	}
}

// abiGuest builds the ABI kit's guest into a temporary directory, so
// that the test leaves the source tree as it found it.
func abiGuest(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "abi.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = "../abi/guest"
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=") // no -race for wasip1
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the ABI guest: %v\n%s", err, b)
	}
	return out
}

func (p *pageProblems) get() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.list...)
}

// TestStatusPageInBrowser opens the admin address's status page in
// Chromium: it shows the site and its plugins; with no traffic its
// request-rate chart is flat; after requests the chart rises and the
// latency chart with it, without a reload; a guest's hostile log line
// shows among the recent errors as text.
func TestStatusPageInBrowser(t *testing.T) {
	tab := browser(t)
	n := startNode(t, fmt.Sprintf(statusConfig, abiGuest(t)), "netpoll")
	admin := httptest.NewServer(n.host.AdminHandler())
	defer admin.Close()

	ctx, cancelTab := tab()
	defer cancelTab()
	ctx, cancel := context.WithTimeout(ctx, 120*time.Second)
	defer cancel()
	problems := &pageProblems{}
	if err := chromedp.Listen(ctx, problems.event); err != nil {
		t.Fatal(err)
	}
	eval := func(what, expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	// waitPage polls expr in the page until it is "true": generous, so
	// that a slow machine fails nothing, and bounded.
	waitPage := func(what, expr string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for eval(what, "String("+expr+")") != "true" {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	samples := func() int {
		v, _ := strconv.Atoi(eval("samples", `document.body.dataset.samples || "0"`))
		return v
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(admin.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`a[href="/status"]`))); err != nil {
		t.Fatalf("opening the index: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href="/status"]`)),
		chromedp.WaitVisible(chromedp.Search(`//tbody[@id="sites"]/tr/td[text()="status-e2e"]`))); err != nil {
		t.Fatalf("opening the status page: %v", err)
	}
	if got := eval("plugins", `[...document.querySelectorAll("#plugins tr td:nth-child(2)")].map(td => td.textContent).join(" ")`); got != "abi hello" {
		t.Errorf("plugins shown: %q", got)
	}
	// The stylesheet applies and the script draws: both came through
	// the policy.
	if got := eval("style", `getComputedStyle(document.querySelector("th")).fontWeight`); got != "600" {
		t.Errorf("th font weight %q: status.css not applied", got)
	}

	// No request yet: every sample so far is flat.
	waitPage("a first sample", `Number(document.body.dataset.samples) >= 1`)
	if peak := eval("peak", `document.getElementById("chart-rps").dataset.max`); peak != "0" {
		t.Fatalf("request-rate peak before any request: %q", peak)
	}
	// risen tells whether a point of the request-rate line is above the
	// chart's floor (y = 150 in its 600×150 view box).
	const risen = `(document.querySelector("#chart-rps path").getAttribute("d").match(/[ML][0-9.]+ [0-9.]+/g) || [])
		.some(p => Number(p.split(" ")[1]) < 149)`
	if eval("the line", "String("+risen+")") != "false" {
		t.Fatal("the request-rate line is off the floor before any request")
	}
	seen := samples()

	client := &http.Client{Timeout: 10 * time.Second}
	for range 200 {
		resp, err := client.Get("http://" + n.addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	resp, err := client.Get("http://" + n.addr + "/log?marker=" + url.QueryEscape(hostileMarker))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("logging request: %v %v", resp, err)
	}
	resp.Body.Close()

	// The page takes the next samples in place (no reload: the samples
	// it has counted go on from where they were) and the chart rises.
	waitPage("the request rate to rise", `Number(document.getElementById("chart-rps").dataset.max) > 0`)
	if now := samples(); now <= seen {
		t.Errorf("samples counted by the page went from %d to %d", seen, now)
	}
	if eval("the line", "String("+risen+")") != "true" {
		t.Errorf("the request-rate line stayed on the floor: %q", eval("the line", `document.querySelector("#chart-rps path").getAttribute("d")`))
	}
	waitPage("the latency chart to rise", `Number(document.getElementById("chart-latency").dataset.max) > 0`)

	// The guest's warning and error lines, as text.
	waitPage("the guest's log lines among the recent errors",
		`[...document.querySelectorAll("#errors td.what")].filter(td => td.textContent.includes("abi-log error <img src=x id=pwned")).length == 1`)
	if got := eval("injected elements", `String(document.querySelectorAll("#errors img, #errors script, #pwned").length) + " " + document.title`); got != "0 wasmweb status" {
		t.Errorf("the hostile marker became markup: %q", got)
	}
	if got := eval("request id", `document.querySelector("#errors tr td:nth-child(3)").textContent`); strings.TrimSpace(got) == "" {
		t.Error("a recent error shows no request id")
	}
	if p := problems.get(); len(p) > 0 {
		t.Errorf("the page had problems:\n%s", strings.Join(p, "\n"))
	}
}
