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
	"unsafe"

	"github.com/wasmweb/wasmweb/netloop"
)

// encodings are the precompressed siblings looked for, best first: on
// equal q-values the earlier one is served.
var encodings = [...]struct{ coding, ext string }{
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
//
// A small file is answered from memory (see the package documentation),
// so within a second of a change on disk a request may still get the
// previous version, whole and with its own validators.
func (d *Dir) ServeHTTP(w *netloop.Response, r *netloop.Request) bool {
	// The path is looked at in place, without a copy, until it is kept.
	rest, ok := strings.CutPrefix(transient(r.Path), d.prefix)
	if !ok {
		return false
	}
	if m := transient(r.Method); m != "GET" && m != "HEAD" {
		w.SetHeader("Allow", "GET, HEAD")
		fail(w, 405)
		return true
	}
	name, status := requestName(rest)
	if status != 0 {
		fail(w, status)
		return true
	}
	if e := d.cached(name); e != nil {
		d.respond(w, r, e, e.choose(transient(r.Header("Accept-Encoding"))))
		return true
	}
	// From here on, name is kept: by open files, their FileInfo and the
	// cache.
	name = strings.Clone(name)
	f, fi, err := d.openFile(name)
	if err != nil {
		fail(w, openStatus(err))
		return true
	}
	defer f.Close()
	if e := d.fill(name, f, fi); e != nil {
		d.respond(w, r, e, e.choose(transient(r.Header("Accept-Encoding"))))
		return true
	}

	// Too large to keep (or changing under us): served from disk, with
	// the siblings looked up now and the chosen one opened.
	hash, err := d.hash(name, f, fi)
	if err != nil {
		fail(w, 500)
		return true
	}
	e := &entry{hash: hash, ctype: contentType(name)}
	e.reps[0] = rep{ok: true, etag: etagOf(hash, ""), modtime: fi.ModTime(), size: fi.Size(), file: f}
	for i, enc := range encodings {
		if sfi, err := d.root.Stat(name + enc.ext); err == nil && sfi.Mode().IsRegular() && !stale(sfi, fi) {
			e.reps[1+i].ok, e.reps[1+i].coding = true, enc.coding
			e.vary = true
		}
	}
	best := 0
	if i := e.choose(transient(r.Header("Accept-Encoding"))); i > 0 {
		enc := encodings[i-1]
		if sf, sfi, err := d.openFile(name + enc.ext); err == nil {
			defer sf.Close()
			if sh, err := d.hash(name+enc.ext, sf, sfi); err == nil {
				e.reps[i] = rep{ok: true, coding: enc.coding, etag: etagOf(sh, enc.coding), modtime: sfi.ModTime(), size: sfi.Size(), file: sf}
				best = i
			}
		}
	}
	d.respond(w, r, e, best)
	return true
}

// stale reports whether a precompressed sibling is older than its plain
// file: made from an earlier version of it, so not sent in its place.
func stale(sibling, plain fs.FileInfo) bool {
	return sibling.ModTime().Before(plain.ModTime())
}

// choose returns the index in e.reps of the representation to send to a
// client whose Accept-Encoding is accept: the sibling with the highest
// q-value above 0, the earlier on a tie, else 0, the plain file.
func (e *entry) choose(accept string) int {
	if !e.vary {
		return 0
	}
	bestQ, best := 0.0, 0
	for i, enc := range encodings {
		if !e.reps[1+i].ok {
			continue
		}
		if q := acceptQ(accept, enc.coding); q > bestQ {
			bestQ, best = q, 1+i
		}
	}
	return best
}

// respond answers r with e's representation e.reps[i], from memory or
// from its open file.
func (d *Dir) respond(w *netloop.Response, r *netloop.Request, e *entry, i int) {
	rp := &e.reps[i]
	modtime := rp.modtime
	h := newFields(w)

	// Validators and caching go on 200, 206 and 304 alike.
	h.set("ETag", rp.etag)
	if rp.lastModified != "" {
		h.set("Last-Modified", rp.lastModified)
	} else if !modtime.IsZero() {
		h.set("Last-Modified", modtime.UTC().Format(http.TimeFormat))
	}
	if versioned(r.Query, e.hash) {
		h.set("Cache-Control", d.cacheControl)
	} else {
		h.set("Cache-Control", "no-cache")
	}
	if e.vary {
		h.set("Vary", "Accept-Encoding")
	}
	h.set("Accept-Ranges", "bytes")

	if notModified(r, rp.etag, modtime) {
		w.SetStatus(304)
		return
	}

	size := rp.size
	start, length := int64(0), size
	status := 200
	// A precompressed body is always sent whole: ranges of it are rarely
	// useful and would need their own validators.
	if rv := r.Header("Range"); rv != nil && rp.coding == "" && ifRange(r, rp.etag, modtime) {
		br, res := parseRange(string(rv), size)
		switch res {
		case rangeOK:
			start, length, status = br.start, br.length, 206
			h.set("Content-Range", "bytes "+strconv.FormatInt(start, 10)+"-"+
				strconv.FormatInt(start+length-1, 10)+"/"+strconv.FormatInt(size, 10))
		case rangeUnsatisfiable:
			w.Reset()
			w.SetHeader("Accept-Ranges", "bytes")
			w.SetHeader("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
			fail(w, 416)
			return
		}
	}

	h.set("Content-Type", e.ctype)
	h.set("X-Content-Type-Options", "nosniff")
	if rp.coding != "" {
		h.set("Content-Encoding", rp.coding)
	}
	w.SetStatus(status)
	w.SetContentLength(length)
	if r.IsHead() {
		return
	}
	if rp.data != nil {
		w.Write(rp.data[start : start+length])
		return
	}
	writeBody(w, rp.file, start, length)
}

// fields sets a response's header fields, each name at most once. On a
// response that had no fields when given to the Dir, adding a field does
// what replacing it would, without the scan for one to replace.
type fields struct {
	w     *netloop.Response
	fresh bool
}

func newFields(w *netloop.Response) fields {
	n, _ := w.HeaderFields()
	return fields{w: w, fresh: n == 0}
}

func (f fields) set(name, value string) {
	if f.fresh {
		f.w.AddHeader(name, value)
	} else {
		f.w.SetHeader(name, value)
	}
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
	q := transient(query)
	if strings.ContainsAny(q, "%+;") {
		// Escapes, or pairs that url.ParseQuery drops: let it decide.
		v, _ := url.ParseQuery(q)
		return v.Get("v") == hash
	}
	// Plain pairs: the first v is the one url.Values.Get would return.
	for pair := range strings.SplitSeq(q, "&") {
		if k, v, _ := strings.Cut(pair, "="); k == "v" {
			return v == hash
		}
	}
	return false
}

// transient returns b as a string without copying it. The string is valid
// only while b is: during the request, for a request's bytes. Anything
// kept past that must be copied (strings.Clone).
func transient(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

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
