package sdk_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// kvTest runs fn as a handler under the fake host with store s, for site.
func kvTest(t *testing.T, s *sdktest.KVStore, site string, fn func(kv sdk.KV)) {
	t.Helper()
	name := fmt.Sprintf("kvtest-%s-%d", t.Name(), kvTests.next())
	sdk.Handle(name, func(c *sdk.Context) { fn(c.KV()) })
	resp := sdktest.Serve(name, sdktest.NewRequest("GET", "/").WithKV(s).WithSite(site))
	if resp.Status != 200 {
		t.Fatalf("handler failed: %d %s", resp.Status, resp.Body)
	}
}

type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) next() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

var kvTests counter

func wantCode(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}

func TestKVFake(t *testing.T) {
	s := sdktest.NewKVStore()
	now := time.Unix(1_700_000_000, 0)
	s.SetClock(func() time.Time { return now })
	big := strings.Repeat("v", 5000) // past the Context's first buffer
	kvTest(t, s, "a", func(kv sdk.KV) {
		_, err := kv.Get("k")
		wantCode(t, "get missing", err, sdk.ErrNotFound)
		v1, err := kv.SetString("k", big, sdk.KVIfAbsent())
		if err != nil {
			t.Fatal(err)
		}
		if e, err := kv.Get("k"); err != nil || string(e.Value) != big || e.Version != v1 {
			t.Errorf("get: %d bytes version %d, %v; want %d bytes version %d", len(e.Value), e.Version, err, len(big), v1)
		}
		_, err = kv.SetString("k", "x", sdk.KVIfAbsent())
		wantCode(t, "create twice", err, sdk.ErrConflict)
		v2, err := kv.SetString("k", "x", sdk.KVIfVersion(v1))
		if err != nil || v2 <= v1 {
			t.Errorf("compare-and-set: %d, %v", v2, err)
		}
		wantCode(t, "stale delete", kv.Delete("k", sdk.KVIfVersion(v1)), sdk.ErrConflict)
		if err := kv.Delete("k"); err != nil {
			t.Error(err)
		}
		wantCode(t, "delete twice", kv.Delete("k"), sdk.ErrNotFound)
		_, err = kv.SetString("bad:key", "x")
		wantCode(t, "bad key", err, sdk.ErrInvalid)
		_, err = kv.SetString(strings.Repeat("k", 257), "x")
		wantCode(t, "long key", err, sdk.ErrTooLarge)
		_, err = kv.Set("v", make([]byte, 1<<20+1))
		wantCode(t, "long value", err, sdk.ErrTooLarge)
		_, err = kv.SetString("t", "x", sdk.KVTTL(-time.Second))
		wantCode(t, "negative TTL", err, sdk.ErrInvalid)
		if _, err := kv.SetString("t", "x", sdk.KVTTL(1500*time.Millisecond)); err != nil {
			t.Error(err)
		}
		if n, err := kv.Incr("n", 41); err != nil || n != 41 {
			t.Errorf("incr: %d, %v", n, err)
		}
		if n, err := kv.Incr("n", 1); err != nil || n != 42 {
			t.Errorf("incr: %d, %v", n, err)
		}
		if e, _ := kv.Get("n"); string(e.Value) != "42" {
			t.Errorf("incremented value %q", e.Value)
		}
		_, err = kv.Incr("t", 1)
		wantCode(t, "incr of text", err, sdk.ErrInvalid)
		for i := range 25 {
			kv.SetString(fmt.Sprintf("p/%02d", i), "x")
		}
		var all []string
		for after := ""; ; {
			keys, err := kv.List("p/", after, 10)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, keys...)
			if len(keys) < 10 {
				break
			}
			after = keys[len(keys)-1]
		}
		if len(all) != 25 || all[0] != "p/00" || all[24] != "p/24" {
			t.Errorf("paged list: %q", all)
		}
		_, err = kv.List("p/", "", 0)
		wantCode(t, "limit 0", err, sdk.ErrInvalid)
		_, err = kv.List("p:", "", 10)
		wantCode(t, "bad prefix", err, sdk.ErrInvalid)
	})
	// Two seconds later the TTL'd key is gone; site b sees none of a's.
	now = now.Add(2 * time.Second)
	kvTest(t, s, "a", func(kv sdk.KV) {
		_, err := kv.Get("t")
		wantCode(t, "expired", err, sdk.ErrNotFound)
	})
	kvTest(t, s, "b", func(kv sdk.KV) {
		_, err := kv.Get("n")
		wantCode(t, "another site's key", err, sdk.ErrNotFound)
		if keys, _ := kv.List("", "", 100); len(keys) != 0 {
			t.Errorf("site b lists %q", keys)
		}
	})
	s.SetLimits(sdktest.KVLimits{MaxKeys: 2, MaxBytes: 100, MaxKeyBytes: 10, MaxValueBytes: 50})
	kvTest(t, s, "c", func(kv sdk.KV) {
		kv.SetString("a", "1")
		kv.SetString("b", "2")
		_, err := kv.SetString("c", "3")
		wantCode(t, "third key of two", err, sdk.ErrTooLarge)
		if _, err := kv.SetString("a", "overwrite"); err != nil {
			t.Errorf("overwrite at the cap: %v", err)
		}
	})
	s.SetUnavailable(true)
	kvTest(t, s, "a", func(kv sdk.KV) {
		_, err := kv.Get("n")
		wantCode(t, "store down", err, sdk.ErrUnavailable)
	})
}
