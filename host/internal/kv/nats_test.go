package kv_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/conformance/natstest"
	"github.com/wasmweb/wasmweb/host/internal/kv"
)

// Two nodes sharing NATS: a write on one is read on the other, and a
// version read on one decides a compare-and-set on the other.
func TestNATSTwoNodes(t *testing.T) {
	srv := natstest.Start(t, t.TempDir())
	cfg := kv.Config{Backend: kv.BackendNATS, NATS: kv.NATSConfig{URL: srv.URL(), Timeout: 5 * time.Second}}
	n1, n2 := kv.NewStores(cfg), kv.NewStores(cfg)
	defer n1.Close()
	defer n2.Close()
	a1, err := n1.Open("a", lim)
	if err != nil {
		t.Fatal(err)
	}
	a2, err := n2.Open("a", lim)
	if err != nil {
		t.Fatal(err)
	}
	v := mustSet(t, a1, "k", "from node 1")
	if got := wantValue(t, a2, "k", "from node 1"); got.Version != v {
		t.Errorf("node 2 reads version %d, node 1 wrote %d", got.Version, v)
	}
	if _, err := a2.Set("k", []byte("from node 2"), 0, int64(v)); err != nil {
		t.Fatalf("node 2's compare-and-set: %v", err)
	}
	_, err = a1.Set("k", []byte("stale"), 0, int64(v))
	wantErr(t, "node 1's stale compare-and-set", err, kv.ErrConflict)
	wantValue(t, a1, "k", "from node 2")
	if n, err := a1.Incr("n", 2, 0); err != nil || n != 2 {
		t.Fatal(n, err)
	}
	if n, err := a2.Incr("n", 3, 0); err != nil || n != 5 {
		t.Fatalf("node 2's incr after node 1's: %d, %v", n, err)
	}
	if keys, err := a2.List("", "", 10); err != nil || len(keys) != 2 {
		t.Errorf("node 2 lists %q, %v", keys, err)
	}
}

// The server itself removes an expired key, on its own clock: it leaves
// the listing and its place under max_keys.
func TestNATSServerExpires(t *testing.T) {
	srv := natstest.Start(t, t.TempDir())
	cfg := kv.Config{Backend: kv.BackendNATS, NATS: kv.NATSConfig{URL: srv.URL(), Timeout: 5 * time.Second}}
	st := kv.NewStores(cfg)
	defer st.Close()
	l := lim
	l.MaxKeys = 2
	s, err := st.Open("a", l)
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "keep", "x")
	if _, err := s.Set("brief", []byte("x"), time.Second, kv.Any); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		keys, err := s.List("", "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) == 1 && keys[0] == "keep" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the expired key is still listed: %q", keys)
		}
		time.Sleep(100 * time.Millisecond)
	}
	for {
		_, err := s.Set("new", []byte("x"), 0, kv.Any)
		if err == nil {
			break
		}
		if !errors.Is(err, kv.ErrTooLarge) || time.Now().After(deadline) {
			t.Fatalf("a key in the expired one's place: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A node whose NATS is down answers ErrUnavailable, and works again
// when NATS is back.
func TestNATSDown(t *testing.T) {
	srv := natstest.Start(t, t.TempDir())
	cfg := kv.Config{Backend: kv.BackendNATS, NATS: kv.NATSConfig{URL: srv.URL(), Timeout: time.Second}}
	st := kv.NewStores(cfg)
	defer st.Close()
	s, err := st.Open("a", lim)
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "k", "v")
	srv.Shutdown()
	_, err = s.Get("k")
	wantErr(t, "get with NATS down", err, kv.ErrUnavailable)
	_, err = s.Set("k", []byte("w"), 0, kv.Any)
	wantErr(t, "set with NATS down", err, kv.ErrUnavailable)
	srv.Restart()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := s.Get("k"); err == nil {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("get after NATS came back: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// On NATS too the host's store for a site is a bucket of its own, which
// the site's store does not list, and which two nodes share.
func TestNATSHostBucket(t *testing.T) {
	srv := natstest.Start(t, t.TempDir())
	cfg := kv.Config{Backend: kv.BackendNATS, NATS: kv.NATSConfig{URL: srv.URL(), Timeout: 5 * time.Second}}
	n1, n2 := kv.NewStores(cfg), kv.NewStores(cfg)
	defer n1.Close()
	defer n2.Close()
	host1, err := n1.OpenHost("a", lim)
	if err != nil {
		t.Fatal(err)
	}
	site, err := n1.Open("a", lim)
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, host1, "t/x", "sealed")
	if keys, err := site.List("", "", 10); err != nil || len(keys) != 0 {
		t.Errorf("the site's bucket lists %q %v, want nothing", keys, err)
	}
	host2, err := n2.OpenHost("a", lim)
	if err != nil {
		t.Fatal(err)
	}
	wantValue(t, host2, "t/x", "sealed")
	if kv.HostBucketName("a") == kv.BucketName("a") {
		t.Error("the host's bucket is named as the site's")
	}
}
