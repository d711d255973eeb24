package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"text/template"
)

const newUsage = `Usage: wasmweb new [--dir DIR] [--wasmweb CHECKOUT] NAME

Creates a plugin named NAME in DIR (default ./NAME): main.go registering a
handler called NAME, a test that runs it natively, and a README.

Inside a wasmweb checkout the plugin joins its Go module. Elsewhere it
gets a go.mod of its own that points at the checkout given with
--wasmweb (for the SDK).
`

var pluginName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

func newCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("new", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", "", "directory to create (default ./NAME)")
	checkout := fs.String("wasmweb", "", "path of a wasmweb checkout, for plugins outside one")
	fs.Usage = func() { fmt.Fprint(stderr, newUsage) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprint(stderr, newUsage)
		return 2
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
	files := map[string]string{"main.go": pluginMain, "main_test.go": pluginTest, "README.md": pluginReadme}
	root := wasmwebRoot(filepath.Dir(abs))
	if root == "" {
		if *checkout == "" {
			fmt.Fprintf(stderr, "wasmweb new: %s is outside a wasmweb checkout; pass --wasmweb with the checkout's path so the plugin can use the SDK\n", abs)
			return 2
		}
		if wasmwebRoot(*checkout) == "" {
			fmt.Fprintf(stderr, "wasmweb new: %s is not a wasmweb checkout\n", *checkout)
			return 2
		}
		ck, _ := filepath.Abs(*checkout)
		files["go.mod"] = "module " + name + "\n\ngo 1.26\n\nrequire github.com/wasmweb/wasmweb v0.0.0\n\nreplace github.com/wasmweb/wasmweb => " + ck + "\n"
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		fmt.Fprintf(stderr, "wasmweb new: %v\n", err)
		return 1
	}
	data := struct{ Name, Dir string }{name, *dir}
	for file, text := range files {
		var b strings.Builder
		template.Must(template.New(file).Parse(text)).Execute(&b, data)
		if err := os.WriteFile(filepath.Join(abs, file), []byte(b.String()), 0o644); err != nil {
			fmt.Fprintf(stderr, "wasmweb new: %v\n", err)
			return 1
		}
	}
	fmt.Fprintf(stdout, `wasmweb: created plugin %[1]q in %[2]s
next:
  go test ./%[2]s                   # run its test natively
  wasmweb build %[2]s               # compile it to %[2]s/%[1]s.wasm
and add it to a site in your config:
  [site.plugins]
  %[1]s = "%[2]s"
  [[site.route]]
  path = "/%[1]s"
  plugin = "%[1]s"
`, name, *dir)
	return 0
}

// wasmwebRoot returns the root of the wasmweb checkout that contains dir,
// or "".
func wasmwebRoot(dir string) string {
	d, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			if strings.HasPrefix(string(b), "module github.com/wasmweb/wasmweb\n") {
				return d
			}
			return ""
		}
		parent := filepath.Dir(d)
		if parent == d {
			return ""
		}
		d = parent
	}
}

const pluginMain = `// Command {{.Name}} is a wasmweb plugin. Build it with
//
//	wasmweb build {{.Dir}}
package main

import "github.com/wasmweb/wasmweb/sdk"

// Greeter answers GET requests; other methods get 405.
type Greeter struct{}

// Get says hello to the name in the "name" argument.
func (Greeter) Get(c *sdk.Context) {
	c.SetHeader("Content-Type", "text/plain; charset=utf-8")
	c.Printf("Hello, %s, from {{.Name}}\n", c.Argument("name", "world"))
}

func init() {
	sdk.Handle("{{.Name}}", Greeter{})
}

func main() {}
`

const pluginTest = `package main

import (
	"testing"

	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

func TestGreeter(t *testing.T) {
	resp := sdktest.Serve("{{.Name}}", sdktest.NewRequest("GET", "/{{.Name}}?name=Ada"))
	if resp.Status != 200 || string(resp.Body) != "Hello, Ada, from {{.Name}}\n" {
		t.Fatalf("got %d %q", resp.Status, resp.Body)
	}
	resp = sdktest.Serve("{{.Name}}", sdktest.NewRequest("POST", "/{{.Name}}"))
	if resp.Status != 405 {
		t.Fatalf("POST: got %d, want 405", resp.Status)
	}
}
`

const pluginReadme = `# {{.Name}}

A wasmweb plugin. Its handler, {{.Name}}, answers GET with a greeting.

    go test ./{{.Dir}}          # test it natively
    wasmweb build {{.Dir}}      # compile to {{.Dir}}/{{.Name}}.wasm
`
