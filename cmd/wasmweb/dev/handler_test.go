package dev

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

func gzipped(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.String()
}

func TestInject(t *testing.T) {
	const tag = `<script src="` + ScriptPath + `" data-v="7"></script>`
	page := "<html><body><p>hi</p></BODY></html>"
	withTag := "<html><body><p>hi</p>" + tag + "</BODY></html>"
	cases := []struct {
		name    string
		method  string
		header  [][2]string
		status  int
		body    string
		want    string
		wantEnc string
	}{
		{"before </body>, any case", "GET", [][2]string{{"Content-Type", "text/html; charset=utf-8"}}, 200, page, withTag, ""},
		{"appended without </body>", "GET", [][2]string{{"Content-Type", "TEXT/HTML"}}, 200, "<p>hi", "<p>hi" + tag + "\n", ""},
		{"error pages too", "GET", [][2]string{{"Content-Type", "text/html"}}, 404, page, withTag, ""},
		{"declared length fixed up", "GET", [][2]string{{"Content-Type", "text/html"}, {"x-declare", ""}}, 200, page, withTag, ""},
		{"gzipped page unpacked", "GET", [][2]string{{"Content-Type", "text/html"}, {"Content-Encoding", "gzip"}}, 200, gzipped(page), withTag, ""},
		{"broken gzip left alone", "GET", [][2]string{{"Content-Type", "text/html"}, {"Content-Encoding", "gzip"}}, 200, "not gzip", "not gzip", "gzip"},
		{"other encodings left alone", "GET", [][2]string{{"Content-Type", "text/html"}, {"Content-Encoding", "br"}}, 200, "xx", "xx", "br"},
		{"not HTML", "GET", [][2]string{{"Content-Type", "application/json"}}, 200, `{"a":"</body>"}`, `{"a":"</body>"}`, ""},
		{"no content type", "GET", nil, 200, page, page, ""},
		{"CSP with self", "GET", [][2]string{{"Content-Type", "text/html"}, {"Content-Security-Policy", "default-src 'self'; img-src *"}}, 200, page, withTag, ""},
		{"CSP without self", "GET", [][2]string{{"Content-Type", "text/html"}, {"Content-Security-Policy", "script-src 'nonce-abc'"}}, 200, page, page, ""},
		{"CSP strict-dynamic", "GET", [][2]string{{"Content-Type", "text/html"}, {"Content-Security-Policy", "script-src 'self' 'strict-dynamic'"}}, 200, page, page, ""},
		{"CSP connect-src none", "GET", [][2]string{{"Content-Type", "text/html"}, {"Content-Security-Policy", "script-src 'self'; connect-src 'none'"}}, 200, page, page, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
				for _, f := range tc.header {
					if f[0] == "x-declare" {
						w.SetContentLength(int64(len(tc.body)))
						continue
					}
					w.SetHeader(f[0], f[1])
				}
				w.SetStatus(tc.status)
				w.WriteString(tc.body)
				inject(w, r, "7")
			})
			srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
			c := netlooptest.Open(srv)
			c.Feed([]byte(tc.method + " / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
			resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(c.Output())), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if string(body) != tc.want || resp.Header.Get("Content-Encoding") != tc.wantEnc {
				t.Errorf("body %q, Content-Encoding %q; want %q, %q", body, resp.Header.Get("Content-Encoding"), tc.want, tc.wantEnc)
			}
			if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
				t.Errorf("Content-Length %s for %d bytes", cl, len(body))
			}
		})
	}
}

func TestInjectSkipsHead(t *testing.T) {
	h := netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		w.SetHeader("Content-Type", "text/html")
		w.WriteString("<body></body>")
		inject(w, r, "7")
		if strings.Contains(string(w.Body()), ScriptPath) {
			t.Errorf("HEAD answer got the script")
		}
	})
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
	c := netlooptest.Open(srv)
	c.Feed([]byte("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
	if !bytes.Contains(c.Output(), []byte("200 OK")) {
		t.Fatalf("output %q", c.Output())
	}
}

func FuzzCSP(f *testing.F) {
	for _, s := range []string{"", "default-src 'self'", "script-src 'self' 'strict-dynamic'; connect-src *", ";;;", "script-src"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, csp string) {
		cspAllowsScript(csp) // must not panic
	})
}
