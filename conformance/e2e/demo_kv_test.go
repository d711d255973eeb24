package e2e

import (
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/conformance/natstest"
)

// TestDemoEntriesSurviveRestart posts to the guestbook, stops the
// server, starts a new one on the same data directory, and finds the
// entries there: they are in the site's key-value store, not in the
// in-memory pub/sub broker.
func TestDemoEntriesSurviveRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	src := strings.Replace(demoConfig(t), "[server]\n", "[server]\ndata_dir = "+quoteTOML(dir)+"\n", 1)

	n := startNode(t, src, "std")
	v := newVisitor(t, n.addr)
	login := v.page("/demo/login?next=%2Fdemo%2Faccount")
	resp, body := v.do("POST", "/demo/login", url.Values{"user": {"demo"}, "password": {"wasmweb"}, "next": {"/demo/account"}, "_xsrf": {token(t, login)}})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/demo/account" {
		t.Fatalf("sign-in: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	for _, text := range []string{"kept across restarts", "and this one too"} {
		resp, body = v.do("POST", "/demo/account", url.Values{"text": {text}, "_xsrf": {token(t, body)}})
		if resp.StatusCode != 200 || resp.Request.URL.Path != "/demo/" {
			t.Fatalf("posting %q: %d at %s", text, resp.StatusCode, resp.Request.URL)
		}
		body = v.page("/demo/account")
	}
	mustContain(t, "the guestbook before the restart", v.page("/demo/"), "2 entries", "kept across restarts", "and this one too")
	if err := n.stop(t, 5*time.Second); err != nil {
		t.Fatal(err)
	}

	n = startNode(t, src, "std")
	home := newVisitor(t, n.addr).page("/demo/")
	mustContain(t, "the guestbook after the restart", home, "2 entries", "kept across restarts", "and this one too")
	if i, j := strings.Index(home, "and this one too"), strings.Index(home, "kept across restarts"); i > j {
		t.Errorf("the entries are not newest first after the restart:\n%s", home)
	}
}

// quoteTOML quotes s as a TOML basic string.
func quoteTOML(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// TestDemoTwoNodesNATSKV serves the demo site from two servers whose
// key-value stores are one NATS JetStream bucket: an entry posted on
// one is on the other's guestbook, and both survive a restart of NATS.
func TestDemoTwoNodesNATSKV(t *testing.T) {
	ns := natstest.Start(t, t.TempDir())
	src := strings.Replace(demoConfig(t), "[kv]\nbackend = \"bbolt\"\n", "[kv]\nbackend = \"nats\"\nurl = "+quoteTOML(ns.URL())+"\n", 1)
	if !strings.Contains(src, "backend = \"nats\"\nurl") {
		t.Fatal("the example config has no [kv] backend = \"bbolt\" to replace")
	}
	a := startNode(t, src, "std")
	b := startNode(t, src, "std")

	v := newVisitor(t, a.addr)
	login := v.page("/demo/login?next=%2Fdemo%2Faccount")
	resp, body := v.do("POST", "/demo/login", url.Values{"user": {"demo"}, "password": {"wasmweb"}, "next": {"/demo/account"}, "_xsrf": {token(t, login)}})
	if resp.StatusCode != 200 {
		t.Fatalf("sign-in on A: %d", resp.StatusCode)
	}
	if resp, _ = v.do("POST", "/demo/account", url.Values{"text": {"written on A"}, "_xsrf": {token(t, body)}}); resp.StatusCode != 200 {
		t.Fatalf("posting on A: %d", resp.StatusCode)
	}
	mustContain(t, "B's guestbook", newVisitor(t, b.addr).page("/demo/"), "1 entry", "written on A")

	ns.Shutdown()
	ns.Restart()
	waitUntil(t, "B to read the entry after NATS restarted", func() bool {
		resp, body := newVisitor(t, b.addr).do("GET", "/demo/", nil)
		return resp.StatusCode == 200 && strings.Contains(body, "written on A")
	})
}
