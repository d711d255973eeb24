package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"github.com/wasmweb/wasmweb/cmd/wasmweb/build"
)

const newUsage = `Usage: wasmweb new [--dir DIR] [--wasmweb CHECKOUT] NAME

Creates a plugin named NAME in DIR (default ./NAME): main.go registering a
handler called NAME (the README's example: GET /NAME/{id} answers with the
id and the q argument as JSON), a test that runs it natively, a README,
and a go.mod of its own that requires the SDK from a wasmweb checkout:
the one DIR lies in, or the one given with --wasmweb. The plugin's module
needs the SDK's modules alone (sdk, abi, internal), never the server's
dependencies. It prints the commands that test and build the plugin, and
the lines that add it to a site's config, as they work from here.
`

var pluginName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// sdkModules are the modules of a checkout that a plugin's go.mod
// requires, the SDK first, by directory under the checkout.
var sdkModules = []string{"sdk", "abi", "internal"}

const modulePrefix = "github.com/wasmweb/wasmweb"

func newCmd(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("new", newUsage)
	dir := fs.String("dir", "", "`directory` to create (default ./NAME)")
	checkout := fs.String("wasmweb", "", "`path` of a wasmweb checkout, for plugins outside one")
	if code, ok := parseFlags(fs, args, stdout, stderr); !ok {
		return code
	}
	if fs.NArg() != 1 {
		return usageError(fs, stderr, "want one plugin NAME, got %d arguments", fs.NArg())
	}
	name := fs.Arg(0)
	if !pluginName.MatchString(name) {
		fmt.Fprintf(stderr, "wasmweb new: %q is not a plugin name (lower-case letters, digits and _, starting with a letter)\n", name)
		return 2
	}
	if *dir == "" {
		*dir = name
	}
	if _, err := os.Stat(*dir); err == nil {
		fmt.Fprintf(stderr, "wasmweb new: %s already exists\n", *dir)
		return 1
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "wasmweb new: %v\n", err)
		return 1
	}
	root := wasmwebRoot(filepath.Dir(abs))
	if *checkout != "" {
		if root = wasmwebRoot(*checkout); root == "" {
			fmt.Fprintf(stderr, "wasmweb new: %s is not in a wasmweb checkout\n", *checkout)
			return 2
		}
	} else if root == "" {
		fmt.Fprintf(stderr, "wasmweb new: %s is outside a wasmweb checkout; pass --wasmweb with the checkout's path so the plugin can use the SDK\n", abs)
		return 2
	}
	gomod, err := pluginGoMod(name, abs, root)
	if err != nil {
		fmt.Fprintf(stderr, "wasmweb new: %v\n", err)
		return 1
	}
	files := map[string]string{"main.go": pluginMain, "main_test.go": pluginTest, "README.md": pluginReadme, "go.mod": gomod}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		fmt.Fprintf(stderr, "wasmweb new: %v\n", err)
		return 1
	}
	data := struct{ Name, Type string }{name, typeName(name)}
	for file, text := range files {
		var b strings.Builder
		template.Must(template.New(file).Parse(text)).Execute(&b, data)
		if err := os.WriteFile(filepath.Join(abs, file), []byte(b.String()), 0o644); err != nil {
			fmt.Fprintf(stderr, "wasmweb new: %v\n", err)
			return 1
		}
	}
	cwd, _ := os.Getwd()
	fmt.Fprintf(stdout, `wasmweb: created plugin %[1]q in %[2]s, a Go module of its own
next:
  go -C %[2]s test ./...
      # run its test natively
  %[3]s
      # compile it to %[4]s
and add it to a site in your config:
  [site.plugins]
  %[1]s = "%[5]s"          # relative to the config file
  [[site.route]]
  path = "/%[1]s/{id}"
  plugin = "%[1]s"
`, name, *dir, buildHint(self(), cwd, root, *dir, abs), build.WasmPath(*dir), filepath.ToSlash(*dir))
	return 0
}

// typeName returns the name of the handler type of the plugin name:
// name in CamelCase, posts for Posts, blog_posts for BlogPosts.
func typeName(name string) string {
	var b strings.Builder
	for part := range strings.SplitSeq(name, "_") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}

// pluginGoMod returns the go.mod of the plugin name in dir: a module of
// its own requiring the SDK's modules from the checkout at root, with the
// go version of the checkout's SDK. It is tidy as written, and needs no
// go.sum, since every module it requires is a directory. The directories
// are relative when the plugin is in the checkout, so the two move
// together; absolute otherwise.
func pluginGoMod(name, dir, root string) (string, error) {
	sdkMod, err := os.ReadFile(filepath.Join(root, "sdk", "go.mod"))
	if err != nil {
		return "", fmt.Errorf("%s has no sdk module (sdk/go.mod); is it older than this wasmweb? %w", root, err)
	}
	goVersion := ""
	for line := range strings.Lines(string(sdkMod)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "go "); ok {
			goVersion = strings.TrimSpace(v)
		}
	}
	if goVersion == "" {
		return "", fmt.Errorf("%s/sdk/go.mod names no go version", root)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "module %s\n\ngo %s\n\n", name, goVersion)
	fmt.Fprintf(&b, "require %s/%s v0.0.0\n\nrequire (\n", modulePrefix, sdkModules[0])
	for _, m := range sdkModules[1:] {
		fmt.Fprintf(&b, "\t%s/%s v0.0.0 // indirect\n", modulePrefix, m)
	}
	b.WriteString(")\n\n// The SDK's modules, from a wasmweb checkout.\nreplace (\n")
	for _, m := range slices.Sorted(slices.Values(sdkModules)) { // as go mod tidy orders them
		path := filepath.Join(root, m)
		if rel, err := filepath.Rel(dir, path); err == nil && within(root, dir) {
			path = rel
		}
		fmt.Fprintf(&b, "\t%s/%s => %s\n", modulePrefix, m, filepath.ToSlash(path))
	}
	b.WriteString(")\n")
	return b.String(), nil
}

