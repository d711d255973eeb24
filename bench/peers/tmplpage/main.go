// Command tmplpage is the native peer of the rendered-page benchmark
// (bench/site.sh): Go net/http and html/template serving GET /page, the
// page wasmweb renders for its guest bench/site/page. It parses the same
// template directory (bench/site/templates) once at start, as wasmweb's
// host loads a site's templates: files under layouts/ or partials/, or
// named _*.html, are shared and parsed first, by their path relative to
// the directory; the page is parsed on top of them. Each request builds
// the data afresh with pagedata.New and executes page.html into a pooled
// buffer, sent with a Content-Length.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/wasmweb/wasmweb/bench/site/pagedata"
)

// pageName is the page the benchmark renders.
const pageName = "page.html"

func main() {
	listen := flag.String("listen", "127.0.0.1:8084", "address to listen on")
	dir := flag.String("templates", "site/templates", "template directory")
	flag.Parse()

	t, err := parse(*dir, pageName)
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("tmplpage listening on %s\n", ln.Addr())
	log.Fatal(http.Serve(ln, handler(t)))
}

// parse reads the shared templates of dir, in name order, then page.
func parse(dir, page string) (*template.Template, error) {
	var shared []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, "layouts/") || strings.HasPrefix(rel, "partials/") || strings.HasPrefix(d.Name(), "_") {
			shared = append(shared, rel)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(shared)
	t := template.New("")
	for _, name := range append(shared, page) {
		src, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			return nil, err
		}
		if _, err := t.New(name).Parse(string(src)); err != nil {
			return nil, err
		}
	}
	return t, nil
}

var buffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// handler answers GET and HEAD /page with the rendered page, anything else
// with 404.
func handler(t *template.Template) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/page" {
			http.NotFound(w, r)
			return
		}
		b := buffers.Get().(*bytes.Buffer)
		defer buffers.Put(b)
		b.Reset()
		if err := t.ExecuteTemplate(b, pageName, pagedata.New()); err != nil {
			log.Printf("render %s: %v", pageName, err)
			http.Error(w, "500 Internal Server Error", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Length", strconv.Itoa(b.Len()))
		if r.Method != http.MethodHead {
			w.Write(b.Bytes())
		}
	})
}
