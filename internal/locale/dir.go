package locale

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// A Dir is a site's translations directory, loaded into a Bundle and
// loaded again when its files change. Bundle looks for changes at most
// once a second; a load that fails keeps the previous Bundle and is
// reported once. Safe for concurrent use.
type Dir struct {
	langs    Languages
	dir, def string
	report   func(error)

	cur     atomic.Pointer[Bundle]
	checked atomic.Int64 // when the files were last looked at, in Unix ns

	mu     sync.Mutex // held while looking at and loading the files
	stamp  string     // mu guards stamp: the files when last loaded or tried
	period time.Duration
}

// Open loads dir (none when dir is "") with def as the default locale, as
// Load does. report, which may be nil, is told of each later load that
// fails.
func Open(langs Languages, dir, def string, report func(error)) (*Dir, error) {
	d := &Dir{langs: langs, dir: dir, def: def, report: report, period: time.Second}
	st, err := stamp(dir)
	if err != nil {
		return nil, fmt.Errorf("locale: %w", err)
	}
	b, err := Load(langs, dir, def)
	if err != nil {
		return nil, err
	}
	d.cur.Store(b)
	d.stamp = st
	d.checked.Store(time.Now().UnixNano())
	return d, nil
}

// Bundle returns the current Bundle, loading the directory again first
// when a file changed. Callers that find another goroutine loading get
// the previous Bundle without waiting.
func (d *Dir) Bundle() *Bundle {
	if d.dir == "" {
		return d.cur.Load()
	}
	now := time.Now().UnixNano()
	if now-d.checked.Load() < int64(d.period) || !d.mu.TryLock() {
		return d.cur.Load()
	}
	defer d.mu.Unlock()
	d.checked.Store(now)
	st, err := stamp(d.dir)
	if err != nil || st == d.stamp {
		return d.cur.Load()
	}
	d.stamp = st // a load that fails is not tried again until a file changes
	b, err := Load(d.langs, d.dir, d.def)
	if err != nil {
		if d.report != nil {
			d.report(err)
		}
		return d.cur.Load()
	}
	d.cur.Store(b)
	return b
}

// stamp summarises the translations files of dir, to notice a change.
func stamp(dir string) (string, error) {
	if dir == "" {
		return "", nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, e := range ents {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".csv" && ext != ".po") {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // removed since ReadDir
			}
			return "", err
		}
		fmt.Fprintf(&b, "%s %d %d\n", e.Name(), fi.Size(), fi.ModTime().UnixNano())
	}
	return b.String(), nil
}
