package static

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// The cache of small files. A hit costs no open, read or allocation; the
// file is checked against the disk at most once per recheckEvery.
const (
	// maxCachedFile is the largest file kept in memory, and the largest
	// precompressed sibling of a kept file.
	maxCachedFile = 64 << 10
	// defaultCacheBytes bounds the memory of one Dir's cache.
	defaultCacheBytes = 32 << 20
	// recheckEvery is how long a request trusts a cached file without
	// looking at the disk: a changed file is served at most this long
	// after the change. URL always looks.
	recheckEvery = time.Second
	// entryOverhead is what an entry costs besides its content, counted
	// against the budget so that many tiny files stay bounded too.
	entryOverhead = 512
)

// entry is what serving one file name needs: its content hash, type and
// representations. A cached entry is filled once and never modified,
// apart from its bookkeeping atomics; a change on disk replaces it.
type entry struct {
	name  string // in the root
	hash  string // of the plain file's content, for ?v= and URL
	url   string // the versioned URL, as URL returns it; cached entries only
	ctype string
	vary  bool // some precompressed sibling exists
	// reps[0] is the plain file, reps[1+i] the sibling for encodings[i].
	reps [1 + len(encodings)]rep

	// Bookkeeping of a cached entry.
	bytes   int64        // counted against the cache's budget
	checked atomic.Int64 // when the disk was last looked at, in cache.clock
	used    atomic.Bool  // hit since the eviction sweep last passed
}

// rep is one representation of a file: the file itself or a precompressed
// sibling.
type rep struct {
	ok           bool // exists and is a regular file
	coding       string
	etag         string // quoted
	lastModified string // HTTP date, "" for a zero mtime
	modtime      time.Time
	size         int64
	info         fs.FileInfo // as opened, to notice a change on disk
	data         []byte      // content, when cached
	file         *os.File    // open file, when not cached
}

// cache holds the entries of one Dir. It is safe for concurrent use.
type cache struct {
	epoch   time.Time     // clock's zero
	recheck time.Duration // recheckEvery, shorter in tests
	max     int64         // budget in bytes

	mu     sync.RWMutex
	m      map[string]*entry // mu guards m, bytes and closed
	bytes  int64
	closed bool
}

func newCache(max int64) *cache {
	return &cache{epoch: time.Now(), recheck: recheckEvery, max: max, m: make(map[string]*entry)}
}

// clock returns monotonic nanoseconds since the cache was made.
func (c *cache) clock() int64 { return int64(time.Since(c.epoch)) }

// get returns the entry for name, or nil.
func (c *cache) get(name string) *entry {
	c.mu.RLock()
	e := c.m[name]
	c.mu.RUnlock()
	if e != nil && !e.used.Load() {
		e.used.Store(true)
	}
	return e
}

// put adds e, replacing any entry of the same name, and evicts others
// while the cache is over budget: a second-chance sweep in map order,
// which spares entries hit since it last passed them. Nothing is added
// after close.
func (c *cache) put(e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || e.bytes > c.max {
		return
	}
	if old := c.m[e.name]; old != nil {
		c.bytes -= old.bytes
	}
	c.m[e.name] = e
	c.bytes += e.bytes
	for c.bytes > c.max {
		for name, v := range c.m {
			if v == e || v.used.Swap(false) {
				continue
			}
			delete(c.m, name)
			c.bytes -= v.bytes
			if c.bytes <= c.max {
				break
			}
		}
	}
}

// remove drops e, unless it has been replaced already.
func (c *cache) remove(e *entry) {
	c.mu.Lock()
	if c.m[e.name] == e {
		delete(c.m, e.name)
		c.bytes -= e.bytes
	}
	c.mu.Unlock()
}

// close empties the cache for good.
func (c *cache) close() {
	c.mu.Lock()
	c.closed = true
	clear(c.m)
	c.bytes = 0
	c.mu.Unlock()
}

// cached returns the cached entry for name if the disk still holds what
// it was made from. Within recheck of the last look it is trusted as it
// is; after that, one request looks (the others keep being served from
// the entry meanwhile), and a changed entry is dropped.
func (d *Dir) cached(name string) *entry {
	e := d.cache.get(name)
	if e == nil {
		return nil
	}
	now := d.cache.clock()
	last := e.checked.Load()
	if now-last < int64(d.cache.recheck) || !e.checked.CompareAndSwap(last, now) {
		return e
	}
	if !d.unchanged(e) {
		d.cache.remove(e)
		return nil
	}
	return e
}

