package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/cmd/wasmweb/dev"
)

func TestDevUsage(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		contains string
	}{
		{[]string{"dev", "--help"}, 0, "wasmweb dev [--config FILE]"},
		{[]string{"help", "dev"}, 0, "--listen"},
		{[]string{"dev", "--frobnicate"}, 2, "frobnicate"},
		{[]string{"dev", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"dev", "--config", "/nonexistent/wasmweb.toml"}, 1, "no such file"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			all := out.String() + errb.String()
			if code != tc.code || !strings.Contains(all, tc.contains) {
				t.Errorf("exit %d, output:\n%s\nwant exit %d containing %q", code, all, tc.code, tc.contains)
			}
			if code == 0 && (out.Len() == 0 || errb.Len() != 0) {
				t.Errorf("help goes to standard output: stdout %q, stderr %q", out.String(), errb.String())
			}
		})
	}
}

// startBinary runs the wasmweb binary with args in the checkout's root
// and returns the URL it serves on.
func startBinary(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = "../.."
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	})
	sc := bufio.NewScanner(stderr)
	var line string
	for sc.Scan() {
		if line = sc.Text(); strings.Contains(line, `msg="wasmweb: serving"`) {
			break
		}
	}
	go io.Copy(io.Discard, stderr)
	i := strings.Index(line, "http://")
	if i < 0 {
		t.Fatalf("no start-up line with an address (last line %q)", line)
	}
	return strings.TrimSuffix(strings.Fields(line[i:])[0], "/")
}

func fetchPage(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// serve never has dev's script, paths or error pages; dev, serving the
// same config, has them.
func TestServeHasNoDevLoop(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "wasmweb")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cache := t.TempDir()
	for _, mode := range []string{"serve", "dev"} {
		t.Run(mode, func(t *testing.T) {
			url := startBinary(t, bin, mode, "--listen", "127.0.0.1:0", "--cache-dir", cache)
			code, page := fetchPage(t, url+"/chat")
			if code != 200 || !strings.Contains(page, "</body>") {
				t.Fatalf("GET /chat = %d %q", code, page)
			}
			scriptCode, _ := fetchPage(t, url+dev.ScriptPath)
			waitCode, _ := fetchPage(t, url+dev.WaitPath+"?v=1")
			injected := strings.Contains(page, `<script src="`+dev.ScriptPath)
			switch mode {
			case "serve":
				if injected || scriptCode != 404 || waitCode != 404 {
					t.Errorf("serve: script in the page %v, GET %s %d, GET %s %d; want none, 404, 404",
						injected, dev.ScriptPath, scriptCode, dev.WaitPath, waitCode)
				}
			case "dev":
				if !injected || scriptCode != 200 || waitCode != 200 {
					t.Errorf("dev: script in the page %v, GET %s %d, GET %s %d; want it, 200, 200",
						injected, dev.ScriptPath, scriptCode, dev.WaitPath, waitCode)
				}
			}
		})
	}
}

// pageSource is a plugin answering its one route with an HTML page;
// extra is added to its source.
func pageSource(extra string) string {
	return `package main

import "github.com/wasmweb/wasmweb/sdk"

func main() {}

func init() { sdk.Handle("page", page{}) }

type page struct{}

func (page) Get(c *sdk.Context) {
	c.SetHeader("Content-Type", "text/html; charset=utf-8")
	c.WriteString("<html><body>good</body></html>")
}
` + extra
}

// A plugin whose sources stopped building since its last build: serve
// does not start (it has no error page to show instead); dev starts with
// the last build and answers the plugin's routes with the compiler's
// message, escaped.
func TestBrokenPluginAtStart(t *testing.T) {
	root, _ := filepath.Abs("../..")
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "page")
	var out, errb bytes.Buffer
	if code := run([]string{"new", "--dir", dir, "--wasmweb", root, "page"}, &out, &errb); code != 0 {
		t.Fatalf("wasmweb new: %d %s", code, errb.String())
	}
	main := filepath.Join(dir, "main.go")
	if err := os.WriteFile(main, []byte(pageSource("")), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, "main_test.go"))
	if code := run([]string{"build", dir}, &out, &errb); code != 0 {
		t.Fatalf("wasmweb build: %d %s%s", code, out.String(), errb.String())
	}
	if err := os.WriteFile(main, []byte(pageSource("\nvar _ int = \"<i>x</i>\"\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(main, later, later) // newer than the .wasm, whatever the clock's resolution
	cfg := filepath.Join(tmp, "site.toml")
	if err := os.WriteFile(cfg, []byte("[[site]]\nname = \"s\"\nhosts = [\"*\"]\n[site.plugins]\npage = \"page\"\n[[site.route]]\npath = \"/\"\nplugin = \"page\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	out.Reset()
	errb.Reset()
	code := run([]string{"serve", "--config", cfg, "--listen", "127.0.0.1:0", "--cache-dir", cache}, &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "go build failed") || strings.Contains(errb.String(), "serving") {
		t.Errorf("serve with a broken plugin: exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}

	bin := filepath.Join(t.TempDir(), "wasmweb")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	url := startBinary(t, bin, "dev", "--config", cfg, "--listen", "127.0.0.1:0", "--cache-dir", cache)
	code, page := fetchPage(t, url+"/")
	if code != 500 || !strings.Contains(page, "&lt;i&gt;x&lt;/i&gt;") || strings.Contains(page, "<i>x</i>") ||
		!strings.Contains(page, "main.go:") {
		t.Errorf("dev with a broken plugin: GET / = %d\n%s", code, page)
	}
}
