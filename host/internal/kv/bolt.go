package kv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Bolt is a Store in a bbolt file: one file per site, written by one
// process at a time (a second one waits a second for the file's lock,
// then fails). Every write is a transaction synced to disk before it
// returns, so a write that returned is there after a crash. Safe for
// concurrent use.
//
// The file holds two buckets. "keys" maps a key to a record: its
// version (8 bytes), its expiry in Unix milliseconds (8 bytes, 0 for
// none), then its value; versions come from the bucket's sequence, so
// they only grow. "meta" holds the count of records and their bytes
// (keys and values), kept in the same transactions as the records, so
// the quotas are exact. An expired record counts until a write that
// would pass a quota sweeps the expired ones away.
type Bolt struct {
	db  *bolt.DB
	lim atomic.Pointer[Limits]
	now func() time.Time
}

var (
	keysBucket = []byte("keys")
	metaBucket = []byte("meta")
	metaKeys   = []byte("keys")
	metaBytes  = []byte("bytes")
)

const recordHead = 16 // version and expiry

// BoltOptions are OpenBolt's options.
type BoltOptions struct {
	// Now is the clock that expires keys; default time.Now.
	Now func() time.Time
}

// OpenBolt opens or creates the store at path, creating its directory.
func OpenBolt(path string, lim Limits, opt BoltOptions) (*Bolt, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, unavailable(err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		if errors.Is(err, bolt.ErrTimeout) {
			err = fmt.Errorf("%s is locked by another process", path)
		}
		return nil, unavailable(err)
	}
	b := &Bolt{db: db, now: opt.Now}
	if b.now == nil {
		b.now = time.Now
	}
	b.lim.Store(&lim)
	err = db.Update(func(tx *bolt.Tx) error {
		keys, err := tx.CreateBucketIfNotExists(keysBucket)
		if err != nil {
			return err
		}
		meta, err := tx.CreateBucketIfNotExists(metaBucket)
		if err != nil {
			return err
		}
		if meta.Get(metaKeys) != nil {
			return nil
		}
		var n, size uint64
		err = keys.ForEach(func(k, v []byte) error {
			n++
			size += uint64(len(k) + len(v) - recordHead)
			return nil
		})
		if err != nil {
			return err
		}
		return putCounts(meta, n, size)
	})
	if err != nil {
		db.Close()
		return nil, unavailable(err)
	}
	return b, nil
}

func putCounts(meta *bolt.Bucket, n, size uint64) error {
	if err := meta.Put(metaKeys, binary.LittleEndian.AppendUint64(nil, n)); err != nil {
		return err
	}
	return meta.Put(metaBytes, binary.LittleEndian.AppendUint64(nil, size))
}

func counts(meta *bolt.Bucket) (n, size uint64) {
	if v := meta.Get(metaKeys); len(v) == 8 {
		n = binary.LittleEndian.Uint64(v)
	}
	if v := meta.Get(metaBytes); len(v) == 8 {
		size = binary.LittleEndian.Uint64(v)
	}
	return n, size
}

// record is a decoded record; value is a view of the transaction's
// memory.
type record struct {
	version uint64
	expires int64 // Unix ms, 0 for none
	value   []byte
}

func decode(v []byte) (record, bool) {
	if len(v) < recordHead {
		return record{}, false
	}
	return record{binary.LittleEndian.Uint64(v), int64(binary.LittleEndian.Uint64(v[8:])), v[recordHead:]}, true
}

func (r record) live(now int64) bool { return r.expires == 0 || now < r.expires }

// lookup returns key's record, and whether one is stored (live or not)
// and live.
func (b *Bolt) lookup(keys *bolt.Bucket, key []byte) (r record, stored, live bool) {
	r, stored = decode(keys.Get(key))
	return r, stored, stored && r.live(b.now().UnixMilli())
}

// Get implements Store.
func (b *Bolt) Get(key string) (Entry, error) {
	var e Entry
	err := b.db.View(func(tx *bolt.Tx) error {
		r, _, live := b.lookup(tx.Bucket(keysBucket), []byte(key))
		if !live {
			return ErrNotFound
		}
		e = Entry{Value: bytes.Clone(r.value), Version: r.version}
		return nil
	})
	return e, b.wrap(err)
}

// wrap returns the Store's own errors as they are and wraps others.
func (b *Bolt) wrap(err error) error {
	switch {
	case err == nil, errors.Is(err, ErrNotFound), errors.Is(err, ErrConflict), errors.Is(err, ErrTooLarge),
		errors.Is(err, ErrNotInteger), errors.Is(err, ErrInvalid):
		return err
	}
	return unavailable(err)
}

// errQuota is a write past the keys or bytes quota, which a sweep of
// expired records might make room for.
var errQuota = fmt.Errorf("%w: the site's max_keys or max_bytes", ErrTooLarge)

// update runs fn in a write transaction; when fn finds the store full,
// it sweeps the expired records and runs fn once more.
func (b *Bolt) update(fn func(keys, meta *bolt.Bucket) error) error {
	run := func(tx *bolt.Tx) error { return fn(tx.Bucket(keysBucket), tx.Bucket(metaBucket)) }
	err := b.db.Update(run)
	if errors.Is(err, errQuota) {
		if swept, serr := b.sweep(); serr == nil && swept > 0 {
			err = b.db.Update(run)
		}
	}
	return b.wrap(err)
}