// unchanged reports whether the plain file and its siblings are on disk
// as when e was made: the same files, with the same size, mtime and mode,
// and no sibling come or gone.
func (d *Dir) unchanged(e *entry) bool {
	fi, err := d.root.Stat(e.name)
	if err != nil || !sameFile(e.reps[0].info, fi) {
		return false
	}
	plain := fi
	for i, enc := range encodings {
		r := &e.reps[1+i]
		fi, err := d.root.Stat(e.name + enc.ext)
		ok := err == nil && fi.Mode().IsRegular() && !stale(fi, plain)
		if ok != r.ok || ok && !sameFile(r.info, fi) {
			return false
		}
	}
	return true
}

// sameFile reports whether b describes the same, unchanged file as a. A
// change of permissions counts: it may make the file unreadable.
func sameFile(a, b fs.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime()) && a.Mode() == b.Mode()
}

// fill reads the small file f, opened as name with info fi, and its
// precompressed siblings into a new entry, caches it and returns it. It
// returns nil, leaving the file to be served from disk, for a file or
// sibling too large to keep, a sibling that cannot be opened, or a file
// that changed or failed while read.
func (d *Dir) fill(name string, f *os.File, fi fs.FileInfo) *entry {
	if fi.Size() > maxCachedFile {
		return nil
	}
	// The siblings first: one too large spares reading the rest.
	var sibs [len(encodings)]struct {
		f  *os.File
		fi fs.FileInfo
	}
	defer func() {
		for _, s := range sibs {
			if s.f != nil {
				s.f.Close()
			}
		}
	}()
	for i, enc := range encodings {
		sf, sfi, err := d.openFile(name + enc.ext)
		switch {
		case err == nil && stale(sfi, fi):
			sf.Close() // older than the file: not a copy of what it holds now
		case err == nil:
			sibs[i].f, sibs[i].fi = sf, sfi
			if sfi.Size() > maxCachedFile {
				return nil
			}
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, errNotRegular):
			// Absent, as serving from disk would find it.
		default:
			return nil
		}
	}

	e := &entry{name: name, ctype: contentType(name)}
	var ok bool
	if e.reps[0], ok = readRep(f, fi, ""); !ok {
		return nil
	}
	e.hash = e.reps[0].etag[1 : 1+hashLen]
	e.bytes = entryOverhead + int64(len(name)) + e.reps[0].size
	for i, enc := range encodings {
		if sibs[i].f == nil {
			continue
		}
		if e.reps[1+i], ok = readRep(sibs[i].f, sibs[i].fi, enc.coding); !ok {
			return nil
		}
		e.vary = true
		e.bytes += e.reps[1+i].size
	}
	e.url = d.versionedURL(e.name, e.hash)
	e.checked.Store(d.cache.clock())
	d.cache.put(e)
	return e
}

// readRep reads the whole of the small file f, with info fi, as a
// representation with the given coding ("" for the file itself). It
// fails if the file changes while read.
func readRep(f *os.File, fi fs.FileInfo, coding string) (rep, bool) {
	data := make([]byte, fi.Size())
	if n, err := f.ReadAt(data, 0); n != len(data) || err != nil && err != io.EOF {
		return rep{}, false
	}
	after, err := f.Stat()
	if err != nil || !sameFile(fi, after) {
		return rep{}, false
	}
	sum := sha256.Sum256(data)
	h := hex.EncodeToString(sum[:])[:hashLen]
	r := rep{ok: true, coding: coding, modtime: fi.ModTime(), size: fi.Size(), info: fi, data: data}
	r.etag = etagOf(h, coding)
	if !r.modtime.IsZero() {
		r.lastModified = r.modtime.UTC().Format(http.TimeFormat)
	}
	return r, true
}

// etagOf is the strong ETag of a representation whose content hashes to
// h: the plain file's is the hash, a sibling's names its coding too.
func etagOf(h, coding string) string {
	if coding == "" {
		return `"` + h + `"`
	}
	return `"` + h + "-" + coding + `"`
}
