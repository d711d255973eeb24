package main

import (
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

func TestEcho(t *testing.T) {
	tests := []struct {
		name, method, target, body string
	}{
		{"get", "GET", "/echo", ""},
		{"post with query", "POST", "/echo?x=1&y=%20", "some body"},
		{"target verbatim", "PUT", "/echo/../a%2Fb?q=%zz#", "x"},
		{"binary body", "PATCH", "/echo", "\x00\xff\r\n"},
		{"large body", "POST", "/echo", strings.Repeat("0123456789", 200_000)},
		{"other method", "PROPFIND", "*", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := sdktest.Serve("echo", sdktest.NewRequest(tc.method, tc.target).WithBodyString(tc.body))
			if resp.Status != 200 {
				t.Fatalf("status %d (failure %q, logs %q)", resp.Status, resp.Failure, resp.Logs)
			}
			if want := tc.method + " " + tc.target + "\n" + tc.body; string(resp.Body) != want {
				t.Errorf("body %.80q, want %.80q", resp.Body, want)
			}
			if got := resp.Header.Get("Content-Type"); got != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
		})
	}
	if resp := sdktest.Serve("echo", sdktest.NewRequest("HEAD", "/echo")); resp.Status != 200 || len(resp.Body) != 0 {
		t.Errorf("HEAD: %d %q, want 200 and no body", resp.Status, resp.Body)
	}
}
