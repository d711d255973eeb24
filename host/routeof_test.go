package host_test

import (
	"testing"

	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
)

func TestPluginOf(t *testing.T) {
	spec := config.Site{Name: "s", Hosts: []string{"a.example"},
		Plugins: map[string]string{"hello": "../conformance/guests/hello.wasm", "other": "../conformance/guests/hello.wasm"},
		Static:  config.Static{Dir: t.TempDir()},
		Routes: []config.Route{
			{Path: "/", Plugin: "hello", Methods: []string{"GET"}},
			{Path: "/other", Plugin: "other", Handler: "hello"},
		}}
	sh := startSwapHost(t, config.Server{}, spec)
	cases := []struct {
		method, host, path string
		plugin             string // "" for none
	}{
		{"GET", "a.example", "/", "hello"},
		{"HEAD", "a.example", "/", "hello"},
		{"POST", "a.example", "/", ""}, // the route is GET only
		{"POST", "a.example", "/other", "other"},
		{"GET", "a.example", "/static/x.css", ""}, // the host's own files
		{"GET", "a.example", "/nowhere", ""},
		{"GET", "b.example", "/", ""}, // no site
	}
	for _, tc := range cases {
		r := &netloop.Request{Method: []byte(tc.method), Host: []byte(tc.host), Path: []byte(tc.path)}
		site, plugin, ok := sh.h.PluginOf(r)
		if tc.plugin == "" {
			if ok {
				t.Errorf("%s %s%s: %q %q, want none", tc.method, tc.host, tc.path, site, plugin)
			}
			continue
		}
		if !ok || site != "s" || plugin != tc.plugin {
			t.Errorf("%s %s%s: %q %q %v, want \"s\" %q", tc.method, tc.host, tc.path, site, plugin, ok, tc.plugin)
		}
	}
}
