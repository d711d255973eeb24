package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browserNames are the commands a Chromium goes by, looked up on PATH in
// this order: Debian's package, which .ci/run installs, first.
var browserNames = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"}

// browserRequired reports whether a missing browser fails the browser
// tests instead of skipping them: under CI (the CI variable that CI
// services set) or with WASMWEB_REQUIRE_BROWSER=1, which .ci/run sets.
func browserRequired() bool {
	if os.Getenv("WASMWEB_REQUIRE_BROWSER") == "1" {
		return true
	}
	ci := strings.ToLower(os.Getenv("CI"))
	return ci != "" && ci != "0" && ci != "false"
}

var warnNoBrowser sync.Once

// chromium returns the path of the Chromium to run: WASMWEB_CHROMIUM if
// set, else the first of browserNames on PATH. Without one the test fails
// where a browser is required, and is skipped elsewhere, saying so on
// standard error too, so that a run without -v does not hide it.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("WASMWEB_CHROMIUM"); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			t.Fatalf("WASMWEB_CHROMIUM=%q: %v", p, err)
		}
		return path
	}
	for _, name := range browserNames {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	msg := fmt.Sprintf("no Chromium on PATH (looked for %s), so the browser tests did NOT run; "+
		"install it (apt-get install chromium) or set WASMWEB_CHROMIUM to its path", strings.Join(browserNames, ", "))
	if browserRequired() {
		t.Fatalf("%s; a browser is required here (CI or WASMWEB_REQUIRE_BROWSER=1)", msg)
	}
	warnNoBrowser.Do(func() { fmt.Fprintf(os.Stderr, "\n*** e2e: SKIPPED: %s ***\n\n", msg) })
	t.Skip("SKIPPED: " + msg)
	return ""
}

// browser starts a headless Chromium with a fresh profile and returns a
// function that opens a new tab in it. Each call to the returned
// function gives an isolated tab.
func browser(t *testing.T) func() (context.Context, context.CancelFunc) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	root, cancelRoot := chromedp.NewContext(alloc)
	t.Cleanup(cancelRoot)
	if err := chromedp.Do(root, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return func() (context.Context, context.CancelFunc) {
		return chromedp.NewContext(root)
	}
}

// TestChatInBrowser opens the chat in two tabs of a real browser: a
// message posted in one shows in the other within a second, and a
// reloaded page shows the history.
func TestChatInBrowser(t *testing.T) {
	tab := browser(t)
	n := startNode(t, fmt.Sprintf(chatConfig, "30s"), "netpoll")
	url := "http://" + n.addr + "/chat"

	alice, cancelA := tab()
	defer cancelA()
	bob, cancelB := tab()
	defer cancelB()
	for _, ctx := range []context.Context{alice, bob} {
		if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.ID("message"))); err != nil {
			t.Fatalf("opening the chat: %v", err)
		}
	}
	// Both pages are polling before anything is said.
	waitUntil(t, "both pages to poll", func() bool { return parkedCount(t, n.host) >= 2 })

	text := fmt.Sprintf("hello from alice %d", time.Now().UnixNano())
	shown := chromedp.Search(`//div[@id="inbox"]/div[contains(., "` + text + `")]`)
	if err := chromedp.Do(alice,
		chromedp.SendKeys(chromedp.ID("message"), text),
		chromedp.Submit(chromedp.ID("messageform")),
	); err != nil {
		t.Fatalf("posting: %v", err)
	}
	// The other page shows it within a second: the test fails on a
	// missing message, not on a slow machine, so the wait is generous and
	// the time is reported.
	start := time.Now()
	ctx, cancel := context.WithTimeout(bob, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(shown)); err != nil {
		t.Fatalf("the message did not reach the other page: %v", err)
	}
	t.Logf("the message reached the other page %v after the post was sent", time.Since(start).Round(time.Millisecond))
	// The sender's own page shows it too, and its input is cleared.
	if err := chromedp.Do(alice, chromedp.WaitVisible(shown)); err != nil {
		t.Fatalf("sender page: %v", err)
	}
	if value, err := chromedp.Run(alice, chromedp.Value(chromedp.ID("message"))); err != nil || value != "" {
		t.Fatalf("sender's input after posting: %q %v", value, err)
	}
	// A reloaded page picks the history up from the first poll.
	if err := chromedp.Do(bob, chromedp.Reload(), chromedp.WaitVisible(shown)); err != nil {
		t.Fatalf("history after reload: %v", err)
	}
	inbox, err := chromedp.Run(bob, chromedp.Text(chromedp.ID("inbox")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(inbox, text) != 1 {
		t.Errorf("after reload the inbox shows the message %d times: %q", strings.Count(inbox, text), inbox)
	}
}