// within reports whether path is dir or lies under it.
func within(dir, path string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// wasmwebRoot returns the root of the wasmweb checkout that contains dir,
// the nearest directory above it (or dir itself) whose go.mod is the
// server's module, or "". The go.mods of other modules on the way, a
// plugin's or the SDK's, are passed over.
func wasmwebRoot(dir string) string {
	d, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			if strings.HasPrefix(string(b), "module "+modulePrefix+"\n") {
				return d
			}
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

// invocation is how this wasmweb was started: os.Args[0] and the running
// executable's path.
type invocation struct{ arg0, exe string }

func self() invocation {
	exe, _ := os.Executable()
	return invocation{os.Args[0], exe}
}

// goRun reports whether the executable was built by go run, which keeps
// it in the build cache (GOCACHE/6f/6f6a...-d/wasmweb) or, with caching
// off, in a temporary directory (/tmp/go-build1234/b001/exe/wasmweb):
// the user cannot start it again by its path.
func (inv invocation) goRun() bool {
	exe := filepath.ToSlash(inv.exe)
	return strings.Contains(exe, "/go-build") || goRunCached.MatchString(exe)
}

// goRunCached matches where go run caches an executable.
var goRunCached = regexp.MustCompile(`/[0-9a-f]{2}/[0-9a-f]{2,}-d/[^/]+$`)

// buildHint returns the command that builds the plugin in dir (as the
// user gave it; abs is its absolute path) from cwd, started as wasmweb
// was: as the user typed it (a name found on PATH, or a path), or, after
// go run, with go run in the checkout at root.
func buildHint(inv invocation, cwd, root, dir, abs string) string {
	switch {
	case !inv.goRun():
		return inv.arg0 + " build " + dir
	case cwd == root:
		return "go run ./cmd/wasmweb build " + dir
	}
	// go -C runs in the checkout, where the plugin's path is relative to it.
	checkout, target := root, abs
	if rel, err := filepath.Rel(cwd, root); err == nil && within(root, cwd) {
		checkout = rel
	}
	if within(root, abs) {
		target, _ = filepath.Rel(root, abs)
	}
	return "go -C " + checkout + " run ./cmd/wasmweb build " + target
}

// The plugin's files, for the data {Name, Type}: the plugin's name and
// its handler type's, Name in CamelCase. What they make is the README's
// example, "Write a plugin", which a test runs as written: a handler
// that answers GET /NAME/{id} with the id and the q argument as JSON.

const pluginMain = `// Command {{.Name}} is a wasmweb plugin.
package main

import "github.com/wasmweb/wasmweb/sdk"

// {{.Type}} answers GET (and HEAD); other methods get 405 with an Allow header.
type {{.Type}} struct{}

// Get answers with the {id} of the route's path and the q argument, as JSON.
func ({{.Type}}) Get(c *sdk.Context) {
	c.WriteJSON(map[string]string{"id": c.Param("id"), "q": c.Argument("q", "")})
}

func init() { sdk.Handle("{{.Name}}", {{.Type}}{}) }

func main() {}
`

const pluginTest = `package main

import (
	"testing"

	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// The tests serve requests natively, through the SDK's fake host; the
// route's {id} is given as the host would take it from the path.
func Test{{.Type}}(t *testing.T) {
	req := sdktest.NewRequest("GET", "/{{.Name}}/7?q=x").WithParam("id", "7")
	resp := sdktest.Serve("{{.Name}}", req)
	if resp.Status != 200 || string(resp.Body) != ` + "`" + `{"id":"7","q":"x"}` + "`" + ` {
		t.Fatalf("GET: got %d %q", resp.Status, resp.Body)
	}
	resp = sdktest.Serve("{{.Name}}", sdktest.NewRequest("POST", "/{{.Name}}/7").WithParam("id", "7"))
	if resp.Status != 405 {
		t.Fatalf("POST: got %d, want 405", resp.Status)
	}
}
`

const pluginReadme = `# {{.Name}}

A wasmweb plugin. Its handler, {{.Name}}, answers GET /{{.Name}}/{id} with
the id and the q argument as JSON.

It is a Go module of its own, which needs the wasmweb SDK alone: go.mod
takes the SDK's modules from a wasmweb checkout. From this directory:

    go test ./...          # test it natively, against the SDK's fake host
    wasmweb build .        # compile it to {{.Name}}.wasm

A site serves it with these lines in its config (the path is relative
to the config file):

    [site.plugins]
    {{.Name}} = "path/to/{{.Name}}"
    [[site.route]]
    path = "/{{.Name}}/{id}"
    plugin = "{{.Name}}"
`
