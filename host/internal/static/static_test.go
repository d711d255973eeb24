package static_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host/internal/static"
	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

const secret = "TOP SECRET"

var appJS = strings.Repeat("console.log('hello from app.js');\n", 64)

// fixture builds a directory tree with a static root beside files that
// must never be served, and returns the root's path.
//
//	tmp/secret.txt            outside the root
//	tmp/static_foo.txt        sibling of the prefix
//	tmp/static_foo/secret.txt sibling directory
//	tmp/static/...            the root
func fixture(t *testing.T) (root string, big []byte) {
	t.Helper()
	tmp := t.TempDir()
	root = filepath.Join(tmp, "static")
	write := func(name string, data []byte) {
		t.Helper()
		p := filepath.Join(tmp, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("secret.txt", []byte(secret))
	write("static_foo.txt", []byte(secret))
	write("static_foo/secret.txt", []byte(secret))
	write("static/hello.txt", []byte("hello, world\n"))
	write("static/app.js", []byte(appJS))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(appJS))
	zw.Close()
	write("static/app.js.gz", gz.Bytes())
	write("static/app.js.br", []byte("BROTLI-BYTES")) // served, never decoded
	write("static/style.css", []byte("body{}"))
	write("static/data.weirdext", []byte{0, 1, 2})
	write("static/.env", []byte(secret))
	write("static/sub/page.html", []byte("<p>page</p>"))
	write("static/sub/index.html", []byte("<p>index</p>"))
	write("static/sub/.hidden", []byte(secret))
	big = make([]byte, 2<<20)
	rand.Read(big)
	write("static/big.bin", big)
	for link, target := range map[string]string{
		"static/link.txt":  "../secret.txt",
		"static/linkdir":   "..",
		"static/alias.txt": "hello.txt",
	} {
		if err := os.Symlink(target, filepath.Join(tmp, link)); err != nil {
			t.Fatal(err)
		}
	}
	return root, big
}

// serve opens root and returns a function that sends one raw request
// through an in-memory netloop connection. A request the Dir declines is
// answered 404 with X-Routed-On, as a router would.
func serve(t *testing.T, root string, opts static.Options) (*static.Dir, func(raw string) (*http.Response, string)) {
	t.Helper()
	d, err := static.Open(root, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	h := netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		if !d.ServeHTTP(w, r) {
			w.SetStatus(404)
			w.SetHeader("X-Routed-On", "1")
		}
	})
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
	do := func(raw string) (*http.Response, string) {
		c := netlooptest.Open(srv)
		defer c.Hangup()
		c.Feed([]byte(raw))
		out := c.Output()
		method, _, _ := strings.Cut(raw, " ")
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), &http.Request{Method: method})
		if err != nil {
			t.Fatalf("response to %q: %v (output %.200q)", raw, err, out)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("body of response to %q: %v", raw, err)
		}
		return resp, string(body)
	}
	return d, do
}

func get(path string, headers ...string) string {
	return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + strings.Join(headers, "") + "\r\n"
}

func hdr(name, value string) string { return name + ": " + value + "\r\n" }

