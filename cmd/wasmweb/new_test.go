package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/host/config"
)

// checkoutRoot is the root of the checkout these tests run in.
func checkoutRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil || wasmwebRoot(root) != root {
		t.Fatalf("%s is not the checkout's root (%v)", root, err)
	}
	return root
}

// A scaffolded plugin is a module of its own that needs the SDK's modules
// alone, inside a checkout or outside one, and the hints wasmweb new
// prints work verbatim from where it was run: its test passes, it builds
// to the .wasm they name, and the config lines take it into a site. From
// the plugin's own directory, as its README says, it tests and builds too.
func TestNewPluginModule(t *testing.T) {
	root := checkoutRoot(t)
	bin := filepath.Dir(wasmwebBinary(t))
	path := bin + string(filepath.ListSeparator) + os.Getenv("PATH")

	inside, err := os.MkdirTemp(root, "wasmweb-new-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(inside) })
	outside := t.TempDir()

	for _, tc := range []struct {
		name, cwd string
		args      []string
		dir       string // where the plugin is, under cwd
		replace   string // the replacement of the sdk module
	}{
		{"outside a checkout", outside, []string{"new", "--wasmweb", root, "posts"}, "posts", root + "/sdk"},
		{"inside the checkout", inside, []string{"new", "posts"}, "posts", "../../sdk"},
		{"in a directory of another name", outside, []string{"new", "--wasmweb", root, "--dir", "blog", "posts"}, "blog", root + "/sdk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(filepath.Join(bin, "wasmweb"), tc.args...)
			cmd.Args[0] = "wasmweb" // as found on PATH
			cmd.Dir = tc.cwd
			cmd.Env = append(os.Environ(), "PATH="+path)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("wasmweb %s: %v\n%s", strings.Join(tc.args, " "), err, out)
			}
			plugin := filepath.Join(tc.cwd, tc.dir)
			gomod, err := os.ReadFile(filepath.Join(plugin, "go.mod"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(gomod, []byte("module posts\n")) || !strings.Contains(string(gomod), "github.com/wasmweb/wasmweb/sdk => "+filepath.ToSlash(tc.replace)+"\n") {
				t.Errorf("go.mod:\n%s", gomod)
			}

			sh := func(dir, command string) {
				t.Helper()
				c := exec.Command("sh", "-c", command)
				c.Dir = dir
				c.Env = cmd.Env
				if out, err := c.CombinedOutput(); err != nil {
					t.Errorf("%s, in %s: %v\n%s", command, dir, err, out)
				}
			}
			wasm := filepath.Join(plugin, tc.dir+".wasm")
			hints := nextHints(t, string(out))
			if len(hints) != 2 || !strings.Contains(string(out), "compile it to "+filepath.Join(tc.dir, tc.dir+".wasm")+"\n") {
				t.Fatalf("hints %q, want a test and a build command, and the .wasm named, in:\n%s", hints, out)
			}
			for _, h := range hints {
				sh(tc.cwd, h)
			}
			if _, err := os.Stat(wasm); err != nil {
				t.Errorf("after the build hint: %v", err)
			}
			os.Remove(wasm)
			for _, command := range []string{"go test ./...", "wasmweb build ."} {
				sh(plugin, command)
			}
			if _, err := os.Stat(wasm); err != nil {
				t.Errorf("after wasmweb build . in the plugin: %v", err)
			}

			// The config lines, under a [[site]] of a config in cwd.
			toml := "[[site]]\nname = \"blog\"\nhosts = [\"*\"]\n" + configHint(t, string(out))
			cfg, err := config.Parse("blog.toml", []byte(toml), tc.cwd)
			if err != nil {
				t.Fatalf("the config lines:\n%s\n%v", toml, err)
			}
			if got := cfg.Sites[0].Plugins["posts"]; got != plugin {
				t.Errorf("the config lines take plugin %q, want %q", got, plugin)
			}
			if r := cfg.Sites[0].Routes; len(r) != 1 || r[0].Path != "/posts/{id}" || r[0].Plugin != "posts" {
				t.Errorf("the config lines route %+v", r)
			}

			goIn := func(dir string, env []string, args ...string) string {
				t.Helper()
				c := exec.Command("go", args...)
				c.Dir = dir
				c.Env = append(os.Environ(), env...)
				var stderr bytes.Buffer
				c.Stderr = &stderr
				out, err := c.Output()
				if err != nil {
					t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, stderr.Bytes())
				}
				return string(out)
			}
			goIn(plugin, nil, "mod", "tidy", "-diff") // fails when tidy would change go.mod or go.sum
			if sum, err := os.ReadFile(filepath.Join(plugin, "go.sum")); err == nil && len(sum) > 0 {
				t.Errorf("go.sum holds:\n%s", sum)
			}
			want := []string{"github.com/wasmweb/wasmweb/abi", "github.com/wasmweb/wasmweb/internal", "github.com/wasmweb/wasmweb/sdk", "posts"}
			for _, env := range [][]string{nil, {"GOOS=wasip1", "GOARCH=wasm"}} {
				mods := strings.Fields(goIn(plugin, env, "list", "-deps", "-test", "-f", "{{with .Module}}{{.Path}}{{end}}", "./..."))
				slices.Sort(mods)
				if mods = slices.Compact(mods); !slices.Equal(mods, want) {
					t.Errorf("%v: the plugin's packages come from modules %q, want %q", env, mods, want)
				}
			}
			if tc.cwd == inside {
				// The server's module, whose go test ./... and go vet ./...
				// (make test, make vet) run the checkout's tests, does not
				// take the plugin in.
				dirs := strings.Fields(goIn(root, nil, "list", "-test", "-f", "{{.Dir}}", "./..."))
				if !slices.Contains(dirs, filepath.Join(root, "cmd", "wasmweb")) {
					t.Fatalf("go list ./... in the checkout found %q", dirs)
				}
				for _, d := range dirs {
					if within(inside, d) {
						t.Errorf("go list ./... in the checkout lists the plugin's %s", d)
					}
				}
			}
		})
	}
}

