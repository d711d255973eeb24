package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// static stands for the upstream's /static/ directory; it wants the
// token when one is given.
func static(token string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" && r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/static/demo.css":
			w.Header().Set("Content-Type", "text/css")
			io.WriteString(w, "body { margin: 0 }\nh1 { color: red }\n")
		case "/static/big.txt":
			io.WriteString(w, strings.Repeat("x", 5<<20))
		default:
			http.NotFound(w, r)
		}
	})
}

func TestRelay(t *testing.T) {
	const up = "http://127.0.0.1:8888"
	base := sdktest.NewRequest("GET", "/relay").WithVar("upstream", up)
	for _, tc := range []struct {
		name   string
		req    *sdktest.Request
		status int
		body   string
	}{
		{"default file", base.WithUpstream(up, static("")), 200,
			up + "/static/demo.css: 200, 37 bytes, text/css\nbody { margin: 0 }\n"},
		{"with a token", sdktest.NewRequest("GET", "/relay?file=demo.css").WithVar("upstream", up).WithVar("token", "s3cret").
			WithUpstream(up, static("s3cret")), 200, up + "/static/demo.css: 200, 37 bytes, text/css\nbody { margin: 0 }\n"},
		{"missing file", sdktest.NewRequest("GET", "/relay?file=nope.css").WithVar("upstream", up).WithUpstream(up, static("")), 200,
			up + "/static/nope.css: 404, 19 bytes, text/plain; charset=utf-8\n404 page not found\n"},
		{"upstream not allowed", base, 502, ""},
		{"body over the cap", sdktest.NewRequest("GET", "/relay?file=big.txt").WithVar("upstream", up).WithUpstream(up, static("")), 502, ""},
		{"no upstream variable", sdktest.NewRequest("GET", "/relay").WithUpstream(up, static("")), 500, ""},
		{"file outside static", sdktest.NewRequest("GET", "/relay?file=../admin").WithVar("upstream", up).WithUpstream(up, static("")), 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := sdktest.Serve("relay", tc.req)
			if resp.Status != tc.status {
				t.Fatalf("status %d, want %d (failure %q, logs %q)", resp.Status, tc.status, resp.Failure, resp.Logs)
			}
			if tc.body != "" && string(resp.Body) != tc.body {
				t.Errorf("body %q, want %q", resp.Body, tc.body)
			}
		})
	}
}
