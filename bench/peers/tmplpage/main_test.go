package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/wasmweb/wasmweb/bench/site/pagedata"
	"github.com/wasmweb/wasmweb/host/templates"
)

const dir = "../../site/templates"

// TestSameAsHost checks that the peer's page is byte for byte what
// wasmweb's host renders for the guest, which sends pagedata.New() as
// JSON (bench/site/page's test checks that half).
func TestSameAsHost(t *testing.T) {
	tm, err := parse(dir, pageName)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	handler(tm).ServeHTTP(rec, httptest.NewRequest("GET", "/page", nil))
	if rec.Code != 200 {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	native := rec.Body.Bytes()

	set, err := templates.Open(dir, templates.Funcs{"static_url": func(string) (string, error) { return "", nil }})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(pagedata.New())
	if err != nil {
		t.Fatal(err)
	}
	var data any
	if err := json.Unmarshal(raw, &data); err != nil {
		t.Fatal(err)
	}
	hosted, err := set.Render(pageName, data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(native, hosted) {
		os.WriteFile(t.TempDir()+"/native.html", native, 0o644)
		t.Errorf("native page (%d bytes) differs from the host's (%d bytes)\nnative:\n%s\nhost:\n%s", len(native), len(hosted), native, hosted)
	}
	if n := len(native); n < 5<<10 || n > 10<<10 {
		t.Errorf("page is %d bytes, want 5-10 KiB", n)
	}
	// Escaping at work: markup in the data must not come out as markup.
	for _, bad := range []string{"<em>", "<b>", "<friend>", "<classic>", "<script>"} {
		if bytes.Contains(native, []byte(bad)) {
			t.Errorf("page contains %q unescaped", bad)
		}
	}
}
