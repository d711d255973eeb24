package main

import (
	"testing"

	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

func TestHello(t *testing.T) {
	tests := []struct {
		method      string
		status      int
		body, ctype string
		allow       string
	}{
		{"GET", 200, "Hello, world", "text/plain; charset=utf-8", ""},
		{"HEAD", 200, "", "text/plain; charset=utf-8", ""},
		{"POST", 405, "", "", "GET, HEAD"},
		{"DELETE", 405, "", "", "GET, HEAD"},
	}
	for _, tc := range tests {
		t.Run(tc.method, func(t *testing.T) {
			resp := sdktest.Serve("hello", sdktest.NewRequest(tc.method, "/"))
			if resp.Status != tc.status {
				t.Fatalf("status %d, want %d (failure %q, logs %q)", resp.Status, tc.status, resp.Failure, resp.Logs)
			}
			if tc.status == 200 {
				if string(resp.Body) != tc.body {
					t.Errorf("body %q, want %q", resp.Body, tc.body)
				}
				if got := resp.Header.Get("Content-Type"); got != tc.ctype {
					t.Errorf("Content-Type %q, want %q", got, tc.ctype)
				}
			}
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
		})
	}
}
