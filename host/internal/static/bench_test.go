package static_test

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host/internal/static"
	"github.com/wasmweb/wasmweb/netloop"
)

// sinkConn is a connection that keeps only the last write, so that a
// benchmark can check a response without the output growing.
type sinkConn struct{ last []byte }

func (c *sinkConn) Send(p []byte, _ time.Duration) error {
	c.last = append(c.last[:0], p...)
	return nil
}
func (c *sinkConn) CloseWrite() error    { return nil }
func (c *sinkConn) Close() error         { return nil }
func (c *sinkConn) RemoteAddr() net.Addr { return sinkAddr }

var sinkAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}

// status returns the status line of the last response.
func (c *sinkConn) status() string { s, _, _ := strings.Cut(string(c.last), "\r\n"); return s }

// header returns the value of the last response's field name.
func (c *sinkConn) header(name string) string {
	head, _, _ := bytes.Cut(c.last, []byte("\r\n\r\n"))
	for _, line := range strings.Split(string(head), "\r\n")[1:] {
		if k, v, ok := strings.Cut(line, ": "); ok && strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

// BenchmarkServe serves a 10 KiB stylesheet, as bench/site.sh does,
// through Dir.ServeHTTP on a keep-alive netloop connection: the entry
// point the host uses. Each iteration is one request and its response.
func BenchmarkServe(b *testing.B) {
	dir := b.TempDir()
	line := []byte(".c { margin: 0 1px; color: #123456; }\n")
	css := bytes.Repeat(line, 10240/len(line)+1)[:10240]
	if err := os.WriteFile(filepath.Join(dir, "app.css"), css, 0o644); err != nil {
		b.Fatal(err)
	}
	// A second file with a gzip sibling, for the precompressed case.
	if err := os.WriteFile(filepath.Join(dir, "app.js"), css, 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app.js.gz"), css[:4096], 0o644); err != nil {
		b.Fatal(err)
	}
	d, err := static.Open(dir, static.Options{Prefix: "/static/"})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	versioned, err := d.URL("app.css")
	if err != nil {
		b.Fatal(err)
	}
	h := netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		if !d.ServeHTTP(w, r) {
			w.SetStatus(404)
		}
	})
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())

	conn := &sinkConn{}
	st := srv.Open(conn)
	defer st.Hangup()
	st.Input([]byte(get("/static/app.css")))
	etag := conn.header("ETag")

	for _, bc := range []struct {
		name, req, status string
		body              int // bytes of body to check, 0 for none
	}{
		{"plain", get("/static/app.css"), "HTTP/1.1 200 OK", len(css)},
		{"versioned", get(versioned), "HTTP/1.1 200 OK", len(css)},
		{"not-modified", get("/static/app.css", hdr("If-None-Match", etag)), "HTTP/1.1 304 Not Modified", 0},
		{"gzip", get("/static/app.js", hdr("Accept-Encoding", "gzip, deflate, br")), "HTTP/1.1 200 OK", 4096},
		{"range", get("/static/app.css", hdr("Range", "bytes=100-1099")), "HTTP/1.1 206 Partial Content", 1000},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := []byte(bc.req)
			st.Input(req)
			if got := conn.status(); got != bc.status {
				b.Fatalf("status line %q, want %q\n%s", got, bc.status, conn)
			}
			if bc.body > 0 && len(conn.last) < bc.body {
				b.Fatalf("response of %d bytes, want a %d-byte body", len(conn.last), bc.body)
			}
			b.SetBytes(int64(bc.body))
			b.ReportAllocs()
			for b.Loop() {
				st.Input(req)
			}
		})
	}
}