func TestTraversal(t *testing.T) {
	root, _ := fixture(t)
	_, do := serve(t, root, static.Options{Prefix: "/static/"})
	for _, tc := range []struct {
		name, path string
		want       []int // any of these
		routedOn   bool  // the Dir must decline the path
	}{
		{"dotdot", "/static/../secret.txt", []int{404}, false},
		{"encoded dotdot", "/static/%2e%2e/secret.txt", []int{404}, false},
		{"encoded dotdot upper", "/static/%2E%2E/secret.txt", []int{404}, false},
		{"dotdot encoded slash", "/static/..%2fsecret.txt", []int{404}, false},
		{"all encoded", "/static/%2e%2e%2fsecret.txt", []int{404}, false},
		{"encoded leading slash", "/static/%2fetc/passwd", []int{404}, false},
		{"deep dotdot", "/static/sub/../../secret.txt", []int{404}, false},
		{"dot segment", "/static/./hello.txt", []int{404}, false},
		{"empty segment", "/static/sub//page.html", []int{404}, false},
		{"sibling prefix via dotdot", "/static/../static_foo.txt", []int{404}, false},
		{"sibling dir", "/static_foo/secret.txt", []int{404}, true},
		{"sibling prefix", "/staticfoo", []int{404}, true},
		{"prefix without slash", "/static", []int{404}, true},
		{"symlink out of root", "/static/link.txt", []int{403, 404}, false},
		{"symlinked dir out of root", "/static/linkdir/secret.txt", []int{403, 404}, false},
		{"NUL", "/static/hello.txt%00.js", []int{404}, false},
		{"encoded backslash", "/static/sub%5cpage.html", []int{404}, false},
		{"encoded backslash dotdot", "/static/..%5csecret.txt", []int{404}, false},
		{"raw backslash", `/static/..\secret.txt`, []int{400, 404}, false},
		{"dotfile", "/static/.env", []int{404}, false},
		{"dotfile in subdir", "/static/sub/.hidden", []int{404}, false},
		{"encoded dotfile", "/static/%2eenv", []int{404}, false},
		{"directory", "/static/sub", []int{404}, false},
		{"directory slash", "/static/sub/", []int{404}, false},
		{"root", "/static/", []int{404}, false},
		{"bad escape", "/static/%zz", []int{400}, false},
		{"missing", "/static/nope.txt", []int{404}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(get(tc.path))
			ok := false
			for _, s := range tc.want {
				ok = ok || resp.StatusCode == s
			}
			if !ok {
				t.Errorf("status %d, want one of %v", resp.StatusCode, tc.want)
			}
			if strings.Contains(body, secret) {
				t.Errorf("served a file outside the root: %q", body)
			}
			if routed := resp.Header.Get("X-Routed-On") != ""; routed != tc.routedOn {
				t.Errorf("routed on = %v, want %v", routed, tc.routedOn)
			}
		})
	}
}

func TestServe(t *testing.T) {
	root, _ := fixture(t)
	_, do := serve(t, root, static.Options{Prefix: "/static/"})
	for _, tc := range []struct {
		path, ctype, body string
	}{
		{"/static/hello.txt", "text/plain; charset=utf-8", "hello, world\n"},
		{"/static/app.js", "text/javascript; charset=utf-8", appJS},
		{"/static/style.css", "text/css; charset=utf-8", "body{}"},
		{"/static/sub/page.html", "text/html; charset=utf-8", "<p>page</p>"},
		{"/static/sub/index.html", "text/html; charset=utf-8", "<p>index</p>"},
		{"/static/data.weirdext", "application/octet-stream", "\x00\x01\x02"},
		{"/static/alias.txt", "text/plain; charset=utf-8", "hello, world\n"}, // symlink inside the root
		{"/static/hello%2etxt", "text/plain; charset=utf-8", "hello, world\n"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := do(get(tc.path))
			if resp.StatusCode != 200 || body != tc.body {
				t.Fatalf("status %d body %.40q, want 200 %.40q", resp.StatusCode, body, tc.body)
			}
			for name, want := range map[string]string{
				"Content-Type":           tc.ctype,
				"X-Content-Type-Options": "nosniff",
				"Accept-Ranges":          "bytes",
				"Cache-Control":          "no-cache",
				"Content-Length":         strconv.Itoa(len(tc.body)),
			} {
				if got := resp.Header.Get(name); got != want {
					t.Errorf("%s = %q, want %q", name, got, want)
				}
			}
			if etag := resp.Header.Get("ETag"); len(etag) != 18 || etag[0] != '"' || etag[17] != '"' {
				t.Errorf("ETag %q, want a strong quoted 16-digit hash", etag)
			}
			if _, err := http.ParseTime(resp.Header.Get("Last-Modified")); err != nil {
				t.Errorf("Last-Modified %q: %v", resp.Header.Get("Last-Modified"), err)
			}
			wantVary := ""
			if tc.path == "/static/app.js" {
				wantVary = "Accept-Encoding" // it has .gz and .br siblings
			}
			if got := resp.Header.Get("Vary"); got != wantVary {
				t.Errorf("Vary %q, want %q", got, wantVary)
			}
		})
	}
}

