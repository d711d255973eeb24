package dev

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/cmd/wasmweb/build"
	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
)

// pageSrc is a plugin that answers its one route with an HTML page
// whose paragraph says %s.
const pageSrc = `package main

import "github.com/wasmweb/wasmweb/sdk"

func main() {}

func init() { sdk.Handle("page", page{}) }

type page struct{}

func (page) Get(c *sdk.Context) {
	c.SetHeader("Content-Type", "text/html; charset=utf-8")
	c.WriteString("<!DOCTYPE html><html><head><title>page</title></head><body><p id=v>%s</p></body></html>")
}
`

// writePlugin makes dir a plugin module of its own, using the SDK of
// this checkout, whose page says says.
func writePlugin(t testing.TB, dir, says string) {
	t.Helper()
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	gomod := "module page\n\ngo 1.26.0\n\nrequire github.com/wasmweb/wasmweb/sdk v0.0.0\n\n" +
		"require (\n\tgithub.com/wasmweb/wasmweb/abi v0.0.0 // indirect\n\tgithub.com/wasmweb/wasmweb/internal v0.0.0 // indirect\n)\n\nreplace (\n"
	for _, m := range []string{"abi", "internal", "sdk"} {
		gomod += fmt.Sprintf("\tgithub.com/wasmweb/wasmweb/%s => %s\n", m, filepath.Join(root, m))
	}
	gomod += ")\n"
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	writeSource(t, dir, fmt.Sprintf(pageSrc, says))
}

// writeSource replaces the plugin's main.go as editors do: a temporary
// file renamed over it.
func writeSource(t testing.TB, dir, src string) {
	t.Helper()
	tmp := filepath.Join(dir, ".main.go.tmp")
	if err := os.WriteFile(tmp, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "main.go")); err != nil {
		t.Fatal(err)
	}
}

const siteConfig = `
[[site]]
name = "dev"
hosts = ["*"]
[site.plugins]
page = "page"
[[site.route]]
path = "/"
plugin = "page"
`

// devServer is a host serving the page plugin in dir/page behind a
// development loop.
type devServer struct {
	url  string
	loop *Loop
	out  *lockedBuffer
	dir  string // the plugin's sources
	// config is the config file.
	config string
}

