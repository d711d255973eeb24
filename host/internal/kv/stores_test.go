package kv_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/wasmweb/wasmweb/host/internal/kv"
)

// A store that cannot open (its path is a file's) answers ErrUnavailable,
// is reported once per run of failures, and opens once the cause is gone.
func TestStoresOpenError(t *testing.T) {
	dir := t.TempDir()
	block := filepath.Join(dir, "kv")
	if err := os.WriteFile(block, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	var told []string
	st := kv.NewStores(kv.Config{Backend: kv.BackendBolt, Dir: dir, OnOpenError: func(site string, err error) { told = append(told, site) }})
	defer st.Close()
	for range 3 {
		if _, err := st.Open("a", lim); !errors.Is(err, kv.ErrUnavailable) {
			t.Fatalf("open under a file: %v, want ErrUnavailable", err)
		}
	}
	if len(told) != 1 {
		t.Errorf("told %d times, want once", len(told))
	}
	os.Remove(block)
	s, err := st.Open("a", lim)
	if err != nil {
		t.Fatalf("open once the cause is gone: %v", err)
	}
	mustSet(t, s, "k", "v")
	st.Close()
	if _, err := st.Open("a", lim); !errors.Is(err, kv.ErrUnavailable) {
		t.Errorf("open after Close: %v", err)
	}
}

// A second process (here, a second Stores) cannot open a site's file
// while the first holds it: it waits a second, then fails.
func TestBoltLocked(t *testing.T) {
	dir := t.TempDir()
	a := kv.NewStores(kv.Config{Backend: kv.BackendBolt, Dir: dir})
	defer a.Close()
	if _, err := a.Open("s", lim); err != nil {
		t.Fatal(err)
	}
	b := kv.NewStores(kv.Config{Backend: kv.BackendBolt, Dir: dir})
	defer b.Close()
	if _, err := b.Open("s", lim); !errors.Is(err, kv.ErrUnavailable) {
		t.Fatalf("second open: %v, want ErrUnavailable", err)
	}
}

// Many goroutines opening sites' stores at once, with their limits
// changing, get one store per site; Close then closes them all, and the
// files open again afterwards.
func TestStoresHammer(t *testing.T) {
	dir := t.TempDir()
	st := kv.NewStores(kv.Config{Backend: kv.BackendBolt, Dir: dir})
	var wg sync.WaitGroup
	got := make([]map[string]kv.Store, 8)
	for w := range 8 {
		got[w] = map[string]kv.Store{}
		wg.Go(func() {
			for i := range 50 {
				site := fmt.Sprint("s", i%3)
				l := lim
				l.MaxKeys = 100 + i%2
				s, err := st.Open(site, l)
				if err != nil {
					t.Error(err)
					return
				}
				if prev := got[w][site]; prev != nil && prev != s {
					t.Errorf("site %s: a second store", site)
				}
				got[w][site] = s
				if _, err := s.Set(fmt.Sprint("w", w), []byte("x"), 0, kv.Any); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for w := 1; w < 8; w++ {
		for site, s := range got[w] {
			if got[0][site] != s {
				t.Errorf("site %s: goroutines got different stores", site)
			}
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	again := kv.NewStores(kv.Config{Backend: kv.BackendBolt, Dir: dir})
	defer again.Close()
	s, err := again.Open("s0", lim)
	if err != nil {
		t.Fatalf("reopen after Close: %v", err)
	}
	if keys, _ := s.List("", "", 100); len(keys) != 8 {
		t.Errorf("s0 holds %q, want the 8 goroutines' keys", keys)
	}
}

// The host's store for a site is not the site's: a key set in one is
// not in the other, nor listed there, and each has a file of its own.
func TestHostStoreApart(t *testing.T) {
	dir := t.TempDir()
	st := kv.NewStores(kv.Config{Backend: kv.BackendBolt, Dir: dir})
	defer st.Close()
	site, err := st.Open("a", lim)
	if err != nil {
		t.Fatal(err)
	}
	host, err := st.OpenHost("a", lim)
	if err != nil {
		t.Fatal(err)
	}
	if site == host {
		t.Fatal("OpenHost returned the site's store")
	}
	mustSet(t, host, "t/secret", "v")
	if _, err := site.Get("t/secret"); !errors.Is(err, kv.ErrNotFound) {
		t.Errorf("the host's key in the site's store: %v", err)
	}
	if keys, err := site.List("", "", 100); err != nil || len(keys) != 0 {
		t.Errorf("the site's store lists %q %v, want nothing", keys, err)
	}
	again, err := st.OpenHost("a", lim)
	if err != nil || again != host {
		t.Errorf("a second OpenHost: %v %v, want the same store", again, err)
	}
	for _, f := range []string{"a.db", "a.host.db"} {
		if _, err := os.Stat(filepath.Join(dir, "kv", f)); err != nil {
			t.Errorf("file %s: %v", f, err)
		}
	}
}
