package static

import (
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/wasmweb/wasmweb/netloop"
)

// encodings are the precompressed siblings looked for, best first: on
// equal q-values the earlier one is served.
var encodings = []struct{ coding, ext string }{
	{"br", ".br"},
	{"gzip", ".gz"},
}

// ServeHTTP serves the file named by r.Path when the path starts with the
// prefix, and reports whether it did; on false nothing has been written
// and the caller routes the request on.
//
// The answer, in the order the checks are made:
//
//	method not GET or HEAD              405, Allow: GET, HEAD
//	invalid percent-escape              400
//	refused name (see validName)        404
//	missing, directory, outside root    404 (no listings, no index.html)
//	unreadable (permission)             403
//	If-None-Match matches the ETag      304
//	no If-None-Match, If-Modified-Since
//	  not older than the file           304
//	one satisfiable range               206 (unless the body is precompressed,
//	                                    or If-Range does not match)
//	one unsatisfiable range             416, Content-Range: bytes */size
//	otherwise                           200
func (d *Dir) ServeHTTP(w *netloop.Response, r *netloop.Request) bool {
	rest, ok := strings.CutPrefix(string(r.Path), d.prefix)
	if !ok {
		return false
	}
	if m := string(r.Method); m != "GET" && m != "HEAD" {
		w.SetHeader("Allow", "GET, HEAD")
		fail(w, 405)
		return true
	}
	name, status := requestName(rest)
	if status != 0 {
		fail(w, status)
		return true
	}
	f, fi, err := d.openFile(name)
	if err != nil {
		fail(w, openStatus(err))
		return true
	}
	defer f.Close()
	hash, err := d.hash(name, f, fi)
	if err != nil {
		fail(w, 500)
		return true
	}

	// Choose the representation: the plain file or a precompressed
	// sibling the client accepts.
	body, bodyInfo, etag, coding := f, fi, `"`+hash+`"`, ""
	vary := false
	accept := string(r.Header("Accept-Encoding"))
	bestQ, best := 0.0, -1
	for i, enc := range encodings {
		sfi, err := d.root.Stat(name + enc.ext)
		if err != nil || !sfi.Mode().IsRegular() {
			continue
		}
		vary = true
		if q := acceptQ(accept, enc.coding); q > bestQ {
			bestQ, best = q, i
		}
	}
	if best >= 0 {
		enc := encodings[best]
		if sf, sfi, err := d.openFile(name + enc.ext); err == nil {
			defer sf.Close()
			if sh, err := d.hash(name+enc.ext, sf, sfi); err == nil {
				body, bodyInfo, etag, coding = sf, sfi, `"`+sh+"-"+enc.coding+`"`, enc.coding
			}
		}
	}
	modtime := bodyInfo.ModTime()

	// Validators and caching go on 200, 206 and 304 alike.
	w.SetHeader("ETag", etag)
	if !modtime.IsZero() {
		w.SetHeader("Last-Modified", modtime.UTC().Format(http.TimeFormat))
	}
	if versioned(r.Query, hash) {
		w.SetHeader("Cache-Control", d.cacheControl)
	} else {
		w.SetHeader("Cache-Control", "no-cache")
	}
	if vary {
		w.SetHeader("Vary", "Accept-Encoding")
	}
	w.SetHeader("Accept-Ranges", "bytes")

	if notModified(r, etag, modtime) {
		w.SetStatus(304)
		return true
	}

	size := bodyInfo.Size()
	start, length := int64(0), size
	status = 200
	// A precompressed body is always sent whole: ranges of it are rarely
	// useful and would need their own validators.
	if rv := r.Header("Range"); rv != nil && coding == "" && ifRange(r, etag, modtime) {
		br, res := parseRange(string(rv), size)
		switch res {
		case rangeOK:
			start, length, status = br.start, br.length, 206
			w.SetHeader("Content-Range", "bytes "+strconv.FormatInt(start, 10)+"-"+
				strconv.FormatInt(start+length-1, 10)+"/"+strconv.FormatInt(size, 10))
		case rangeUnsatisfiable:
			w.Reset()
			w.SetHeader("Accept-Ranges", "bytes")
			w.SetHeader("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
			fail(w, 416)
			return true
		}
	}

	w.SetHeader("Content-Type", contentType(name))
	w.SetHeader("X-Content-Type-Options", "nosniff")
	if coding != "" {
		w.SetHeader("Content-Encoding", coding)
	}
	w.SetStatus(status)
	w.SetContentLength(length)
	if r.IsHead() {
		return true
	}
	writeBody(w, body, start, length)
	return true
}

// writeBody writes length bytes of f from start: read whole when small,
// else streamed in chunkSize pieces, so that a large file never sits in
// memory. The Content-Length has been declared.
func writeBody(w *netloop.Response, f *os.File, start, length int64) {
	bufLen := min(length, chunkSize)
	if length <= maxInMemory {
		bufLen = length
	}
	buf := make([]byte, bufLen)
	for off, end := start, start+length; off < end; {
		n, err := f.ReadAt(buf[:min(int64(len(buf)), end-off)], off)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return // the client is gone
			}
			off += int64(n)
		}
		if err != nil && off < end {
			// The file shrank or failed under us: never send a body
			// shorter than the declared length as if it were complete.
			if w.Sent() {
				w.Abort()
				return
			}
			w.Reset()
			fail(w, 500)
			return
		}
	}
}

// notModified evaluates If-None-Match, or If-Modified-Since when there is
// no If-None-Match (RFC 9110 §13.2.2).
func notModified(r *netloop.Request, etag string, modtime time.Time) bool {
	if inm := r.Header("If-None-Match"); inm != nil {
		return etagMatch(string(inm), etag)
	}
	ims := r.Header("If-Modified-Since")
	if ims == nil || modtime.IsZero() {
		return false
	}
	t, err := http.ParseTime(string(ims))
	return err == nil && !modtime.Truncate(time.Second).After(t)
}

// ifRange reports whether a Range may be honoured: there is no If-Range,
// or it is exactly the current strong ETag, or exactly the current
// Last-Modified date.
func ifRange(r *netloop.Request, etag string, modtime time.Time) bool {
	v := string(r.Header("If-Range"))
	if v == "" {
		return true
	}
	if strings.HasPrefix(v, `"`) || strings.HasPrefix(v, "W/") {
		return v == etag
	}
	t, err := http.ParseTime(v)
	return err == nil && !modtime.IsZero() && modtime.Truncate(time.Second).Equal(t)
}

// versioned reports whether the query carries v=hash, the file's current
// hash. A stale or foreign v gets no long-lived caching, so an old URL
// never pins new content.
func versioned(query []byte, hash string) bool {
	if len(query) == 0 {
		return false
	}
	q, _ := url.ParseQuery(string(query))
	return q.Get("v") == hash
}

// openStatus maps an error from opening a file to a status. Anything but
// a permission error, including a path that escapes the root, is 404, so
// that nothing is learnt about what lies outside.
func openStatus(err error) int {
	if errors.Is(err, fs.ErrPermission) {
		return 403
	}
	return 404
}

// fail sends a short plain-text error. Headers already set stay.
func fail(w *netloop.Response, code int) {
	w.SetStatus(code)
	w.SetHeader("Content-Type", "text/plain; charset=utf-8")
	w.SetHeader("X-Content-Type-Options", "nosniff")
	w.WriteString(strconv.Itoa(code) + " " + netloop.StatusText(code) + "\n")
}
