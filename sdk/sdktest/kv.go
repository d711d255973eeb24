package sdktest

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/internal/native"
)

// This file holds the fake host's key-value store and its calls
// (abi/ABI.md section 7.13).

// KVLimits are the quotas of each site's store in a KVStore.
type KVLimits struct {
	MaxKeys       int
	MaxBytes      int
	MaxKeyBytes   int
	MaxValueBytes int
}

// DefaultKVLimits are the real host's default quotas.
var DefaultKVLimits = KVLimits{MaxKeys: 10000, MaxBytes: 64 << 20, MaxKeyBytes: 256, MaxValueBytes: 1 << 20}

// A KVStore is the fake host's key-value storage: a store per site, in
// memory, with the real host's answers: versions that grow with every
// write, compare-and-set, expiry on the store's clock, the quotas of
// KVLimits, and lists in byte order after a cursor. Requests use
// DefaultKV unless Request.WithKV gives another.
//
// A KVStore is safe for concurrent use.
type KVStore struct {
	mu sync.Mutex
	// sites, version, lim, now and down are guarded by mu.
	sites   map[string]map[string]*kvEntry
	version int64
	lim     KVLimits
	now     func() time.Time
	down    bool
}

type kvEntry struct {
	value   []byte
	version int64
	expires time.Time // zero: never
}

// DefaultKV is the store of requests that name none.
var DefaultKV = NewKVStore()

// NewKVStore returns an empty store with DefaultKVLimits and the
// system's clock.
func NewKVStore() *KVStore {
	return &KVStore{sites: map[string]map[string]*kvEntry{}, lim: DefaultKVLimits, now: time.Now}
}

// SetLimits sets the quotas of every site.
func (s *KVStore) SetLimits(l KVLimits) {
	s.mu.Lock()
	s.lim = l
	s.mu.Unlock()
}

// SetClock sets the clock that expires keys.
func (s *KVStore) SetClock(now func() time.Time) {
	s.mu.Lock()
	s.now = now
	s.mu.Unlock()
}

// SetUnavailable makes every call answer ERR_UNAVAILABLE (true), as
// when the host cannot reach its store, or work again (false).
func (s *KVStore) SetUnavailable(down bool) {
	s.mu.Lock()
	s.down = down
	s.mu.Unlock()
}

// Reset forgets every key of every site and undoes SetLimits, SetClock
// and SetUnavailable.
func (s *KVStore) Reset() {
	s.mu.Lock()
	s.sites = map[string]map[string]*kvEntry{}
	s.lim, s.now, s.down = DefaultKVLimits, time.Now, false
	s.mu.Unlock()
}

// Value returns the value site's key holds, for a test's assertions.
func (s *KVStore) Value(site, key string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.liveLocked(site, key)
	if e == nil {
		return nil, false
	}
	return slices.Clone(e.value), true
}

// Put stores value under site's key without conditions or expiry, as a
// test's setup does, and returns its version.
func (s *KVStore) Put(site, key string, value []byte) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sites[site] == nil {
		s.sites[site] = map[string]*kvEntry{}
	}
	s.version++
	s.sites[site][key] = &kvEntry{value: slices.Clone(value), version: s.version}
	return s.version
}

// WithKV makes the request use store s for its site's keys.
func (r *Request) WithKV(s *KVStore) *Request {
	c := r.clone()
	c.kv = s
	return c
}

func (s *KVStore) liveLocked(site, key string) *kvEntry {
	e := s.sites[site][key]
	if e == nil || !e.expires.IsZero() && !s.now().Before(e.expires) {
		return nil
	}
	return e
}

// usageLocked returns site's keys and bytes, expired keys swept first
// when sweep is set.
func (s *KVStore) usageLocked(site string, sweep bool) (keys, size int) {
	for k, e := range s.sites[site] {
		if sweep && s.liveLocked(site, k) == nil {
			delete(s.sites[site], k)
			continue
		}
		keys++
		size += len(k) + len(e.value)
	}
	return keys, size
}

// checkKey is the host's check of a key: too long first, then the
// alphabet.
func (s *KVStore) checkKey(key string) int32 {
	if len(key) > s.lim.MaxKeyBytes {
		return abi.ErrTooLarge
	}
	if !abi.ValidKVKey(key) {
		return abi.ErrInvalid
	}
	return 0
}

// putLocked stores value within the quotas and returns its version.
func (s *KVStore) putLocked(site, key string, value []byte, expires time.Time) int64 {
	fits := func(sweep bool) bool {
		keys, size := s.usageLocked(site, sweep)
		if old := s.sites[site][key]; old != nil {
			keys--
			size -= len(key) + len(old.value)
		}
		return keys+1 <= s.lim.MaxKeys && size+len(key)+len(value) <= s.lim.MaxBytes
	}
	if !fits(false) && !fits(true) {
		return abi.ErrTooLarge
	}
	if s.sites[site] == nil {
		s.sites[site] = map[string]*kvEntry{}
	}
	s.version++
	s.sites[site][key] = &kvEntry{value: slices.Clone(value), version: s.version, expires: expires}
	return s.version
}

func (s *KVStore) expiry(ttl int32) time.Time {
	if ttl <= 0 {
		return time.Time{}
	}
	return s.now().Add(time.Duration(ttl) * time.Second)
}

func (s *KVStore) get(site, key string) ([]byte, int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.checkKey(key); r != 0 {
		return nil, r
	}
	if s.down {
		return nil, abi.ErrUnavailable
	}
	e := s.liveLocked(site, key)
	if e == nil {
		return nil, abi.ErrNotFound
	}
	out := binary.LittleEndian.AppendUint64(make([]byte, 0, abi.KVVersionLen+len(e.value)), uint64(e.version))
	return append(out, e.value...), 0
}