func TestHead(t *testing.T) {
	root, big := fixture(t)
	_, do := serve(t, root, static.Options{Prefix: "/static/"})
	for _, tc := range []struct {
		path string
		size int
	}{{"/static/hello.txt", 13}, {"/static/big.bin", len(big)}} {
		resp, body := do("HEAD " + tc.path + " HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp.StatusCode != 200 || body != "" || resp.ContentLength != int64(tc.size) || resp.Header.Get("ETag") == "" {
			t.Errorf("HEAD %s: %d len=%d body %d bytes ETag %q", tc.path, resp.StatusCode, resp.ContentLength, len(body), resp.Header.Get("ETag"))
		}
	}
}

func TestMethodNotAllowed(t *testing.T) {
	root, _ := fixture(t)
	_, do := serve(t, root, static.Options{Prefix: "/static/"})
	for _, m := range []string{"POST", "PUT", "DELETE", "OPTIONS"} {
		resp, _ := do(m + " /static/hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("%s: %d Allow=%q, want 405 GET, HEAD", m, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
}

func TestConditional(t *testing.T) {
	root, _ := fixture(t)
	_, do := serve(t, root, static.Options{Prefix: "/static/"})
	first, _ := do(get("/static/hello.txt"))
	etag, lastMod := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
	earlier := time.Now().Add(-48 * time.Hour).UTC().Format(http.TimeFormat)
	later := time.Now().Add(48 * time.Hour).UTC().Format(http.TimeFormat)
	for _, tc := range []struct {
		name    string
		headers []string
		want    int
	}{
		{"etag", []string{hdr("If-None-Match", etag)}, 304},
		{"weak etag", []string{hdr("If-None-Match", "W/"+etag)}, 304},
		{"etag in list", []string{hdr("If-None-Match", `"nope", `+etag)}, 304},
		{"star", []string{hdr("If-None-Match", "*")}, 304},
		{"other etag", []string{hdr("If-None-Match", `"0123456789abcdef"`)}, 200},
		{"malformed etag", []string{hdr("If-None-Match", "nope")}, 200},
		{"if-modified-since equal", []string{hdr("If-Modified-Since", lastMod)}, 304},
		{"if-modified-since later", []string{hdr("If-Modified-Since", later)}, 304},
		{"if-modified-since earlier", []string{hdr("If-Modified-Since", earlier)}, 200},
		{"if-modified-since garbage", []string{hdr("If-Modified-Since", "yesterday")}, 200},
		{"if-none-match wins", []string{hdr("If-None-Match", `"nope"`), hdr("If-Modified-Since", lastMod)}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(get("/static/hello.txt", tc.headers...))
			if resp.StatusCode != tc.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.want)
			}
			if tc.want == 304 && (body != "" || resp.Header.Get("ETag") != etag || resp.Header.Get("Cache-Control") != "no-cache") {
				t.Errorf("304 with body %q ETag %q Cache-Control %q", body, resp.Header.Get("ETag"), resp.Header.Get("Cache-Control"))
			}
		})
	}
}

