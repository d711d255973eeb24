package host

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/host/config"
)

// TestManySitesConfig reads a config of 10,000 sites, each with an
// exact host name, a "*." pattern and quotas, and routes a request for
// each name to its site through the table the host serves from. The
// plugins are not loaded: that is the sites' assembly, not routing.
func TestManySitesConfig(t *testing.T) {
	const n = 10_000
	hello, err := filepath.Abs("../conformance/guests/hello.wasm")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "[[site]]\nname = \"s%d\"\nhosts = [\"site%d.example.com\", \"*.site%d.example.net\"]\n", i, i, i)
		fmt.Fprintf(&b, "[site.limits]\ncpu = \"%dms\"\nrate = %d\n", 1+i%500, 1+i%100)
		fmt.Fprintf(&b, "[site.plugins]\nhello = %q\n[[site.route]]\npath = \"/\"\nplugin = \"hello\"\n\n", hello)
	}
	cfg, err := config.Parse("many.toml", []byte(b.String()), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Sites) != n {
		t.Fatalf("%d sites, want %d", len(cfg.Sites), n)
	}
	sites := make([]*Site, n)
	for i, spec := range cfg.Sites {
		sites[i] = &Site{name: spec.Name, spec: spec}
	}
	tab, err := newSiteTable(sites)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		want := fmt.Sprint("s", i)
		for _, h := range []string{fmt.Sprintf("site%d.example.com", i), fmt.Sprintf("www.site%d.example.net:8080", i)} {
			if s := tab.byHost.Lookup([]byte(h)); s == nil || s.name != want {
				t.Fatalf("%s routes to %v, want %s", h, s, want)
			}
		}
		if s := tab.site(want); s != sites[i] {
			t.Fatalf("site(%q) = %v", want, s)
		}
		if l := cfg.Sites[i].Limits; l.Rate != float64(1+i%100) || l.Burst != 1+i%100 {
			t.Fatalf("site %d: rate %v burst %d", i, l.Rate, l.Burst)
		}
	}
	if s := tab.byHost.Lookup([]byte("site1.example.org")); s != nil {
		t.Errorf("an unlisted host routes to %s", s.name)
	}
	// Two sites claiming one name are refused, as with two.
	sites[n-1].spec.Hosts = []string{"site5.example.com"}
	if _, err := newSiteTable(sites); err == nil || !strings.Contains(err.Error(), "both claim") {
		t.Errorf("a name claimed twice among 10,000 sites: %v", err)
	}
}
