package static

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

// cacheDir opens a directory holding files (name to content) with the
// given recheck interval, and returns it with a function that GETs a path
// through a netloop connection.
func cacheDir(t *testing.T, files map[string]string, recheck time.Duration) (*Dir, string, func(path string, headers ...string) (*http.Response, string)) {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		writeFile(t, filepath.Join(root, name), content, time.Time{})
	}
	d, err := Open(root, Options{Prefix: "/static/"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	d.cache.recheck = recheck
	srv := netloop.NewServer(netloop.Config{}, netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		if !d.ServeHTTP(w, r) {
			w.SetStatus(404)
		}
	}), netloop.NewStdTransport())
	get := func(path string, headers ...string) (*http.Response, string) {
		t.Helper()
		c := netlooptest.Open(srv)
		defer c.Hangup()
		c.Feed([]byte("GET " + path + " HTTP/1.1\r\nHost: x\r\n" + strings.Join(headers, "") + "\r\n"))
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(c.Output())), nil)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		return resp, string(body)
	}
	return d, root, get
}

// writeFile replaces the file at p, atomically, and sets its mtime when
// mtime is not zero (two writes within one clock tick may otherwise share
// one).
func writeFile(t *testing.T, p, content string, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(filepath.Dir(p), ".tmp-"+filepath.Base(p))
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(tmp, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Rename(tmp, p); err != nil {
		t.Fatal(err)
	}
}

// etagFor is the ETag the Dir gives content.
func etagFor(content string) string {
	sum := sha256.Sum256([]byte(content))
	return `"` + hex.EncodeToString(sum[:])[:hashLen] + `"`
}

func (d *Dir) cachedNames() []string {
	d.cache.mu.RLock()
	defer d.cache.mu.RUnlock()
	var names []string
	for name := range d.cache.m {
		names = append(names, name)
	}
	return names
}

// Within the recheck interval a cached file is served without looking at
// the disk: even its removal goes unnoticed until the interval has passed.
func TestCacheHitSkipsDisk(t *testing.T) {
	d, root, get := cacheDir(t, map[string]string{"a.txt": "alpha"}, time.Hour)
	if resp, body := get("/static/a.txt"); resp.StatusCode != 200 || body != "alpha" {
		t.Fatalf("first GET: %d %q", resp.StatusCode, body)
	}
	if err := os.Remove(filepath.Join(root, "a.txt")); err != nil {
		t.Fatal(err)
	}
	if resp, body := get("/static/a.txt"); resp.StatusCode != 200 || body != "alpha" || resp.Header.Get("ETag") != etagFor("alpha") {
		t.Fatalf("cached GET: %d %q ETag %q", resp.StatusCode, body, resp.Header.Get("ETag"))
	}
	d.cache.recheck = 0
	if resp, _ := get("/static/a.txt"); resp.StatusCode != 404 {
		t.Fatalf("GET after the interval: %d, want 404", resp.StatusCode)
	}
	if names := d.cachedNames(); len(names) != 0 {
		t.Errorf("cache holds %v after the file went", names)
	}
}

// Once the interval has passed, every kind of change on disk is served.
func TestCacheRecheck(t *testing.T) {
	later := time.Now().Add(time.Hour)
	for _, tc := range []struct {
		name   string
		path   string
		change func(t *testing.T, root string)
		accept string
		body   string // want
		coding string // want Content-Encoding
		vary   bool
	}{
		{"rewritten", "/static/a.css", func(t *testing.T, root string) {
			writeFile(t, filepath.Join(root, "a.css"), "BETA!", later) // same size
		}, "", "BETA!", "", false},
		{"written in place", "/static/a.css", func(t *testing.T, root string) {
			p := filepath.Join(root, "a.css")
			if err := os.WriteFile(p, []byte("gamma, longer"), 0o644); err != nil {
				t.Fatal(err)
			}
			os.Chtimes(p, later, later)
		}, "", "gamma, longer", "", false},
		{"sibling appears", "/static/a.css", func(t *testing.T, root string) {
			writeFile(t, filepath.Join(root, "a.css.gz"), "GZ", time.Time{})
		}, "gzip", "GZ", "gzip", true},
		{"sibling changes", "/static/b.css", func(t *testing.T, root string) {
			writeFile(t, filepath.Join(root, "b.css.br"), "BR2", later)
		}, "br", "BR2", "br", true},
		{"sibling goes", "/static/b.css", func(t *testing.T, root string) {
			if err := os.Remove(filepath.Join(root, "b.css.br")); err != nil {
				t.Fatal(err)
			}
		}, "br", "bravo", "", false},
		{"sibling grows past the cache", "/static/b.css", func(t *testing.T, root string) {
			writeFile(t, filepath.Join(root, "b.css.br"), strings.Repeat("x", maxCachedFile+1), later)
		}, "br", strings.Repeat("x", maxCachedFile+1), "br", true},
		{"file grows past the cache", "/static/a.css", func(t *testing.T, root string) {
			writeFile(t, filepath.Join(root, "a.css"), strings.Repeat("y", maxCachedFile+1), later)
		}, "", strings.Repeat("y", maxCachedFile+1), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, root, get := cacheDir(t, map[string]string{"a.css": "alpha", "b.css": "bravo", "b.css.br": "BR"}, time.Hour)
			accept := []string(nil)
			if tc.accept != "" {
				accept = append(accept, "Accept-Encoding: "+tc.accept+"\r\n")
			}
			if resp, _ := get(tc.path, accept...); resp.StatusCode != 200 {
				t.Fatalf("first GET: %d", resp.StatusCode)
			}
			tc.change(t, root)
			d.cache.recheck = 0
			resp, body := get(tc.path, accept...)
			if resp.StatusCode != 200 || body != tc.body {
				t.Fatalf("GET after the change: %d %.20q (%d bytes), want 200 %.20q", resp.StatusCode, body, len(body), tc.body)
			}
			if got := resp.Header.Get("Content-Encoding"); got != tc.coding {
				t.Errorf("Content-Encoding %q, want %q", got, tc.coding)
			}
			if got := resp.Header.Get("Vary") != ""; got != tc.vary {
				t.Errorf("Vary %q, want it: %v", resp.Header.Get("Vary"), tc.vary)
			}
			if tc.coding == "" && resp.Header.Get("ETag") != etagFor(tc.body) {
				t.Errorf("ETag %q, want %q", resp.Header.Get("ETag"), etagFor(tc.body))
			}
		})
	}
}

