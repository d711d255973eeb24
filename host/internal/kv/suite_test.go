package kv_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/conformance/natstest"
	"github.com/wasmweb/wasmweb/host/internal/kv"
)

// The suite below runs on every backend: the same calls must give the
// same answers on bbolt and on NATS JetStream.

// clock is a settable clock for expiries.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one backend under test: its stores, which restart makes anew
// (a restart of the server), and its clock.
type env struct {
	t       *testing.T
	cfg     kv.Config
	stores  *kv.Stores
	clock   *clock
	restart func() // restarts what the backend depends on, if anything
}

var lim = kv.Limits{MaxKeys: 1000, MaxBytes: 1 << 20, MaxKeyBytes: 256, MaxValueBytes: 64 << 10}

func (e *env) open(site string, l kv.Limits) kv.Store {
	e.t.Helper()
	s, err := e.stores.Open(site, l)
	if err != nil {
		e.t.Fatalf("open %s: %v", site, err)
	}
	return s
}

func (e *env) reopen() {
	e.t.Helper()
	if err := e.stores.Close(); err != nil {
		e.t.Fatalf("close: %v", err)
	}
	if e.restart != nil {
		e.restart()
	}
	e.stores = kv.NewStores(e.cfg)
}

type backend struct {
	name string
	make func(t *testing.T) *env
}

func boltEnv(t *testing.T) *env {
	c := &clock{t: time.Now()}
	cfg := kv.Config{Backend: kv.BackendBolt, Dir: t.TempDir(), Bolt: kv.BoltOptions{Now: c.Now}}
	e := &env{t: t, cfg: cfg, stores: kv.NewStores(cfg), clock: c}
	t.Cleanup(func() { e.stores.Close() })
	return e
}

func natsEnv(t *testing.T) *env {
	srv := natstest.Start(t, t.TempDir())
	c := &clock{t: time.Now()}
	cfg := kv.Config{Backend: kv.BackendNATS, NATS: kv.NATSConfig{URL: srv.URL(), Timeout: 5 * time.Second, Now: c.Now}}
	e := &env{t: t, cfg: cfg, stores: kv.NewStores(cfg), clock: c, restart: srv.Restart}
	t.Cleanup(func() { e.stores.Close() })
	return e
}

var backends = []backend{{"bbolt", boltEnv}, {"nats", natsEnv}}

func TestSuite(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			for _, c := range suite {
				t.Run(c.name, func(t *testing.T) { c.run(t, b.make(t)) })
			}
		})
	}
}

