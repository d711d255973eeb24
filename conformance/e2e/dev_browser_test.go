package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wasmweb/wasmweb/cmd/wasmweb/build"
	"github.com/wasmweb/wasmweb/cmd/wasmweb/dev"
	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
)

// devPageSrc is a plugin whose one page's paragraph says %s.
const devPageSrc = `package main

import "github.com/wasmweb/wasmweb/sdk"

func main() {}

func init() { sdk.Handle("page", page{}) }

type page struct{}

func (page) Get(c *sdk.Context) {
	c.SetHeader("Content-Type", "text/html; charset=utf-8")
	c.WriteString("<!DOCTYPE html><html><head><title>page</title></head><body><p id=v>%s</p></body></html>")
}
`

const devConfig = `
[[site]]
name = "dev"
hosts = ["*"]
[site.plugins]
page = "page"
[[site.route]]
path = "/"
plugin = "page"
`

// writeDevSource replaces the page plugin's main.go as editors do.
func writeDevSource(t *testing.T, dir, src string) {
	t.Helper()
	tmp := filepath.Join(dir, ".main.go.tmp")
	if err := os.WriteFile(tmp, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "main.go")); err != nil {
		t.Fatal(err)
	}
}

// startDevNode serves a page plugin, in a module of its own under a
// temporary directory, behind wasmweb dev's loop; it returns the URL and
// the plugin's directory.
func startDevNode(t *testing.T) (url, dir string) {
	root, _ := filepath.Abs("../..")
	tmp := t.TempDir()
	dir = filepath.Join(tmp, "page")
	gomod := "module page\n\ngo 1.26.0\n\nrequire github.com/wasmweb/wasmweb/sdk v0.0.0\n\n" +
		"require (\n\tgithub.com/wasmweb/wasmweb/abi v0.0.0 // indirect\n\tgithub.com/wasmweb/wasmweb/internal v0.0.0 // indirect\n)\n\nreplace (\n"
	for _, m := range []string{"abi", "internal", "sdk"} {
		gomod += fmt.Sprintf("\tgithub.com/wasmweb/wasmweb/%s => %s\n", m, filepath.Join(root, m))
	}
	gomod += ")\n"
	os.MkdirAll(dir, 0o755)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	writeDevSource(t, dir, fmt.Sprintf(devPageSrc, "one"))
	cfg, err := config.Parse(filepath.Join(tmp, "dev.toml"), []byte(devConfig), tmp)
	if err != nil {
		t.Fatal(err)
	}
	sources := dev.SourcePlugins(cfg)
	if err := cfg.BuildPlugins(func(dir string) (string, error) { return build.Build(context.Background(), dir, io.Discard) }); err != nil {
		t.Fatal(err)
	}
	engine, err := host.NewEngine(filepath.Join(os.TempDir(), "wasmweb-e2e-cache"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.Close() })
	h, err := host.New(context.Background(), engine, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	out := io.Discard
	if testing.Verbose() {
		out = os.Stderr
	}
	loop, err := dev.Start(context.Background(), dev.Options{Host: h, Plugins: sources, Sites: cfg.Sites, Out: out, WorkDir: tmp})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := netloop.NewTransport("netpoll")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := netloop.NewServer(netloop.Config{}, loop.Handler(), tr)
	go srv.Serve(ln)
	t.Cleanup(func() {
		loop.Close() // answers the pages' polls, so that the shutdown does not wait for them
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return "http://" + ln.Addr().String() + "/", dir
}

// TestDevReloadsBrowser opens a page served by wasmweb dev's loop in a
// real browser, then edits the plugin's source: the page reloads itself
// and shows the new code's answer; a build error shows the error page,
// and its fix the plugin's page again, with no help from the test.
func TestDevReloadsBrowser(t *testing.T) {
	tab := browser(t)
	url, dir := startDevNode(t)
	ctx, cancel := tab()
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.ID("v"))); err != nil {
		t.Fatalf("opening the page: %v", err)
	}
	// A mark that only this load of the page has: a reload drops it.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.devMark = true`)); err != nil {
		t.Fatal(err)
	}
	// shows waits until the page, reloaded by its own script, answers
	// want to expr; the page navigates meanwhile, so errors are retried.
	shows := func(what, expr, want string) {
		t.Helper()
		start := time.Now()
		deadline := start.Add(time.Minute)
		last := ""
		for time.Now().Before(deadline) {
			v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
			if err == nil && v == want {
				mark, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.devMark === true`))
				if err == nil && mark {
					t.Fatalf("%s: the page shows %q without having reloaded", what, want)
				}
				t.Logf("%s: the page showed it %v after the save", what, time.Since(start).Round(time.Millisecond))
				chromedp.Run(ctx, chromedp.Evaluate[bool](`window.devMark = true`))
				return
			}
			last = fmt.Sprint(v, err)
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("%s: the page did not show %q within a minute (last %s)", what, want, last)
	}
	text := `(document.getElementById("v") || {}).textContent || ""`
	writeDevSource(t, dir, fmt.Sprintf(devPageSrc, "two"))
	shows("edit", text, "two")

	broken := strings.Replace(fmt.Sprintf(devPageSrc, "two"), "type page struct{}", "type page struct{\n", 1)
	writeDevSource(t, dir, broken)
	shows("syntax error", `document.querySelector("h1") ? document.querySelector("h1").textContent : ""`, "Plugin page does not build")

	writeDevSource(t, dir, fmt.Sprintf(devPageSrc, "three"))
	shows("fix", text, "three")
}
