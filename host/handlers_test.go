package host_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host/config"
)

// failGuest builds testdata/failguest, whose handlers are "alloc",
// "chatty", "crash", "deep", "loop", "ok", "panic" and "spew".
func failGuest(t testing.TB) string {
	t.Helper()
	return goPlugin(t, "testdata/failguest")
}

// A route that names a handler the plugin does not register fails the
// load with the config file, line and key, and the plugin's handlers.
func TestHandlerNamesCheckedAtLoad(t *testing.T) {
	dir := t.TempDir()
	wasm, err := filepath.Abs(failGuest(t))
	if err != nil {
		t.Fatal(err)
	}
	hello, err := filepath.Abs(wasmPath("hello"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "wasmweb.toml")
	conf := func(handler string) string {
		return `[[site]]
name = "s"
hosts = ["*"]
[site.plugins]
app = "` + wasm + `"
hello = "` + hello + `"
[[site.route]]
path = "/"
plugin = "hello"
[[site.route]]
path = "/ok"
plugin = "app"
handler = "ok"
[[site.route]]
path = "/x"
plugin = "app"
handler = "` + handler + `"
`
	}
	load := func(handler string) error {
		t.Helper()
		if err := os.WriteFile(file, []byte(conf(handler)), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(file)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = loggedHost(t, cfg)
		return err
	}
	err = load("nosuch")
	var ce *config.Error
	if !errors.As(err, &ce) {
		t.Fatalf("load: %v, want a *config.Error", err)
	}
	want := `config ` + file + `:17: key site[0].route[2].handler: plugin "app" registers no handler "nosuch"; it has "alloc", "chatty", "crash", "deep", "loop", "ok", "panic", "spew"`
	if err.Error() != want {
		t.Errorf("load:\n%v\nwant\n%s", err, want)
	}
	if err := load("panic"); err != nil {
		t.Errorf("a good config: %v", err)
	}
}

// What a guest's wasmweb_handlers returns is checked, capped and bounded
// in time: garbage fails the load with an error naming the export, and
// never crashes or stalls it.
func TestHandlerNamesHostile(t *testing.T) {
	for _, tc := range []struct {
		guest, handler string
		want           string // in the error; "" when it loads
	}{
		{"handlers_good", "ok", ""},
		{"handlers_good", "hi", ""},
		{"handlers_good", "nosuch", `key site[0].route[0].handler: plugin "g" registers no handler "nosuch"; it has "hi", "ok"`},
		{"handlers_none", "g", `registers no handler "g"; it has none`},
		{"hello", "anything", ""}, // no export: not checked
		{"handlers_oob", "ok", "wasmweb_handlers returned 100 bytes at 0xfffa, outside memory"},
		{"handlers_huge", "ok", "wasmweb_handlers returned 4294967295 bytes of names, more than 65536"},
		{"handlers_empty", "ok", "wasmweb_handlers: name 0 is 0 bytes, want 1 to 256"},
		{"handlers_many", "a", "wasmweb_handlers returned 1100 names, more than 1024"},
		{"handlers_long", "ok", "wasmweb_handlers: name 0 is 300 bytes, want 1 to 256"},
		{"handlers_loop", "ok", "wasmweb_handlers: stopped at its deadline"},
		{"handlers_trap", "ok", "wasmweb_handlers: wasm error: unreachable"},
		{"handlers_sig", "ok", "export wasmweb_handlers has signature () -> (i32), want () -> (i64)"},
	} {
		t.Run(tc.guest+"/"+tc.handler, func(t *testing.T) {
			for _, warm := range []int{0, 1} {
				spec := config.Site{Name: "s", Hosts: []string{"*"},
					Limits:  config.Limits{Instances: 2, WarmInstances: warm, CallTimeout: config.Duration(20 * time.Millisecond)},
					Plugins: map[string]string{"g": wasmPath(tc.guest)},
					Routes:  []config.Route{{Path: "/", Plugin: "g", Handler: tc.handler}}}
				_, _, err := loggedHost(t, config.Config{Sites: []config.Site{spec}})
				switch {
				case tc.want == "" && err != nil:
					t.Errorf("warm %d: %v", warm, err)
				case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
					t.Errorf("warm %d: %v, want an error with %q", warm, err, tc.want)
				case tc.want != "" && !strings.Contains(tc.want, "key ") && !strings.Contains(err.Error(), `plugin "g"`):
					t.Errorf("warm %d: %v does not name the plugin", warm, err)
				}
			}
		})
	}
}