func TestRange(t *testing.T) {
	root, big := fixture(t)
	_, do := serve(t, root, static.Options{Prefix: "/static/"})
	const file = "hello, world\n" // 13 bytes
	first, _ := do(get("/static/hello.txt"))
	etag, lastMod := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
	for _, tc := range []struct {
		name     string
		path     string
		headers  []string
		status   int
		body     string
		cr       string // Content-Range
		encoding string
	}{
		{"first-last", "/static/hello.txt", []string{hdr("Range", "bytes=0-4")}, 206, "hello", "bytes 0-4/13", ""},
		{"open end", "/static/hello.txt", []string{hdr("Range", "bytes=7-")}, 206, "world\n", "bytes 7-12/13", ""},
		{"suffix", "/static/hello.txt", []string{hdr("Range", "bytes=-6")}, 206, "world\n", "bytes 7-12/13", ""},
		{"suffix longer than file", "/static/hello.txt", []string{hdr("Range", "bytes=-100")}, 206, file, "bytes 0-12/13", ""},
		{"end past file", "/static/hello.txt", []string{hdr("Range", "bytes=7-1000")}, 206, "world\n", "bytes 7-12/13", ""},
		{"unsatisfiable", "/static/hello.txt", []string{hdr("Range", "bytes=13-")}, 416, "", "bytes */13", ""},
		{"empty suffix", "/static/hello.txt", []string{hdr("Range", "bytes=-0")}, 416, "", "bytes */13", ""},
		{"multiple ranges", "/static/hello.txt", []string{hdr("Range", "bytes=0-1,3-4")}, 200, file, "", ""},
		{"malformed", "/static/hello.txt", []string{hdr("Range", "bytes=4-1")}, 200, file, "", ""},
		{"other unit", "/static/hello.txt", []string{hdr("Range", "items=0-1")}, 200, file, "", ""},
		{"if-range etag", "/static/hello.txt", []string{hdr("Range", "bytes=0-4"), hdr("If-Range", etag)}, 206, "hello", "bytes 0-4/13", ""},
		{"if-range date", "/static/hello.txt", []string{hdr("Range", "bytes=0-4"), hdr("If-Range", lastMod)}, 206, "hello", "bytes 0-4/13", ""},
		{"if-range stale", "/static/hello.txt", []string{hdr("Range", "bytes=0-4"), hdr("If-Range", `"0123456789abcdef"`)}, 200, file, "", ""},
		{"if-range weak", "/static/hello.txt", []string{hdr("Range", "bytes=0-4"), hdr("If-Range", "W/"+etag)}, 200, file, "", ""},
		{"precompressed ignores range", "/static/app.js", []string{hdr("Range", "bytes=0-4"), hdr("Accept-Encoding", "br")}, 200, "BROTLI-BYTES", "", "br"},
		{"big", "/static/big.bin", []string{hdr("Range", "bytes=1048570-1048580")}, 206, string(big[1048570:1048581]), "bytes 1048570-1048580/2097152", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(get(tc.path, tc.headers...))
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tc.status)
			}
			if tc.status != 416 && body != tc.body {
				t.Errorf("body %.40q, want %.40q", body, tc.body)
			}
			if got := resp.Header.Get("Content-Range"); got != tc.cr {
				t.Errorf("Content-Range %q, want %q", got, tc.cr)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tc.encoding {
				t.Errorf("Content-Encoding %q, want %q", got, tc.encoding)
			}
			if resp.Header.Get("Accept-Ranges") != "bytes" {
				t.Errorf("Accept-Ranges %q", resp.Header.Get("Accept-Ranges"))
			}
		})
	}
}

