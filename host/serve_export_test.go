package host_test

import (
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
)

// A guest that exports wasmweb_serve gets every request through it, with
// the method's number (abi/ABI.md section 4), with and without the
// deadline's instrumentation.
func TestServeExportGetsTheMethod(t *testing.T) {
	for _, timeout := range []time.Duration{-1, 5 * time.Second} {
		_, do := testHost(t, config.Site{
			Name: "s", Hosts: []string{"*"},
			Limits:  config.Limits{CallTimeout: config.Duration(timeout)},
			Plugins: map[string]string{"g": wasmPath("serve")},
			Routes:  []config.Route{{Path: "/", Plugin: "g"}},
		})
		for _, tc := range []struct{ method, number string }{
			{"GET", "1"}, {"HEAD", "2"}, {"POST", "3"}, {"PUT", "4"},
			{"DELETE", "5"}, {"PATCH", "6"}, {"OPTIONS", "7"},
			{"PROPFIND", "0"}, {"get", "0"}, {"GETX", "0"},
		} {
			resp, body := do(tc.method + " / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
			if resp.StatusCode != 200 || resp.Header.Get("X-Method") != tc.number {
				t.Errorf("timeout %v, %s: %d X-Method=%q, want 200 with %s", timeout, tc.method, resp.StatusCode, resp.Header.Get("X-Method"), tc.number)
			}
			if tc.method != "HEAD" && body != "serve" {
				t.Errorf("timeout %v, %s: body %q, want wasmweb_serve's %q (not wasmweb_handle's)", timeout, tc.method, body, "serve")
			}
		}
	}
}

// An export named wasmweb_serve with another signature, or without
// wasmweb_handle beside it, fails the load with an error that names the
// plugin and what was expected.
func TestServeExportRefused(t *testing.T) {
	for _, tc := range []struct{ guest, want string }{
		{"serve_sig", "export wasmweb_serve has signature (i32) -> (i32), want (i32, i32) -> (i32)"},
		{"serve_only", "missing export wasmweb_handle"},
	} {
		for _, timeout := range []time.Duration{-1, 5 * time.Second} {
			_, _, err := loggedHost(t, config.Config{Sites: []config.Site{{
				Name: "s", Hosts: []string{"*"},
				Limits:  config.Limits{CallTimeout: config.Duration(timeout)},
				Plugins: map[string]string{"g": wasmPath(tc.guest)},
				Routes:  []config.Route{{Path: "/", Plugin: "g"}},
			}}})
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), `plugin "g"`) {
				t.Errorf("%s, timeout %v: %v, want an error naming plugin \"g\" with %q", tc.guest, timeout, err, tc.want)
			}
		}
	}
}

// The SDK's plugins export wasmweb_serve, and the host calls it, as the
// admin API's plugin status says ("export"); a WAT guest with only
// wasmweb_handle is called through that. Whether the method came with
// the call or from the host, a method set answers as before: a method
// without a number is read from the host, so it still gets 405 with
// Allow (TestMethodFromTheCall in package sdk counts the host calls).
func TestServeExportGoGuest(t *testing.T) {
	wat := watSite("wat", config.Route{Path: "/", Plugin: "hello"})
	wat.Hosts = []string{"wat.example"}
	h, do := testHost(t, goSite(t, 0), wat)
	exports := map[string]string{}
	for _, s := range host.AdminStatus(h) {
		for _, p := range s.Plugins {
			exports[s.Name+"/"+p.Name] = p.Export
		}
	}
	want := map[string]string{"go/hello": abi.ExportServe, "go/echo": abi.ExportServe, "wat/hello": abi.ExportHandle}
	if !maps.Equal(exports, want) {
		t.Errorf("exports %v, want %v", exports, want)
	}
	for _, tc := range []struct {
		method string
		status int
	}{
		{"GET", 200}, {"HEAD", 200}, {"POST", 405}, {"OPTIONS", 405}, {"PROPFIND", 405}, {"get", 405},
	} {
		resp, body := do(tc.method + " / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
		if resp.StatusCode != tc.status {
			t.Errorf("%s /: %d, want %d", tc.method, resp.StatusCode, tc.status)
		}
		switch {
		case tc.status == 405 && resp.Header.Get("Allow") != "GET, HEAD":
			t.Errorf("%s /: Allow %q, want %q", tc.method, resp.Header.Get("Allow"), "GET, HEAD")
		case tc.method == "GET" && body != "Hello, world":
			t.Errorf("GET /: body %q", body)
		}
	}
	resp, body := do("PROPFIND /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "PROPFIND /echo") {
		t.Errorf("PROPFIND /echo: %d %q, want the method echoed", resp.StatusCode, body)
	}
}