// The cache stays within its budget, keeps no file past maxCachedFile,
// and spares a file that is hit while others come and go.
func TestCacheBudget(t *testing.T) {
	files := map[string]string{"hot.txt": strings.Repeat("h", 1000), "big.txt": strings.Repeat("b", maxCachedFile+1)}
	for i := range 20 {
		files[fmt.Sprintf("f%02d.txt", i)] = strings.Repeat(fmt.Sprint(i%10), 1000)
	}
	d, _, get := cacheDir(t, files, time.Hour)
	d.cache.max = 4 * (entryOverhead + 1100) // four entries
	if _, body := get("/static/big.txt"); body != files["big.txt"] {
		t.Fatalf("big.txt served wrong")
	}
	for i := range 20 {
		name := fmt.Sprintf("f%02d.txt", i)
		if _, body := get("/static/hot.txt"); body != files["hot.txt"] {
			t.Fatalf("hot.txt served wrong")
		}
		if _, body := get("/static/" + name); body != files[name] {
			t.Fatalf("%s served wrong", name)
		}
		d.cache.mu.RLock()
		used, hot, big := d.cache.bytes, d.cache.m["hot.txt"] != nil, d.cache.m["big.txt"] != nil
		d.cache.mu.RUnlock()
		if used > d.cache.max {
			t.Fatalf("after %s: %d bytes cached, budget %d", name, used, d.cache.max)
		}
		if !hot {
			t.Fatalf("after %s: hot.txt was evicted; cache holds %v", name, d.cachedNames())
		}
		if big {
			t.Fatalf("big.txt is cached")
		}
	}
}

// A closed Dir serves nothing, cached or not.
func TestCacheClose(t *testing.T) {
	d, _, get := cacheDir(t, map[string]string{"a.txt": "alpha"}, time.Hour)
	if resp, _ := get("/static/a.txt"); resp.StatusCode != 200 {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
	d.Close()
	if resp, _ := get("/static/a.txt"); resp.StatusCode != 404 {
		t.Errorf("GET after Close: %d, want 404", resp.StatusCode)
	}
}

// Requests race with deployments of new versions of a file, each checked
// on every request: every answer's body is one whole version, with that
// version's ETag and length.
func TestCacheHammer(t *testing.T) {
	versions := make([]string, 8)
	for i := range versions {
		versions[i] = strings.Repeat(fmt.Sprintf("v%d;", i), 100+50*i)
	}
	etags := map[string]string{}
	for _, v := range versions {
		etags[etagFor(v)] = v
	}
	d, root, get := cacheDir(t, map[string]string{"app.js": versions[0]}, 0)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i, v := range versions[1:] {
			writeFile(t, filepath.Join(root, "app.js"), v, time.Now().Add(time.Duration(i+1)*time.Minute))
			if _, err := d.URL("app.js"); err != nil {
				t.Errorf("URL: %v", err)
			}
		}
	})
	for range 4 {
		wg.Go(func() {
			for range 50 {
				resp, body := get("/static/app.js")
				if resp.StatusCode != 200 {
					t.Errorf("status %d", resp.StatusCode)
					return
				}
				if v, ok := etags[resp.Header.Get("ETag")]; !ok || v != body {
					t.Errorf("ETag %q with a body of %d bytes that is not its version", resp.Header.Get("ETag"), len(body))
					return
				}
			}
		})
	}
	wg.Wait()
	if _, body := get("/static/app.js"); body != versions[len(versions)-1] {
		t.Errorf("after the last deployment, %d bytes served, want the last version", len(body))
	}
}