func TestPrecompressed(t *testing.T) {
	root, _ := fixture(t)
	_, do := serve(t, root, static.Options{Prefix: "/static/"})
	plain, _ := do(get("/static/app.js"))
	etags := map[string]string{"": plain.Header.Get("ETag")}
	for _, tc := range []struct {
		name, accept, want string // want: the Content-Encoding
	}{
		{"br preferred", "gzip, deflate, br", "br"},
		{"br alone", "br", "br"},
		{"gzip fallback", "gzip", "gzip"},
		{"br refused", "br;q=0, gzip", "gzip"},
		{"q orders", "gzip;q=1, br;q=0.5", "gzip"},
		{"star", "*", "br"},
		{"star but not br", "*, br;q=0", "gzip"},
		{"both refused", "br;q=0, gzip;q=0.000", ""},
		{"identity", "identity", ""},
		{"no header", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var hs []string
			if tc.accept != "" {
				hs = append(hs, hdr("Accept-Encoding", tc.accept))
			}
			resp, body := do(get("/static/app.js", hs...))
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tc.want {
				t.Fatalf("Content-Encoding %q, want %q", got, tc.want)
			}
			var decoded string
			switch tc.want {
			case "br":
				decoded = body
				if body != "BROTLI-BYTES" {
					t.Errorf("br body %q", body)
				}
			case "gzip":
				zr, err := gzip.NewReader(strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(zr)
				decoded = string(b)
				if decoded != appJS {
					t.Errorf("gzip body decodes to %.40q", decoded)
				}
			default:
				if body != appJS {
					t.Errorf("plain body %.40q", body)
				}
			}
			if got := resp.Header.Get("Content-Type"); got != "text/javascript; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			if got := resp.Header.Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("Vary %q", got)
			}
			etag := resp.Header.Get("ETag")
			if prev, ok := etags[tc.want]; ok && prev != etag {
				t.Errorf("ETag %q, earlier %q for the same encoding", etag, prev)
			}
			etags[tc.want] = etag
			if tc.want != "" && etag == etags[""] {
				t.Errorf("%s ETag %q equals the plain one", tc.want, etag)
			}
			// The encoded variant revalidates against its own ETag.
			resp, _ = do(get("/static/app.js", append(hs, hdr("If-None-Match", etag))...))
			if resp.StatusCode != 304 || resp.Header.Get("Vary") != "Accept-Encoding" {
				t.Errorf("revalidation: %d Vary %q, want 304", resp.StatusCode, resp.Header.Get("Vary"))
			}
		})
	}
	if len(etags) != 3 {
		t.Errorf("ETags per encoding %v, want three distinct", etags)
	}
}

// A precompressed sibling older than its file was made from an earlier
// version of it: the plain file is sent instead, until the sibling is
// made again.
func TestStaleSibling(t *testing.T) {
	root, _ := fixture(t)
	now := time.Now()
	past := now.Add(-time.Hour)
	for _, name := range []string{"app.js.gz", "app.js.br"} {
		if err := os.Chtimes(filepath.Join(root, name), past, past); err != nil {
			t.Fatal(err)
		}
	}
	_, do := serve(t, root, static.Options{Prefix: "/static/"})
	resp, body := do(get("/static/app.js", hdr("Accept-Encoding", "gzip, br")))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || body != appJS {
		t.Fatalf("stale siblings: %d Content-Encoding %q body %.40q, want the plain file",
			resp.StatusCode, resp.Header.Get("Content-Encoding"), body)
	}
	// The gzip sibling made again: it is sent.
	if err := os.Chtimes(filepath.Join(root, "app.js.gz"), now.Add(time.Second), now.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	_, do = serve(t, root, static.Options{Prefix: "/static/"})
	if resp, _ := do(get("/static/app.js", hdr("Accept-Encoding", "gzip, br"))); resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("fresh gzip sibling: Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
	}
}

func TestVersionedURL(t *testing.T) {
	root, _ := fixture(t)
	d, do := serve(t, root, static.Options{Prefix: "/static/"})
	u, err := d.URL("app.js")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "/static/app.js?v=") || len(u) != len("/static/app.js?v=")+16 {
		t.Fatalf("URL = %q", u)
	}
	for _, tc := range []struct {
		path, cache string
	}{
		{u, "public, max-age=31536000, immutable"},
		{"/static/app.js", "no-cache"},
		{"/static/app.js?v=0123456789abcdef", "no-cache"},
		{"/static/app.js?x=1", "no-cache"},
	} {
		resp, body := do(get(tc.path))
		if resp.StatusCode != 200 || body != appJS || resp.Header.Get("Cache-Control") != tc.cache {
			t.Errorf("GET %s: %d Cache-Control %q, want 200 %q", tc.path, resp.StatusCode, resp.Header.Get("Cache-Control"), tc.cache)
		}
	}

	// A changed file gets a new URL, and the old one loses its long life.
	// The mtime is moved too, since the two writes may share a timestamp.
	p := filepath.Join(root, "app.js")
	if err := os.WriteFile(p, []byte(appJS+"//v2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(p, later, later); err != nil {
		t.Fatal(err)
	}
	u2, err := d.URL("/app.js")
	if err != nil {
		t.Fatal(err)
	}
	if u2 == u {
		t.Fatalf("URL unchanged after the file changed: %q", u2)
	}
	if resp, _ := do(get(u)); resp.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("stale URL: Cache-Control %q, want no-cache", resp.Header.Get("Cache-Control"))
	}
	if resp, body := do(get(u2)); !strings.HasSuffix(body, "//v2\n") || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") {
		t.Errorf("new URL: Cache-Control %q body %.20q", resp.Header.Get("Cache-Control"), body)
	}

	for _, bad := range []string{".env", "../secret.txt", "nope.txt", "link.txt", "sub", "", "sub//page.html"} {
		if u, err := d.URL(bad); err == nil {
			t.Errorf("URL(%q) = %q, want an error", bad, u)
		}
	}
}

