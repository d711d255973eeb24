// Package static serves a site's static files from one directory, without
// calling a guest: content-hashed URLs for aggressive caching, ETag and
// Last-Modified revalidation, byte ranges and precompressed siblings.
//
// Every file access goes through an [os.Root], so no request path, however
// encoded, and no symlink can reach a file outside the directory.
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

// Defaults for Options.
const (
	DefaultPrefix = "/static/"
	DefaultMaxAge = 365 * 24 * time.Hour
)

const (
	// maxInMemory is the largest body read whole before it is written;
	// larger bodies are streamed in chunkSize pieces.
	maxInMemory = 1 << 20
	chunkSize   = 64 << 10
	// hashLen is the number of hex digits of SHA-256 kept in ETags and
	// ?v= values.
	hashLen = 16
)

// Options configure a Dir. The zero value is usable.
type Options struct {
	// Prefix is the URL path under which files are served; it must start
	// with "/", and a missing trailing "/" is added. Default "/static/".
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

	mu     sync.Mutex
	hashes map[string]hashEntry // mu guards hashes; key: name in the root
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
	if prefix == "" {
		prefix = DefaultPrefix
	}
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
		hashes:       make(map[string]hashEntry),
	}, nil
}

// Close releases the directory. Requests served after Close fail with 404.
func (d *Dir) Close() error { return d.root.Close() }

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
	f, fi, err := d.openFile(name)
	if err != nil {
		return "", fmt.Errorf("static: %q: %w", path, err)
	}
	defer f.Close()
	h, err := d.hash(name, f, fi)
	if err != nil {
		return "", fmt.Errorf("static: %q: %w", path, err)
	}
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return d.prefix + strings.Join(segs, "/") + "?v=" + h, nil
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
