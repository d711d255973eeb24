package host_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
)

// A site whose translations do not load does not start, and the error
// names the file and line.
func TestSiteTranslationsError(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "es.csv"), []byte("\"Sign in\",\"Entrar\"\n\"a\",\"b\",\"both\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	engine, err := host.NewEngine("")
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	spec := watSite("l10n", config.Route{Path: "/", Plugin: "hello"})
	spec.Locale.Dir = dir
	h, err := host.New(context.Background(), engine, config.Config{Sites: []config.Site{spec}}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		h.Close(context.Background())
		t.Fatal("the site loaded")
	}
	if want := filepath.Join(dir, "es.csv") + ":2: third field \"both\""; !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want it to contain %q", err, want)
	}
	spec.Locale.Dir, spec.Locale.Default = "", "no locale"
	if h, err := host.New(context.Background(), engine, config.Config{Sites: []config.Site{spec}}, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil {
		h.Close(context.Background())
		t.Error("a site with a bad default locale loaded")
	}
}