// configHint returns the config lines after "add it to a site" in
// wasmweb new's output.
func configHint(t *testing.T, out string) string {
	t.Helper()
	_, rest, ok := strings.Cut(out, "and add it to a site in your config:\n")
	if !ok {
		t.Fatalf("no config lines in\n%s", out)
	}
	var b strings.Builder
	for line := range strings.Lines(rest) {
		b.WriteString(strings.TrimPrefix(line, "  "))
	}
	return b.String()
}

func TestTypeName(t *testing.T) {
	for name, want := range map[string]string{"posts": "Posts", "blog_posts": "BlogPosts", "a1": "A1", "x__y_": "XY"} {
		if got := typeName(name); got != want {
			t.Errorf("typeName(%q) = %q, want %q", name, got, want)
		}
	}
}

// nextHints returns the commands after "next:" in wasmweb new's output.
func nextHints(t *testing.T, out string) []string {
	t.Helper()
	_, rest, ok := strings.Cut(out, "next:\n")
	if !ok {
		t.Fatalf("no next: in\n%s", out)
	}
	rest, _, _ = strings.Cut(rest, "and add it")
	var hints []string
	for line := range strings.Lines(rest) {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			hints = append(hints, line)
		}
	}
	return hints
}

// The build hint starts wasmweb as the user did, from where they stand.
func TestBuildHint(t *testing.T) {
	const root = "/src/wasmweb"
	goRun := "/root/.cache/go-build/6f/6f6a7a462a8797161c8f4c3303ef688f4d67da5feb56eb0fd1eedbef19e717e1-d/wasmweb"
	for _, tc := range []struct {
		name          string
		inv           invocation
		cwd, dir, abs string
		want          string
	}{
		{"from PATH", invocation{"wasmweb", "/usr/local/bin/wasmweb"}, "/home/ada", "posts", "/home/ada/posts", "wasmweb build posts"},
		{"by its path", invocation{"./bin/wasmweb", "/home/ada/bin/wasmweb"}, "/home/ada", "posts", "/home/ada/posts", "./bin/wasmweb build posts"},
		{"go run at the root", invocation{goRun, goRun}, root, "posts", root + "/posts", "go run ./cmd/wasmweb build posts"},
		{"go run in the checkout", invocation{goRun, goRun}, root + "/plugins", "posts", root + "/plugins/posts", "go -C .. run ./cmd/wasmweb build plugins/posts"},
		{"go run outside", invocation{goRun, goRun}, "/home/ada", "posts", "/home/ada/posts", "go -C /src/wasmweb run ./cmd/wasmweb build /home/ada/posts"},
		{"go run without the cache", invocation{"/tmp/go-build123/b001/exe/wasmweb", "/tmp/go-build123/b001/exe/wasmweb"}, "/home/ada", "p", "/home/ada/p", "go -C /src/wasmweb run ./cmd/wasmweb build /home/ada/p"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := buildHint(tc.inv, tc.cwd, root, tc.dir, tc.abs); got != tc.want {
				t.Errorf("%q, want %q", got, tc.want)
			}
		})
	}
}

func TestNewRefuses(t *testing.T) {
	root := checkoutRoot(t)
	elsewhere := t.TempDir()
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"outside without --wasmweb", []string{"new", "--dir", filepath.Join(elsewhere, "a"), "a"}, 2, "pass --wasmweb"},
		{"--wasmweb not a checkout", []string{"new", "--dir", filepath.Join(elsewhere, "b"), "--wasmweb", elsewhere, "b"}, 2, "is not in a wasmweb checkout"},
		{"a bad name", []string{"new", "--wasmweb", root, "Bad-Name"}, 2, "is not a plugin name"},
		{"an existing directory", []string{"new", "--dir", elsewhere, "--wasmweb", root, "c"}, 1, "already exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tc.args, &out, &errb); code != tc.code || !strings.Contains(errb.String(), tc.contains) {
				t.Errorf("exit %d, stderr %q; want %d with %q", code, errb.String(), tc.code, tc.contains)
			}
		})
	}
	if ents, _ := os.ReadDir(elsewhere); len(ents) != 0 {
		t.Errorf("refusals left %d files behind", len(ents))
	}
}
