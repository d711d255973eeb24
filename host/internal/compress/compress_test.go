package compress

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

func TestCompress(t *testing.T) {
	big := strings.Repeat("wasmweb compresses text. ", 100) // 2,500 bytes
	cases := []struct {
		name, accept, ctype, extra, body string
		gzipped, vary                    bool
	}{
		{"gzip accepted", "gzip, deflate, br", "text/html; charset=utf-8", "", big, true, true},
		{"star accepted", "*", "application/json", "", big, true, true},
		{"q=0 refuses", "gzip;q=0, br", "text/plain", "", big, false, true},
		{"not accepted", "br", "text/plain", "", big, false, true},
		{"no header", "", "text/plain", "", big, false, true},
		{"too small", "gzip", "text/plain", "", "short", false, false},
		{"not compressible", "gzip", "image/png", "", big, false, false},
		{"already encoded", "gzip", "text/plain", "Content-Encoding: br", big, false, false},
		{"no-transform", "gzip", "text/plain", "Cache-Control: public, no-transform", big, false, false},
		{"svg", "gzip", "image/svg+xml", "", big, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
				w.SetHeader("Content-Type", tc.ctype)
				if name, value, ok := strings.Cut(tc.extra, ": "); ok {
					w.SetHeader(name, value)
				}
				w.WriteString(tc.body)
				Gzip(w, r)
			})
			c := netlooptest.Open(netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport()))
			defer c.Hangup()
			req := "GET / HTTP/1.1\r\nHost: x\r\n"
			if tc.accept != "" {
				req += "Accept-Encoding: " + tc.accept + "\r\n"
			}
			c.Feed([]byte(req + "\r\n"))
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(c.Output())), nil)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(resp.Body)
			gz := resp.Header.Get("Content-Encoding") == "gzip"
			if gz != tc.gzipped {
				t.Fatalf("gzipped = %v, want %v", gz, tc.gzipped)
			}
			if vary := resp.Header.Get("Vary") == "Accept-Encoding"; vary != tc.vary {
				t.Errorf("Vary: Accept-Encoding = %v, want %v", vary, tc.vary)
			}
			body := raw
			if gz {
				zr, err := gzip.NewReader(bytes.NewReader(raw))
				if err != nil {
					t.Fatal(err)
				}
				body, _ = io.ReadAll(zr)
				if len(raw) >= len(tc.body) {
					t.Errorf("compressed %d bytes to %d", len(tc.body), len(raw))
				}
			}
			if string(body) != tc.body {
				t.Errorf("body after decoding differs (%d bytes, want %d)", len(body), len(tc.body))
			}
		})
	}
}
