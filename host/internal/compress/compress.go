// Package compress gzips guests' buffered responses for the clients that
// accept it, and says which clients those are. Static files are not its
// business: package static serves their precompressed siblings.
package compress

import (
	"bytes"
	"compress/gzip"
	"strconv"
	"strings"
	"sync"

	"github.com/wasmweb/wasmweb/netloop"
)

// minCompress is the smallest body worth compressing: below it gzip's
// framing and the client's work outweigh the bytes saved.
const minCompress = 1024

// gzipWriters reuses compressors: a gzip.Writer carries about 800 KiB of
// state, far too much to allocate per response.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.DefaultCompression)
	return zw
}}

// Gzip compresses a guest's buffered response when the client accepts it,
// the body is at least minCompress bytes of a compressible type, and the
// response is neither encoded already nor marked no-transform. Responses
// that could be compressed say Vary: Accept-Encoding either way, so caches
// keep the two forms apart.
func Gzip(w *netloop.Response, r *netloop.Request) {
	body := w.Body()
	status := w.Status()
	if w.Sent() || len(body) < minCompress || status < 200 || status == 204 || status == 304 || r.IsHead() {
		return
	}
	if _, encoded := w.HeaderValue("Content-Encoding"); encoded {
		return
	}
	if cc, _ := w.HeaderValue("Cache-Control"); strings.Contains(strings.ToLower(cc), "no-transform") {
		return
	}
	ct, _ := w.HeaderValue("Content-Type")
	if !compressible(ct) {
		return
	}
	w.AddHeader("Vary", "Accept-Encoding")
	if !AcceptsGzip(string(r.Header("Accept-Encoding"))) {
		return
	}
	var out bytes.Buffer
	out.Grow(len(body) / 3)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&out)
	zw.Write(body)
	zw.Close()
	gzipWriters.Put(zw)
	if out.Len() >= len(body) {
		return // incompressible after all
	}
	w.SetBody(out.Bytes())
	w.SetHeader("Content-Encoding", "gzip")
}

// compressible reports whether a Content-Type is worth compressing: text,
// JSON, JavaScript, XML and SVG.
func compressible(ct string) bool {
	mt, _, _ := strings.Cut(strings.ToLower(ct), ";")
	mt = strings.TrimSpace(mt)
	switch {
	case strings.HasPrefix(mt, "text/"):
		return true
	case strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"):
		return true
	}
	switch mt {
	case "application/json", "application/javascript", "application/xml", "image/svg+xml", "application/wasm":
		return true
	}
	return false
}

// AcceptsGzip reports whether an Accept-Encoding value admits gzip with a
// q-value above zero (directly or through "*").
func AcceptsGzip(ae string) bool {
	if ae == "" {
		return false
	}
	star := false
	for _, part := range strings.Split(ae, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := 1.0
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "q="); ok {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		switch name {
		case "gzip", "x-gzip":
			return q > 0
		case "*":
			star = q > 0
		}
	}
	return star
}