// sweep removes the expired records and returns how many.
func (b *Bolt) sweep() (int, error) {
	n := 0
	err := b.db.Update(func(tx *bolt.Tx) error {
		keys, meta := tx.Bucket(keysBucket), tx.Bucket(metaBucket)
		count, size := counts(meta)
		now := b.now().UnixMilli()
		c := keys.Cursor()
		for k, v := c.First(); k != nil; {
			r, ok := decode(v)
			if ok && r.live(now) {
				k, v = c.Next()
				continue
			}
			count--
			size -= uint64(len(k) + len(v) - recordHead)
			n++
			k = bytes.Clone(k)
			if err := c.Delete(); err != nil {
				return err
			}
			k, v = c.Seek(k) // the next key, after a delete
		}
		return putCounts(meta, count, size)
	})
	return n, err
}

// put stores value under key in place of old (stored when there was a
// record), within the quotas, and returns the new version.
func (b *Bolt) put(keys, meta *bolt.Bucket, key, value []byte, old record, stored bool, expires int64) (uint64, error) {
	lim := b.lim.Load()
	count, size := counts(meta)
	if stored {
		count--
		size -= uint64(len(key) + len(old.value))
	}
	count++
	size += uint64(len(key) + len(value))
	if count > uint64(lim.MaxKeys) || size > uint64(lim.MaxBytes) {
		return 0, errQuota
	}
	version, err := keys.NextSequence()
	if err != nil {
		return 0, err
	}
	rec := make([]byte, recordHead+len(value))
	binary.LittleEndian.PutUint64(rec, version)
	binary.LittleEndian.PutUint64(rec[8:], uint64(expires))
	copy(rec[recordHead:], value)
	if err := keys.Put(key, rec); err != nil {
		return 0, err
	}
	return version, putCounts(meta, count, size)
}

// expiry returns the expiry of a write with ttl, 0 for none.
func (b *Bolt) expiry(ttl time.Duration) int64 {
	if ttl <= 0 {
		return 0
	}
	return b.now().Add(ttl).UnixMilli()
}

// allows reports whether expect admits a write over a key whose live
// record is r (live false when it has none).
func allows(expect int64, r record, live bool) bool {
	switch {
	case expect == Any:
		return true
	case expect == Absent:
		return !live
	default:
		return live && r.version == uint64(expect)
	}
}

// Set implements Store.
func (b *Bolt) Set(key string, value []byte, ttl time.Duration, expect int64) (uint64, error) {
	var version uint64
	k := []byte(key)
	err := b.update(func(keys, meta *bolt.Bucket) error {
		old, stored, live := b.lookup(keys, k)
		if !allows(expect, old, live) {
			return ErrConflict
		}
		var err error
		version, err = b.put(keys, meta, k, value, old, stored, b.expiry(ttl))
		return err
	})
	return version, err
}

// Delete implements Store.
func (b *Bolt) Delete(key string, expect int64) error {
	k := []byte(key)
	return b.update(func(keys, meta *bolt.Bucket) error {
		old, stored, live := b.lookup(keys, k)
		switch {
		case !live && expect <= Absent:
			return ErrNotFound
		case !live || !allows(expect, old, live) || expect == Absent:
			return ErrConflict
		}
		count, size := counts(meta)
		if stored {
			count--
			size -= uint64(len(k) + len(old.value))
		}
		if err := keys.Delete(k); err != nil {
			return err
		}
		return putCounts(meta, count, size)
	})
}

// Incr implements Store.
func (b *Bolt) Incr(key string, delta int64, ttl time.Duration) (int64, error) {
	var sum int64
	k := []byte(key)
	err := b.update(func(keys, meta *bolt.Bucket) error {
		old, stored, live := b.lookup(keys, k)
		var text []byte
		var err error
		sum, text, err = add(old.value, live, delta)
		if err != nil {
			return err
		}
		expires := b.expiry(ttl)
		if live {
			expires = old.expires
		}
		_, err = b.put(keys, meta, k, text, old, stored, expires)
		return err
	})
	return sum, err
}

// List implements Store.
func (b *Bolt) List(prefix, after string, limit int) ([]string, error) {
	var out []string
	err := b.db.View(func(tx *bolt.Tx) error {
		now := b.now().UnixMilli()
		c := tx.Bucket(keysBucket).Cursor()
		start := []byte(prefix)
		if after >= prefix {
			start = []byte(after)
		}
		p := []byte(prefix)
		for k, v := c.Seek(start); k != nil && bytes.HasPrefix(k, p) && len(out) < limit; k, v = c.Next() {
			if string(k) == after {
				continue
			}
			if r, ok := decode(v); ok && r.live(now) {
				out = append(out, string(k))
			}
		}
		return nil
	})
	return out, b.wrap(err)
}

// SetLimits implements Store.
func (b *Bolt) SetLimits(lim Limits) error {
	b.lim.Store(&lim)
	return nil
}

// Close implements Store.
func (b *Bolt) Close() error { return b.db.Close() }

var _ Store = (*Bolt)(nil)