var suite = []struct {
	name string
	run  func(t *testing.T, e *env)
}{
	{"get-set-versions", getSet},
	{"compare-and-set", compareAndSet},
	{"delete", deleteCases},
	{"ttl-expiry", ttlExpiry},
	{"incr", incr},
	{"incr-concurrent", incrConcurrent},
	{"list-pages", listPages},
	{"quota-keys", quotaKeys},
	{"quota-bytes-and-sizes", quotaBytes},
	{"persists-across-restart", persists},
	{"sites-isolated", isolated},
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

func mustSet(t *testing.T, s kv.Store, key, value string) uint64 {
	t.Helper()
	v, err := s.Set(key, []byte(value), 0, kv.Any)
	if err != nil || v == 0 {
		t.Fatalf("set %s: version %d, %v", key, v, err)
	}
	return v
}

func wantValue(t *testing.T, s kv.Store, key, value string) kv.Entry {
	t.Helper()
	e, err := s.Get(key)
	if err != nil || string(e.Value) != value {
		t.Fatalf("get %s: %q, %v; want %q", key, e.Value, err, value)
	}
	return e
}

func getSet(t *testing.T, e *env) {
	s := e.open("a", lim)
	_, err := s.Get("missing")
	wantErr(t, "get missing", err, kv.ErrNotFound)
	v1 := mustSet(t, s, "k", "one")
	if got := wantValue(t, s, "k", "one"); got.Version != v1 {
		t.Errorf("version %d, set returned %d", got.Version, v1)
	}
	v2 := mustSet(t, s, "k", "")
	if v2 <= v1 {
		t.Errorf("second write's version %d not after %d", v2, v1)
	}
	if v3 := mustSet(t, s, "other", "x"); v3 <= v2 {
		t.Errorf("another key's version %d not after %d", v3, v2)
	}
	wantValue(t, s, "k", "")
}

func compareAndSet(t *testing.T, e *env) {
	s := e.open("a", lim)
	v1, err := s.Set("k", []byte("1"), 0, kv.Absent)
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	_, err = s.Set("k", []byte("2"), 0, kv.Absent)
	wantErr(t, "create again", err, kv.ErrConflict)
	v2, err := s.Set("k", []byte("2"), 0, int64(v1))
	if err != nil {
		t.Fatalf("set at version %d: %v", v1, err)
	}
	_, err = s.Set("k", []byte("3"), 0, int64(v1))
	wantErr(t, "set at a stale version", err, kv.ErrConflict)
	wantValue(t, s, "k", "2")
	_, err = s.Set("nokey", []byte("3"), 0, int64(v2))
	wantErr(t, "set a missing key at a version", err, kv.ErrConflict)
	if _, err := s.Get("nokey"); !errors.Is(err, kv.ErrNotFound) {
		t.Errorf("a refused write made the key: %v", err)
	}
}

func deleteCases(t *testing.T, e *env) {
	s := e.open("a", lim)
	wantErr(t, "delete missing", s.Delete("k", kv.Any), kv.ErrNotFound)
	wantErr(t, "delete missing, absent", s.Delete("k", kv.Absent), kv.ErrNotFound)
	wantErr(t, "delete missing at a version", s.Delete("k", 5), kv.ErrConflict)
	v := mustSet(t, s, "k", "x")
	wantErr(t, "delete at a stale version", s.Delete("k", int64(v)+1000), kv.ErrConflict)
	wantErr(t, "delete expecting absent", s.Delete("k", kv.Absent), kv.ErrConflict)
	if err := s.Delete("k", int64(v)); err != nil {
		t.Fatalf("delete at its version: %v", err)
	}
	_, err := s.Get("k")
	wantErr(t, "get deleted", err, kv.ErrNotFound)
	if _, err := s.Set("k", []byte("again"), 0, kv.Absent); err != nil {
		t.Fatalf("create a deleted key: %v", err)
	}
	if err := s.Delete("k", kv.Any); err != nil {
		t.Fatalf("delete any: %v", err)
	}
	if keys, err := s.List("", "", 10); err != nil || len(keys) != 0 {
		t.Errorf("list after deletes: %q, %v", keys, err)
	}
}

func ttlExpiry(t *testing.T, e *env) {
	s := e.open("a", lim)
	if _, err := s.Set("t", []byte("soon"), 5*time.Second, kv.Any); err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "keep", "x")
	e.clock.Add(4 * time.Second)
	wantValue(t, s, "t", "soon")
	e.clock.Add(2 * time.Second)
	_, err := s.Get("t")
	wantErr(t, "get expired", err, kv.ErrNotFound)
	wantErr(t, "delete expired", s.Delete("t", kv.Any), kv.ErrNotFound)
	if _, err := s.Set("t", []byte("new"), 0, kv.Absent); err != nil {
		t.Fatalf("create over an expired key: %v", err)
	}
	e.clock.Add(time.Hour)
	wantValue(t, s, "t", "new") // a write without a TTL keeps it for good
	wantValue(t, s, "keep", "x")
}

func incr(t *testing.T, e *env) {
	s := e.open("a", lim)
	n, err := s.Incr("n", 5, 0)
	if err != nil || n != 5 {
		t.Fatalf("incr new: %d, %v", n, err)
	}
	if n, err = s.Incr("n", -7, 0); err != nil || n != -2 {
		t.Fatalf("incr -7: %d, %v", n, err)
	}
	wantValue(t, s, "n", "-2")
	mustSet(t, s, "text", "abc")
	_, err = s.Incr("text", 1, 0)
	wantErr(t, "incr text", err, kv.ErrNotInteger)
	wantValue(t, s, "text", "abc")
	mustSet(t, s, "plus", "+1")
	_, err = s.Incr("plus", 1, 0)
	wantErr(t, "incr +1", err, kv.ErrNotInteger)
	mustSet(t, s, "big", "9223372036854775807")
	_, err = s.Incr("big", 1, 0)
	wantErr(t, "incr past int64", err, kv.ErrNotInteger)
	wantValue(t, s, "big", "9223372036854775807")

	// The TTL applies when the increment creates the key.
	if _, err := s.Incr("window", 1, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(6 * time.Second)
	if n, err := s.Incr("window", 1, 10*time.Second); err != nil || n != 2 {
		t.Fatalf("second incr: %d, %v", n, err)
	}
	e.clock.Add(6 * time.Second)
	if n, err := s.Incr("window", 1, 10*time.Second); err != nil || n != 1 {
		t.Fatalf("incr after the first one's expiry: %d, %v; want a new count of 1", n, err)
	}
}

func incrConcurrent(t *testing.T, e *env) {
	s := e.open("a", lim)
	const workers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range each {
				if _, err := s.Incr("hits", 1, 0); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	wantValue(t, s, "hits", fmt.Sprint(workers*each))
}

func listPages(t *testing.T, e *env) {
	s := e.open("a", lim)
	var want []string
	for i := range 250 {
		k := fmt.Sprintf("p/%04d", i)
		want = append(want, k)
		mustSet(t, s, k, "v")
	}
	mustSet(t, s, "p", "not under p/")
	mustSet(t, s, "q/1", "other prefix")
	mustSet(t, s, "o/9", "other prefix")
	var got []string
	after, pages := "", 0
	for {
		keys, err := s.List("p/", after, 100)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, keys...)
		if len(keys) < 100 {
			break
		}
		after = keys[len(keys)-1]
	}
	if pages != 3 || strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%d pages, %d keys %q..., want 3 pages of the 250 keys in order", pages, len(got), got[:min(3, len(got))])
	}
	all, err := s.List("", "", 1000)
	if err != nil || len(all) != 253 || all[0] != "o/9" || all[252] != "q/1" {
		t.Errorf("list all: %d keys, %v", len(all), err)
	}
	if keys, _ := s.List("p/", "p/0248", 100); strings.Join(keys, ",") != "p/0249" {
		t.Errorf("list after p/0248: %q", keys)
	}
	if keys, _ := s.List("zz", "", 10); len(keys) != 0 {
		t.Errorf("list of an unused prefix: %q", keys)
	}
}

