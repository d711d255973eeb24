package host_test

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/cmd/wasmweb/build"
	"github.com/wasmweb/wasmweb/host/config"
)

// goPlugin builds a plugin of the repository if its .wasm is stale.
func goPlugin(t testing.TB, dir string) string {
	t.Helper()
	wasm, err := build.Ensure(context.Background(), dir, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return wasm
}

func goSite(t testing.TB, timeout time.Duration) config.Site {
	return config.Site{
		Name: "go", Hosts: []string{"*"},
		Limits:  config.Limits{CallTimeout: config.Duration(timeout)},
		Plugins: map[string]string{"hello": goPlugin(t, "../plugins/hello"), "echo": goPlugin(t, "../plugins/echo")},
		Routes:  []config.Route{{Path: "/", Plugin: "hello"}, {Path: "/echo", Plugin: "echo"}},
	}
}

func TestServeGoGuests(t *testing.T) {
	_, do := testHost(t, goSite(t, 0))
	resp, body := do("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp.StatusCode != 200 || body != "Hello, world" {
		t.Fatalf("GET /: %d %q", resp.StatusCode, body)
	}
	resp, body = do("POST /echo?a=%20b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
	if resp.StatusCode != 200 || body != "POST /echo?a=%20b\nhello" {
		t.Fatalf("POST /echo: %d %q", resp.StatusCode, body)
	}
	resp, _ = do("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
	if resp.StatusCode != 405 || resp.Header.Get("Allow") == "" {
		t.Fatalf("POST /: %d Allow=%q, want 405 with Allow", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

// BenchmarkDispatchGo measures a request to the Go hello plugin through
// netloop's parser and the host, with and without the per-call deadline.
func BenchmarkDispatchGo(b *testing.B) {
	for _, timeout := range []time.Duration{-1, 5 * time.Second} {
		name := "deadline-off"
		if timeout > 0 {
			name = "deadline-on"
		}
		b.Run(name, func(b *testing.B) {
			h, _ := testHost(b, goSite(b, timeout))
			benchDispatch(b, h)
		})
	}
}
