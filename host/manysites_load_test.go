package host_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host/config"
)

// TestManySitesLoad loads 10,000 sites (2,000 under the race detector,
// whose shadow memory would make it slow), each with its own host name
// and the same plugin, through host.New as the server does, and asks a
// spread of them for their page. The module is compiled once; a site
// that has not been asked has no instance, and the host runs no
// goroutine per site: a site costs its routes, config and metrics.
func TestManySitesLoad(t *testing.T) {
	n := 10_000
	if raceEnabled {
		n = 2_000
	}
	hello, err := filepath.Abs("../conformance/guests/hello.wasm")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "[[site]]\nname = \"s%d\"\nhosts = [\"site%d.example.com\"]\n", i, i)
		fmt.Fprintf(&b, "[site.limits]\nrate = %d\n", 100+i%100)
		fmt.Fprintf(&b, "[site.plugins]\nhello = %q\n[[site.route]]\npath = \"/\"\nplugin = \"hello\"\n\n", hello)
	}
	cfg, err := config.Parse("many.toml", []byte(b.String()), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	start := time.Now()
	h, do := testHost(t, cfg.Sites...)
	t.Logf("%d sites loaded in %v", n, time.Since(start).Round(time.Millisecond))
	if extra := runtime.NumGoroutine() - before; extra > 100 {
		t.Errorf("loading %d sites started %d goroutines", n, extra)
	}
	if st, ok := h.InstanceStats(fmt.Sprint("s", n/2), "hello"); !ok || st.Live != 0 {
		t.Errorf("a site never asked: %+v, %v; want no instance", st, ok)
	}
	for i := 0; i < n; i += n / 50 {
		resp, body := do(fmt.Sprintf("GET / HTTP/1.1\r\nHost: site%d.example.com\r\n\r\n", i))
		if resp.StatusCode != 200 || body != "Hello, world" {
			t.Fatalf("site%d.example.com: %d %q", i, resp.StatusCode, body)
		}
	}
	if resp, _ := do("GET / HTTP/1.1\r\nHost: site1.example.org\r\n\r\n"); resp.StatusCode != 404 && resp.StatusCode != 421 {
		t.Errorf("an unlisted host: %d", resp.StatusCode)
	}
	if st, ok := h.InstanceStats("s0", "hello"); !ok || st.Live != 1 {
		t.Errorf("the first site after its request: %+v, %v; want one instance", st, ok)
	}
	if extra := runtime.NumGoroutine() - before; extra > 100 {
		t.Errorf("after 50 sites served: %d goroutines more than before the load", extra)
	}
}
