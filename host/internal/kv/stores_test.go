package kv_test

import (
	"errors"
	"os"
	"path/filepath"
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