func TestOptions(t *testing.T) {
	root, _ := fixture(t)
	d, do := serve(t, root, static.Options{Prefix: "/assets", MaxAge: time.Hour})
	if d.Prefix() != "/assets/" {
		t.Errorf("Prefix() = %q", d.Prefix())
	}
	u, err := d.URL("sub/page.html")
	if err != nil || !strings.HasPrefix(u, "/assets/sub/page.html?v=") {
		t.Fatalf("URL = %q, %v", u, err)
	}
	resp, body := do(get(u))
	if resp.StatusCode != 200 || body != "<p>page</p>" || resp.Header.Get("Cache-Control") != "public, max-age=3600, immutable" {
		t.Errorf("GET %s: %d %q Cache-Control %q", u, resp.StatusCode, body, resp.Header.Get("Cache-Control"))
	}
	if resp, _ := do(get("/static/hello.txt")); resp.Header.Get("X-Routed-On") == "" {
		t.Errorf("the default prefix is still served")
	}
	if _, err := static.Open(root, static.Options{Prefix: "static/"}); err == nil {
		t.Errorf("a prefix without a leading / was accepted")
	}
	if _, err := static.Open(filepath.Join(root, "nope"), static.Options{Prefix: "/static/"}); err == nil {
		t.Errorf("a missing directory was accepted")
	}
}

func TestBigFileStreamed(t *testing.T) {
	root, big := fixture(t)
	_, do := serve(t, root, static.Options{Prefix: "/static/"})
	resp, body := do(get("/static/big.bin"))
	if resp.StatusCode != 200 || body != string(big) {
		t.Fatalf("status %d, %d bytes, want 200 and the %d-byte file intact", resp.StatusCode, len(body), len(big))
	}
	if resp.ContentLength != int64(len(big)) || len(resp.TransferEncoding) != 0 {
		t.Errorf("Content-Length %d Transfer-Encoding %v, want a declared length", resp.ContentLength, resp.TransferEncoding)
	}
}

// Concurrent URL calls and requests share the hash cache while the file
// under them is replaced, atomically as a deployment would.
func TestConcurrent(t *testing.T) {
	root, _ := fixture(t)
	d, do := serve(t, root, static.Options{Prefix: "/static/"})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 20 {
				if i == 0 && j%5 == 0 {
					tmp := filepath.Join(root, ".style.css.tmp")
					if err := os.WriteFile(tmp, []byte("body{color:red}"+strings.Repeat(" ", j)), 0o644); err != nil {
						t.Error(err)
					}
					if err := os.Rename(tmp, filepath.Join(root, "style.css")); err != nil {
						t.Error(err)
					}
				}
				if _, err := d.URL("style.css"); err != nil {
					t.Errorf("URL: %v", err)
				}
				if resp, _ := do(get("/static/style.css")); resp.StatusCode != 200 {
					t.Errorf("status %d", resp.StatusCode)
				}
			}
		})
	}
	wg.Wait()
}
