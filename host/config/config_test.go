package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConfigGolden parses each testdata/*.txt: the config, a line
// of dashes, then the expected error (or "ok: ..." with chosen values).
func TestConfigGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			input, want, ok := strings.Cut(string(raw), "\n----------\n")
			if !ok {
				t.Fatal("missing the ---------- separator")
			}
			want = strings.TrimSpace(want)
			cfg, err := Parse(filepath.Base(file), []byte(input+"\n"), "testdata")
			var got string
			if err != nil {
				got = err.Error()
			} else {
				s := cfg.Server
				got = fmt.Sprintf("ok: body=%d header=%d header_timeout=%v", s.MaxBodyBytes, s.MaxHeaderBytes, time.Duration(s.HeaderTimeout))
			}
			if got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// The example config in the repository parses and states the defaults.
func TestExampleConfig(t *testing.T) {
	cfg, err := Load("../../wasmweb.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	nc := cfg.Server.NetloopConfig()
	if nc.MaxBodyBytes != 10<<20 || nc.MaxHeaderBytes != 64<<10 || nc.HeaderTimeout != 10*time.Second || cfg.Server.Listen != DefaultListen {
		t.Errorf("example config does not state the defaults: %+v", cfg.Server)
	}
	// The demo site writes out the site defaults it does not change:
	// they must be the defaults WithDefaults applies.
	demo, def := cfg.Sites[0], Site{}.WithDefaults()
	demo.Limits.Instances, demo.Limits.WarmInstances, demo.Limits.RouteInstances = def.Limits.Instances, def.Limits.WarmInstances, def.Limits.RouteInstances
	if demo.Limits != def.Limits {
		t.Errorf("example [site.limits] %+v, defaults %+v", demo.Limits, def.Limits)
	}
	if demo.KV != def.KV {
		t.Errorf("example [site.kv] %+v, defaults %+v", demo.KV, def.KV)
	}
	if cfg.KV != (KV{}).WithDefaults() {
		t.Errorf("example [kv] %+v, defaults %+v", cfg.KV, KV{}.WithDefaults())
	}
	if demo.PubSub != def.PubSub {
		t.Errorf("example [site.pubsub] %+v, defaults %+v", demo.PubSub, def.PubSub)
	}
	if demo.Static.Prefix != def.Static.Prefix || demo.Locale.Default != def.Locale.Default || demo.Locale.Cookie != def.Locale.Cookie {
		t.Errorf("example static prefix %q, locale %q, cookie %q; defaults %q, %q, %q", demo.Static.Prefix, demo.Locale.Default,
			demo.Locale.Cookie, def.Static.Prefix, def.Locale.Default, def.Locale.Cookie)
	}
	if cfg.PubSub != (PubSub{}).WithDefaults() {
		t.Errorf("example [pubsub] %+v, defaults %+v", cfg.PubSub, PubSub{}.WithDefaults())
	}
}

// WithDefaults is applied both when a file is read and when a site
// built in code is loaded: applied twice, it changes nothing, and "off"
// stays off.
func TestWithDefaultsIdempotent(t *testing.T) {
	for _, s := range []Site{
		{},
		{Limits: Limits{CallTimeout: -1, Instances: 3, WarmInstances: 9, RouteInstances: 7, Memory: 100}},
		{Routes: []Route{{Path: "/", Plugin: "p"}, {Path: "/x", Plugin: "p", Handler: "h"}}},
	} {
		once := s.WithDefaults()
		twice := once.WithDefaults()
		if fmt.Sprint(once) != fmt.Sprint(twice) {
			t.Errorf("WithDefaults twice:\n%+v\nonce:\n%+v", twice, once)
		}
		if s.Limits.CallTimeout < 0 && once.Limits.CallTimeout >= 0 {
			t.Errorf("call_timeout = \"off\" became %v", once.Limits.CallTimeout)
		}
		if l := once.Limits; l.WarmInstances > l.Instances || l.RouteInstances > l.Instances || l.Memory < minMemory {
			t.Errorf("limits not brought within each other: %+v", l)
		}
		for _, r := range once.Routes {
			if r.Handler == "" {
				t.Errorf("route %s has no handler", r.Path)
			}
		}
	}
}

// The quota keys decode as written, and their defaults: no limit, a
// burst of the rate rounded up, and warm instances that fit in the
// site's instance budget.
func TestQuotaKeys(t *testing.T) {
	src := `
[[site]]
name = "a"
hosts = ["*"]
[site.limits]
cpu = "250ms"
concurrency = 4
rate = 2.5
site_instances = 3
warm_instances = 4
instances = 8
[site.plugins]
hello = "plugins/hello"
echo = "plugins/hello"
[[site.route]]
path = "/"
plugin = "hello"

[[site]]
name = "b"
hosts = ["b"]
[site.plugins]
hello = "plugins/hello"
[[site.route]]
path = "/"
plugin = "hello"
`
	cfg, err := Parse("quota.toml", []byte(src), "testdata")
	if err != nil {
		t.Fatal(err)
	}
	l := cfg.Sites[0].Limits
	want := Limits{CPU: Duration(250 * time.Millisecond), Concurrency: 4, Rate: 2.5, Burst: 3, SiteInstances: 3, WarmInstances: 1}
	if l.CPU != want.CPU || l.Concurrency != want.Concurrency || l.Rate != want.Rate || l.Burst != want.Burst ||
		l.SiteInstances != want.SiteInstances || l.WarmInstances != want.WarmInstances {
		t.Errorf("site a limits %+v, want %+v", l, want)
	}
	l = cfg.Sites[1].Limits
	if l.CPU != 0 || l.Concurrency != 0 || l.Rate != 0 || l.Burst != 0 || l.SiteInstances != 0 {
		t.Errorf("site b, no quotas set: %+v, want none", l)
	}
}