func (s *KVStore) set(site, key string, value []byte, ttl int32, expect int64) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.checkKey(key); r != 0 {
		return int64(r)
	}
	switch {
	case len(value) > s.lim.MaxValueBytes:
		return abi.ErrTooLarge
	case ttl < 0 || expect < abi.KVAny:
		return abi.ErrInvalid
	case s.down:
		return abi.ErrUnavailable
	}
	e := s.liveLocked(site, key)
	switch {
	case expect == abi.KVAbsent && e != nil,
		expect > 0 && (e == nil || e.version != expect):
		return abi.ErrConflict
	}
	return s.putLocked(site, key, value, s.expiry(ttl))
}

func (s *KVStore) delete(site, key string, expect int64) int32 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.checkKey(key); r != 0 {
		return r
	}
	switch {
	case expect < abi.KVAny:
		return abi.ErrInvalid
	case s.down:
		return abi.ErrUnavailable
	}
	e := s.liveLocked(site, key)
	switch {
	case e == nil && expect <= abi.KVAbsent:
		return abi.ErrNotFound
	case e == nil || expect == abi.KVAbsent || expect > 0 && e.version != expect:
		return abi.ErrConflict
	}
	delete(s.sites[site], key)
	return 0
}

func (s *KVStore) incr(site, key string, delta int64, ttl int32) (int64, int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.checkKey(key); r != 0 {
		return 0, r
	}
	switch {
	case ttl < 0:
		return 0, abi.ErrInvalid
	case s.down:
		return 0, abi.ErrUnavailable
	}
	var n int64
	expires := s.expiry(ttl)
	if e := s.liveLocked(site, key); e != nil {
		var err error
		if len(e.value) == 0 || e.value[0] == '+' {
			return 0, abi.ErrInvalid
		}
		if n, err = strconv.ParseInt(string(e.value), 10, 64); err != nil {
			return 0, abi.ErrInvalid
		}
		expires = e.expires
	}
	sum := n + delta
	if delta > 0 && sum < n || delta < 0 && sum > n {
		return 0, abi.ErrInvalid
	}
	if r := s.putLocked(site, key, strconv.AppendInt(nil, sum, 10), expires); r < 0 {
		return 0, int32(r)
	}
	return sum, 0
}

// kvPart reports whether s could start a key.
func kvPart(s string) bool {
	if len(s) > abi.MaxKVKey {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_/=.", c) >= 0) {
			return false
		}
	}
	return true
}

func (s *KVStore) list(site, prefix, after string, limit int32) (string, int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if limit < 1 || limit > abi.MaxKVList || !kvPart(prefix) || !kvPart(after) {
		return "", abi.ErrInvalid
	}
	if s.down {
		return "", abi.ErrUnavailable
	}
	var keys []string
	for k := range s.sites[site] {
		if strings.HasPrefix(k, prefix) && k > after && s.liveLocked(site, k) != nil {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return nulList(keys[:min(len(keys), int(limit))]), 0
}

func (h *fakeHost) kv() *KVStore {
	if h.req.kv != nil {
		return h.req.kv
	}
	return DefaultKV
}

var _ native.KV = (*fakeHost)(nil)

func (h *fakeHost) KVGet(key string, buf []byte) int32 {
	v, r := h.kv().get(h.site, key)
	if r == 0 {
		r = output(buf, v)
	}
	return h.call(r, abi.FuncKVGet, "key=%q, buf_limit=%d", key, len(buf))
}

func (h *fakeHost) KVSet(key string, value []byte, ttlSeconds int32, expect int64) int64 {
	r := h.kv().set(h.site, key, value, ttlSeconds, expect)
	h.trace = append(h.trace, fmt.Sprintf("%s(key=%q, value_len=%d, ttl_seconds=%d, expect=%d) = %d",
		abi.FuncKVSet, key, len(value), ttlSeconds, expect, r))
	return r
}

func (h *fakeHost) KVDelete(key string, expect int64) int32 {
	return h.call(h.kv().delete(h.site, key, expect), abi.FuncKVDelete, "key=%q, expect=%d", key, expect)
}

func (h *fakeHost) KVIncr(key string, delta int64, ttlSeconds int32, result []byte) int32 {
	var r int32
	if len(result) != abi.KVVersionLen {
		r = abi.ErrInvalid
	} else {
		var sum int64
		if sum, r = h.kv().incr(h.site, key, delta, ttlSeconds); r == 0 {
			binary.LittleEndian.PutUint64(result, uint64(sum))
		}
	}
	return h.call(r, abi.FuncKVIncr, "key=%q, delta=%d, ttl_seconds=%d, result_len=%d", key, delta, ttlSeconds, len(result))
}

func (h *fakeHost) KVList(prefix, after string, limit int32, buf []byte) int32 {
	v, r := h.kv().list(h.site, prefix, after, limit)
	if r == 0 {
		r = output(buf, v)
	}
	return h.call(r, abi.FuncKVList, "prefix=%q, after=%q, limit=%d, buf_limit=%d", prefix, after, limit, len(buf))
}

// Outside a request, as on the real host.

var _ native.KV = noRequest{}

func (noRequest) KVGet(string, []byte) int32                 { return abi.ErrNoRequest }
func (noRequest) KVSet(string, []byte, int32, int64) int64   { return abi.ErrNoRequest }
func (noRequest) KVDelete(string, int64) int32               { return abi.ErrNoRequest }
func (noRequest) KVIncr(string, int64, int32, []byte) int32  { return abi.ErrNoRequest }
func (noRequest) KVList(string, string, int32, []byte) int32 { return abi.ErrNoRequest }