// lockedBuffer is a strings.Builder safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func startDev(t *testing.T, opt Options) *devServer {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "page")
	writePlugin(t, dir, "one")
	cfgPath := filepath.Join(root, "dev.toml")
	if err := os.WriteFile(cfgPath, []byte(siteConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	sources := SourcePlugins(cfg)
	if len(sources) != 1 || sources[0] != (Plugin{Site: "dev", Name: "page", Dir: dir}) {
		t.Fatalf("SourcePlugins = %+v", sources)
	}
	if err := cfg.BuildPlugins(func(dir string) (string, error) { return build.Build(context.Background(), dir, io.Discard) }); err != nil {
		t.Fatal(err)
	}
	engine, err := host.NewEngine(filepath.Join(os.TempDir(), "wasmweb-dev-test-cache"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.Close() })
	h, err := host.New(context.Background(), engine, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(context.Background()) })
	out := &lockedBuffer{}
	opt.Host, opt.Plugins, opt.Sites, opt.Out, opt.WorkDir, opt.Config = h, sources, cfg.Sites, out, root, cfgPath
	if opt.Debounce == 0 {
		opt.Debounce = 20 * time.Millisecond
	}
	loop, err := Start(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { loop.Close() })
	tr, err := netloop.NewTransport("std")
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
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return &devServer{url: "http://" + ln.Addr().String(), loop: loop, out: out, dir: dir, config: cfgPath}
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// waitFor GETs url until its body contains want, or fails after a
// minute (builds on a loaded machine are slow; the loop is not timed).
func (d *devServer) waitFor(t *testing.T, want string) (int, string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		code, body, _ := get(t, d.url+"/")
		if strings.Contains(body, want) {
			return code, body
		}
		if time.Now().After(deadline) {
			t.Fatalf("no answer with %q after a minute; last %d %q\nloop output:\n%s", want, code, body, d.out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestEditSwapsPlugin(t *testing.T) {
	d := startDev(t, Options{})
	code, body, hdr := get(t, d.url+"/")
	if code != 200 || !strings.Contains(body, "<p id=v>one</p>") {
		t.Fatalf("before the edit: %d %q", code, body)
	}
	tag := `<script src="` + ScriptPath + `" data-v="`
	if i, j := strings.Index(body, tag), strings.Index(body, "</body>"); i < 0 || j < i {
		t.Errorf("page without the live-reload script before </body>: %q", body)
	}
	if cl := hdr.Get("Content-Length"); cl != fmt.Sprint(len(body)) {
		t.Errorf("Content-Length %s for a %d-byte body", cl, len(body))
	}
	writeSource(t, d.dir, fmt.Sprintf(pageSrc, "two"))
	code, body = d.waitFor(t, "<p id=v>two</p>")
	if code != 200 {
		t.Errorf("after the edit: %d %q", code, body)
	}
	// The line follows the swap: wait for it.
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(d.out.String(), "dev: page: swapped in generation 2") {
		if time.Now().After(deadline) {
			t.Fatalf("loop output lacks the swap:\n%s", d.out.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestBuildErrorPage(t *testing.T) {
	d := startDev(t, Options{})
	// A type error whose message quotes markup: the page must escape it.
	broken := strings.Replace(fmt.Sprintf(pageSrc, "one"), "type page struct{}", "type page struct{}\n\nvar _ int = \"<b>bold</b>\"", 1)
	writeSource(t, d.dir, broken)
	code, body := d.waitFor(t, "does not build")
	if code != 500 {
		t.Errorf("broken plugin answers %d, want 500", code)
	}
	if strings.Contains(body, "<b>bold</b>") || !strings.Contains(body, "&lt;b&gt;bold&lt;/b&gt;") {
		t.Errorf("compiler message not escaped:\n%s", body)
	}
	if !strings.Contains(body, "page/main.go:") || !strings.Contains(body, "<script src=\""+ScriptPath) {
		t.Errorf("error page without the file (relative to the work dir) or the live-reload script:\n%s", body)
	}
	out := d.out.String()
	if n := strings.Count(out, "bold"); n != 1 {
		t.Errorf("terminal shows the compiler's message %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "page/main.go:") {
		t.Errorf("terminal output's file names are not relative to the work dir:\n%s", out)
	}
	writeSource(t, d.dir, fmt.Sprintf(pageSrc, "fixed"))
	if code, body := d.waitFor(t, "<p id=v>fixed</p>"); code != 200 {
		t.Errorf("fixed plugin: %d %q", code, body)
	}
	if msg := d.loop.Broken("dev", "page"); msg != "" {
		t.Errorf("still broken after the fix: %q", msg)
	}
}

// Hundreds of writes while a build runs make one more build, not
// hundreds.
func TestEditStormCoalesces(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	var mu sync.Mutex
	var saw []string
	opt := Options{Build: func(ctx context.Context, dir string, out io.Writer) (string, error) {
		once.Do(func() { <-release })
		src, _ := os.ReadFile(filepath.Join(dir, "main.go"))
		mu.Lock()
		saw = append(saw, string(src))
		mu.Unlock()
		return build.WasmPath(dir), nil
	}}
	d := startDev(t, opt)
	const writes = 300
	var last string
	for i := range writes {
		last = fmt.Sprintf(pageSrc, fmt.Sprint("storm ", i))
		if i%2 == 0 {
			writeSource(t, d.dir, last)
		} else if err := os.WriteFile(filepath.Join(d.dir, "main.go"), []byte(last), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	// Events come in order: once the loop has seen a later file's, and
	// is idle, every build the storm caused has run.
	sentinel := filepath.Join(d.dir, "sentinel.txt")
	if err := os.WriteFile(sentinel, []byte("after the storm"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for !d.loop.idle(sentinel) {
		if time.Now().After(deadline) {
			t.Fatalf("the loop was not idle a minute after the storm; %d builds", d.loop.Builds())
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	if len(saw) == 0 || saw[len(saw)-1] != last {
		t.Errorf("%d builds; the last did not see the last write", len(saw))
	}
	mu.Unlock()
	// During the storm: one build running, one queued behind it, and at
	// most one more for a debounce timer that fired after the queued
	// build began; then the sentinel's.
	if n := d.loop.Builds(); n > 4 {
		t.Errorf("%d writes made %d builds, want at most 4", writes, n)
	}
}

// The files the go command writes in a plugin's directory as it builds
// start no build.
func TestBuildOutputStartsNoBuild(t *testing.T) {
	d := startDev(t, Options{})
	var last string
	for _, name := range []string{"page.wasm-go-tmp-umask", "page.wasm"} {
		last = filepath.Join(d.dir, name)
		if err := os.WriteFile(last, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(time.Minute)
	for !d.loop.idle(last) {
		if time.Now().After(deadline) {
			t.Fatal("the loop was not idle a minute after the writes")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := d.loop.Builds(); n != 0 {
		t.Errorf("the go command's files started %d builds\n%s", n, d.out.String())
	}
}

func TestWaitAnswersAfterSwap(t *testing.T) {
	d := startDev(t, Options{})
	_, body, _ := get(t, d.url+"/")
	i := strings.Index(body, `data-v="`)
	if i < 0 {
		t.Fatalf("no version in %q", body)
	}
	v := body[i+len(`data-v="`):]
	v = v[:strings.IndexByte(v, '"')]
	// A stale version is answered at once with the current one.
	if code, got, _ := get(t, d.url+WaitPath+"?v=1"); code != 200 || got != v {
		t.Errorf("wait with a stale version: %d %q, want 200 %q", code, got, v)
	}
	type answer struct {
		code int
		body string
	}
	answered := make(chan answer, 1)
	go func() {
		resp, err := http.Get(d.url + WaitPath + "?v=" + v)
		if err != nil {
			answered <- answer{0, err.Error()}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answered <- answer{resp.StatusCode, string(b)}
	}()
	writeSource(t, d.dir, fmt.Sprintf(pageSrc, "two"))
	select {
	case a := <-answered:
		if a.code != 200 || a.body == v || a.body == "" {
			t.Errorf("wait after a swap: %d %q, want 200 and a version other than %q", a.code, a.body, v)
		}
	case <-time.After(time.Minute):
		t.Fatalf("the wait was not answered a minute after the edit\n%s", d.out.String())
	}
	if code, body, hdr := get(t, d.url+ScriptPath); code != 200 || !strings.Contains(body, WaitPath) ||
		!strings.HasPrefix(hdr.Get("Content-Type"), "text/javascript") {
		t.Errorf("script: %d %s %q", code, hdr.Get("Content-Type"), body)
	}
}

// A change to the config file goes to ReloadSite when there is one, and
// is reported as needing a restart when there is not.
func TestConfigChange(t *testing.T) {
	for _, hook := range []bool{false, true} {
		t.Run(fmt.Sprint("hook=", hook), func(t *testing.T) {
			reloaded := make(chan string, 10)
			var opt Options
			if hook {
				opt.ReloadSite = func(ctx context.Context, site string) error {
					reloaded <- site
					return nil
				}
			}
			d := startDev(t, opt)
			if err := os.WriteFile(d.config, []byte(siteConfig+"\n# edited\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			want := "dev.toml changed; restart wasmweb dev to apply it"
			if hook {
				select {
				case site := <-reloaded:
					if site != "" {
						t.Errorf("ReloadSite(%q), want the config's \"\"", site)
					}
				case <-time.After(time.Minute):
					t.Fatal("ReloadSite not called a minute after the config changed")
				}
				want = "dev.toml changed; applied"
			}
			deadline := time.Now().Add(time.Minute)
			for !strings.Contains(d.out.String(), want) {
				if time.Now().After(deadline) {
					t.Fatalf("no %q in the loop's output:\n%s", want, d.out.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			if d.loop.Builds() != 0 {
				t.Errorf("a config change rebuilt the plugin")
			}
		})
	}
}
