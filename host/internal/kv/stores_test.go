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
