package host_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/host/config"
)

// TestPersist: with ?persist=1 a site's PUT and DELETE rewrite its
// table in the config file, keeping the rest and its comments, and a
// plugin's PUT writes the module over the .wasm file the config names:
// a reload afterwards finds nothing to change. A change that cannot be
// written is refused with nothing changed.
func TestPersist(t *testing.T) {
	a, b := variant(t, "hello", bodyA, bodyB)
	rh := startReloadHost(t, "")
	rh.put(t, "a.wasm", a)
	pb := rh.put(t, "b.wasm", b)
	const head = "# The server's sites.\n[server]\nidle_timeout = \"30s\" # keep\n\n"
	rh.write(t, head+"# Site s.\n"+siteTOML("s", `"s.test"`, "a.wasm", "")+"\n# The other site.\n"+siteTOML("other", `"other.test"`, "a.wasm", "")+"# The end.\n")
	if _, err := rh.h.ReloadFile(context.Background()); err != nil {
		t.Fatal(err)
	}
	file := func() string {
		t.Helper()
		b, err := os.ReadFile(rh.file)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	unchangedOnReload := func(what string) {
		t.Helper()
		res, err := rh.h.ReloadFile(context.Background())
		if err != nil || len(res.Changes) != 0 {
			t.Fatalf("reload after %s: %+v, %v; want nothing to change: the file says what serves\n%s", what, res, err, file())
		}
	}

	// A site: its table is replaced, the rest kept.
	status, v := rh.call(t, "PUT", "/v1/sites/s?persist=1", []byte("# s, now on b.\n"+siteTOML("s", `"s.test"`, "b.wasm", "")), "")
	if status != 200 || v["persisted"] != rh.file || !strings.Contains(v["note"].(string), "written") {
		t.Fatalf("PUT ?persist=1: %d %v", status, v)
	}
	f := file()
	for _, want := range []string{head, "# Site s.\n# s, now on b.\n[[site]]", "# The other site.\n", "# The end.\n", `hello = "b.wasm"`} {
		if !strings.Contains(f, want) {
			t.Errorf("the file lacks %q:\n%s", want, f)
		}
	}
	unchangedOnReload("PUT of a site")

	// A plugin: the file the config names gets the module.
	status, v = rh.call(t, "PUT", "/v1/sites/s/plugins/hello?persist=1", a, "")
	if status != 200 || v["persisted"] != pb {
		t.Fatalf("PUT plugin ?persist=1: %d %v", status, v)
	}
	if got, _ := os.ReadFile(pb); !bytes.Equal(got, a) {
		t.Fatalf("%s does not hold the module put", pb)
	}
	unchangedOnReload("PUT of a plugin")
	rh.put(t, "b.wasm", b)
	if _, err := rh.h.ReloadFile(context.Background()); err != nil {
		t.Fatal(err)
	}

	// A removal: the table goes, the comments around it stay.
	status, v = rh.call(t, "DELETE", "/v1/sites/other?persist=1", nil, "")
	if status != 200 || v["persisted"] != rh.file {
		t.Fatalf("DELETE ?persist=1: %d %v", status, v)
	}
	if f := file(); strings.Contains(f, `"other"`) || !strings.Contains(f, "# The other site.\n") || !strings.Contains(f, "# The end.\n") {
		t.Fatalf("after DELETE:\n%s", f)
	}
	unchangedOnReload("DELETE")

	// Refusals: nothing changes, in memory or in the file.
	gen, _ := rh.generation(t, "s", "hello")
	before := file()
	for _, tc := range []struct {
		name, method, path, file string
		body                     []byte
		status                   int
	}{
		{"bad flag", "PUT", "/v1/sites/s?persist=yes", "", []byte(siteTOML("s", `"s.test"`, "a.wasm", "")), 400},
		{"a file that does not parse", "PUT", "/v1/sites/s?persist=1", before + "not toml\n", []byte(siteTOML("s", `"s.test"`, "a.wasm", "")), 409},
		{"a site the file lacks", "DELETE", "/v1/sites/gone?persist=1", "", nil, 404},
		{"a plugin the site lacks", "PUT", "/v1/sites/s/plugins/nope?persist=1", "", a, 404},
		{"a plugin given as a directory", "PUT", "/v1/sites/s/plugins/hello?persist=1",
			head + siteTOML("s", `"s.test"`, rh.dir, ""), a, 409},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.file != "" {
				rh.write(t, tc.file)
				defer rh.write(t, before)
			}
			status, v := rh.call(t, tc.method, tc.path, tc.body, "")
			if status != tc.status {
				t.Fatalf("%d %v, want %d", status, v, tc.status)
			}
			if g, _ := rh.generation(t, "s", "hello"); g != gen {
				t.Fatalf("generation %v, was %v", g, gen)
			}
			if tc.file == "" && file() != before {
				t.Fatalf("the file changed:\n%s", file())
			}
		})
	}

	// A host without a config file cannot persist.
	sh := startSwapHost(t, config.Server{}, helloSpec())
	if status, v := sh.call(t, "PUT", "/v1/sites/s/plugins/hello?persist=1", b, ""); status != 409 || v["cause"] != "no_config" {
		t.Fatalf("persist without a config file: %d %v", status, v)
	}
	if matches, _ := filepath.Glob(filepath.Join(rh.dir, ".*.tmp")); len(matches) != 0 {
		t.Fatalf("temporary files left: %v", matches)
	}
}
