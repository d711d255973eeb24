package host

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/wasmweb/wasmweb/host/config"
)

// The admin API's changes live in memory unless the request asks for
// them to be written too, with ?persist=1: PUT and DELETE of a site
// rewrite its [[site]] table in the config file (config.RewriteSite,
// which keeps the rest of the file and its comments), PUT of a plugin
// writes the module over the .wasm file the config names. What will be
// written is made and checked before the change, so a file that cannot
// say it refuses the request with nothing changed; it is written once
// the change serves, atomically.

// CausePersist is the cause of a change refused, or not written, for
// ?persist=1.
const CausePersist = "persist"

// persistedNote is what a written change's answer says about its
// lifetime.
const persistedNote = "this change is written to the config file: a restart or reload keeps it"

// errPersist is why a change asked to persist was not made or not
// written: the answer is 409 (nothing changed) or 500 (the change
// serves, the file was not written).
type errPersist struct {
	status int
	err    error
}

func (e *errPersist) Error() string { return e.err.Error() }

// wantsPersist reads the request's persist flag: "1" or "true" ask for
// it, "0", "false" or none do not; anything else is an error.
func wantsPersist(r *http.Request) (bool, error) {
	switch v := r.URL.Query().Get("persist"); v {
	case "1", "true":
		return true, nil
	case "", "0", "false":
		return false, nil
	default:
		return false, fmt.Errorf("persist=%q: want 1 or 0", v)
	}
}

// sitePlan is a rewrite of the config file prepared before a change:
// the file, its text as read and as it is to be.
type sitePlan struct {
	path      string
	old, next []byte
}

// planSite prepares the rewrite of site's table in the config file:
// table replaces or adds it; nil removes it.
func (h *Host) planSite(site string, table []byte) (*sitePlan, error) {
	path, err := h.configPath()
	if err != nil {
		return nil, err
	}
	old, err := os.ReadFile(path)
	if err != nil {
		return nil, &errPersist{409, fmt.Errorf("host: persist: %w", err)}
	}
	next, err := config.RewriteSite(path, old, filepath.Dir(path), site, table)
	if err != nil {
		return nil, &errPersist{409, fmt.Errorf("host: persist: %s: %w (nothing changed)", path, err)}
	}
	return &sitePlan{path: path, old: old, next: next}, nil
}

// write writes the planned file, unless it changed since it was read:
// then it leaves it, and says so.
func (p *sitePlan) write() error {
	now, err := os.ReadFile(p.path)
	if err == nil && !bytes.Equal(now, p.old) {
		err = errors.New("the file changed while the change was made; it was left as it is")
	}
	if err == nil {
		err = writeFileAtomic(p.path, p.next)
	}
	if err != nil {
		return &errPersist{500, fmt.Errorf("host: persist: the change serves, but %s was not written, so a restart or reload loses it: %w", p.path, err)}
	}
	return nil
}

// pluginFile returns the .wasm file the config file names for site's
// plugin, where ?persist=1 writes a new module.
func (h *Host) pluginFile(site, plugin string) (string, error) {
	path, err := h.configPath()
	if err != nil {
		return "", err
	}
	cfg, err := config.Load(path)
	if err != nil {
		return "", &errPersist{409, fmt.Errorf("host: persist: %w (nothing changed)", err)}
	}
	for _, s := range cfg.Sites {
		if s.Name != site {
			continue
		}
		file, ok := s.Plugins[plugin]
		if !ok {
			break
		}
		if fi, err := os.Stat(file); err != nil || !fi.Mode().IsRegular() {
			return "", &errPersist{409, fmt.Errorf("host: persist: %s names %s for site %q plugin %q, not a .wasm file: "+
				"only a .wasm file can be replaced (nothing changed)", path, file, site, plugin)}
		}
		return file, nil
	}
	return "", &errPersist{409, fmt.Errorf("host: persist: %s has no plugin %q in site %q (nothing changed)", path, plugin, site)}
}

// configPath returns the config file's path, or an error when the host
// has none.
func (h *Host) configPath() (string, error) {
	h.changes.mu.Lock()
	path := h.changes.file.path
	h.changes.mu.Unlock()
	if path == "" {
		return "", ErrNoConfigFile
	}
	return path, nil
}

// writeFileAtomic replaces the contents of the file at path (the file
// a symbolic link names) with b: it writes a temporary file in the same
// directory, syncs it, renames it over the file and syncs the
// directory, so that a crash leaves the old contents or the new, never
// a mix. The file keeps its permissions.
func writeFileAtomic(path string, b []byte) error {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync() // best effort: the rename is done; a crash now may undo it
		d.Close()
	}
	return nil
}