func quotaKeys(t *testing.T, e *env) {
	l := lim
	l.MaxKeys = 5
	s := e.open("a", l)
	for i := range 5 {
		mustSet(t, s, fmt.Sprint("k", i), "v")
	}
	_, err := s.Set("k5", []byte("v"), 0, kv.Any)
	wantErr(t, "sixth key", err, kv.ErrTooLarge)
	_, err = s.Incr("k6", 1, 0)
	wantErr(t, "sixth key by incr", err, kv.ErrTooLarge)
	if _, err := s.Get("k5"); !errors.Is(err, kv.ErrNotFound) {
		t.Errorf("refused key stored: %v", err)
	}
	mustSet(t, s, "k0", "overwrite at the cap")
	if err := s.Delete("k1", kv.Any); err != nil {
		t.Fatal(err)
	}
	mustSet(t, s, "k5", "in the deleted key's place")
	// Raising the quota takes effect at once.
	l.MaxKeys = 6
	s = e.open("a", l)
	mustSet(t, s, "k6", "v")
}

func quotaBytes(t *testing.T, e *env) {
	l := lim
	l.MaxBytes = 4096
	l.MaxValueBytes = 1000
	l.MaxKeyBytes = 16
	s := e.open("a", l)
	if err := l.CheckWrite("k", 1001, 0, kv.Any); !errors.Is(err, kv.ErrTooLarge) {
		t.Errorf("value past max_value_bytes: %v", err)
	}
	if err := l.CheckWrite("k", 1000, 0, kv.Any); err != nil {
		t.Errorf("value at max_value_bytes: %v", err)
	}
	if err := l.CheckKey(strings.Repeat("k", 17)); !errors.Is(err, kv.ErrTooLarge) {
		t.Errorf("key past max_key_bytes: %v", err)
	}
	if err := l.CheckKey(strings.Repeat("k", 16)); err != nil {
		t.Errorf("key at max_key_bytes: %v", err)
	}
	if err := l.CheckKey("a:b"); !errors.Is(err, kv.ErrInvalid) {
		t.Errorf("key with a colon: %v", err)
	}
	big := strings.Repeat("x", 1000)
	full := -1
	for i := range 10 {
		if _, err := s.Set(fmt.Sprint("b", i), []byte(big), 0, kv.Any); err != nil {
			wantErr(t, "write past max_bytes", err, kv.ErrTooLarge)
			full = i
			break
		}
	}
	if full < 3 || full > 4 {
		t.Fatalf("max_bytes 4096 filled after %d values of 1000 bytes, want 3 or 4", full)
	}
	if _, err := s.Get(fmt.Sprint("b", full)); !errors.Is(err, kv.ErrNotFound) {
		t.Errorf("refused value stored: %v", err)
	}
	if err := s.Delete("b0", kv.Any); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Set(fmt.Sprint("b", full), []byte(big), 0, kv.Any); err != nil {
		t.Errorf("write after a delete made room: %v", err)
	}
}

func persists(t *testing.T, e *env) {
	s := e.open("a", lim)
	v := mustSet(t, s, "k", "kept")
	if _, err := s.Set("t", []byte("ttl"), time.Hour, kv.Any); err != nil {
		t.Fatal(err)
	}
	e.reopen()
	s = e.open("a", lim)
	if got := wantValue(t, s, "k", "kept"); got.Version != v {
		t.Errorf("version %d after restart, was %d", got.Version, v)
	}
	wantValue(t, s, "t", "ttl")
	if v2 := mustSet(t, s, "k2", "x"); v2 <= v {
		t.Errorf("version after restart %d not after %d", v2, v)
	}
}

func isolated(t *testing.T, e *env) {
	a, b := e.open("a", lim), e.open("b", lim)
	mustSet(t, a, "secret", "a's")
	_, err := b.Get("secret")
	wantErr(t, "b reads a's key", err, kv.ErrNotFound)
	if keys, err := b.List("", "", 100); err != nil || len(keys) != 0 {
		t.Errorf("b lists %q, %v", keys, err)
	}
	wantErr(t, "b deletes a's key", b.Delete("secret", kv.Any), kv.ErrNotFound)
	mustSet(t, b, "secret", "b's")
	wantValue(t, a, "secret", "a's")
}
