// Package static serves a site's static files from one directory, without
// calling a guest: content-hashed URLs for aggressive caching, ETag and
// Last-Modified revalidation, byte ranges and precompressed siblings.
//
// Every file access goes through an [os.Root], so no request path, however
// encoded, and no symlink can reach a file outside the directory.
//
// Files of at most 64 KiB are kept in memory with their precompressed
// siblings, their validators and their type, up to 32 MiB per directory
// (files hit since the last eviction are spared). A request answered from
// memory opens and reads nothing; it looks at the disk (stat of the file
// and its siblings) only if the last look is over a second old, so a
// changed file is served at most a second after the change. Dir.URL looks
// every time, since the URL it returns must name the current content.
//
// It serves files only: what guests write, and pages rendered from
// templates, never pass through it.
package static

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultMaxAge is the lifetime of versioned URLs when Options has none.
const DefaultMaxAge = 365 * 24 * time.Hour

const (
	// maxInMemory is the largest body read whole before it is written;
	// larger bodies are streamed in chunkSize pieces.
	maxInMemory = 1 << 20
	chunkSize   = 64 << 10
	// hashLen is the number of hex digits of SHA-256 kept in ETags and
	// ?v= values.
	hashLen = 16
)

// Options configure a Dir.
type Options struct {
	// Prefix is the URL path under which files are served; it must start
	// with "/", and a missing trailing "/" is added.
	Prefix string
	// MaxAge is the lifetime given to versioned URLs (those carrying the
	// file's current ?v= hash). Default 365 days.
	MaxAge time.Duration
}

// Dir serves the files of one directory. It is safe for concurrent use.
type Dir struct {
	root         *os.Root
	prefix       string
	cacheControl string // for versioned URLs; immutable

	cache *cache // small files, in memory

	mu     sync.Mutex
	hashes map[string]hashEntry // mu guards hashes; key: name in the root; files not in cache
}

// hashEntry is a file's content hash, valid while its size and mtime are
// unchanged.
type hashEntry struct {
	size  int64
	mtime time.Time
	hash  string
}

// Open opens dir as the root of the files to serve. The caller must Close
// the Dir when done.
func Open(dir string, opts Options) (*Dir, error) {
	prefix := opts.Prefix
	if !strings.HasPrefix(prefix, "/") {
		return nil, fmt.Errorf("static: prefix %q must start with /", prefix)
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	maxAge := opts.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	return &Dir{
		root:         root,
		prefix:       prefix,
		cacheControl: "public, max-age=" + strconv.FormatInt(int64(maxAge/time.Second), 10) + ", immutable",
		cache:        newCache(defaultCacheBytes),
		hashes:       make(map[string]hashEntry),
	}, nil
}

// Close releases the directory and empties the cache. Requests served
// after Close fail with 404.
func (d *Dir) Close() error {
	d.cache.close()
	return d.root.Close()
}

// Prefix returns the URL prefix the Dir serves, ending in "/".
func (d *Dir) Prefix() string { return d.prefix }

// URL returns the versioned URL of the file at path (relative to the
// directory; one leading "/" is ignored): the prefix, the path escaped
// for a URL, and "?v=" with the file's content hash. Responses to that
// URL may be cached for MaxAge, since a changed file gets a new URL.
func (d *Dir) URL(path string) (string, error) {
	name := strings.TrimPrefix(path, "/")
	if !validName(name) {
		return "", fmt.Errorf("static: %q is not a servable file name", path)
	}
	// The file is looked at on every call, not once a second as for
	// requests: the URL names the content a request for it must get.
	if e := d.cache.get(name); e != nil {
		if fi, err := d.root.Stat(name); err == nil && sameFile(e.reps[0].info, fi) {
			return e.url, nil
		}
		d.cache.remove(e)
	}
	f, fi, err := d.openFile(name)
	if err != nil {
		return "", fmt.Errorf("static: %q: %w", path, err)
	}
	defer f.Close()
	if e := d.fill(name, f, fi); e != nil {
		return e.url, nil
	}
	h, err := d.hash(name, f, fi)
	if err != nil {
		return "", fmt.Errorf("static: %q: %w", path, err)
	}
	return d.versionedURL(name, h), nil
}

// versionedURL is the prefix, name escaped for a URL, and "?v=" with
// hash.
func (d *Dir) versionedURL(name, hash string) string {
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return d.prefix + strings.Join(segs, "/") + "?v=" + hash
}

// errNotRegular is returned for directories, devices and the like.
var errNotRegular = errors.New("not a regular file")

// openFile opens name in the root and checks that it is a regular file.
func (d *Dir) openFile(name string) (*os.File, fs.FileInfo, error) {
	f, err := d.root.Open(name)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, errNotRegular
	}
	return f, fi, nil
}

// hash returns the content hash of the open file f, named name in the
// root, computing it only when the file's size or mtime has changed.
func (d *Dir) hash(name string, f *os.File, fi fs.FileInfo) (string, error) {
	d.mu.Lock()
	e, ok := d.hashes[name]
	d.mu.Unlock()
	if ok && e.size == fi.Size() && e.mtime.Equal(fi.ModTime()) {
		return e.hash, nil
	}
	// Hashed without the lock: two requests may hash the same new file,
	// which is cheaper than making every request wait for one.
	sum := sha256.New()
	if _, err := io.Copy(sum, io.NewSectionReader(f, 0, fi.Size())); err != nil {
		return "", err
	}
	h := hex.EncodeToString(sum.Sum(nil))[:hashLen]
	d.mu.Lock()
	d.hashes[name] = hashEntry{size: fi.Size(), mtime: fi.ModTime(), hash: h}
	d.mu.Unlock()
	return h, nil
}
