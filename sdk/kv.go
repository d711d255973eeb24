package sdk

import (
	"encoding/binary"
	"math"
	"strings"
	"time"
	"unsafe"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/hostcall"
)

// Key-value storage (abi/ABI.md section 7.13).
//
// Each site has a store of its own that outlives requests, instances and
// restarts of the server. Keys are 1 to 256 bytes (the site's
// max_key_bytes) of ASCII letters, digits and "-_/=.", neither starting
// nor ending with "." and without ".."; "posts/2024/hello" is a key.
// Values are any bytes, up to the site's max_value_bytes (1 MiB by
// default). Each write gives the key a new, greater version, which a
// later write can be made conditional on.

// KV is the key-value store of the site serving the request; get it
// with Context.KV. It is valid while the Context is.
type KV struct{ c *Context }

// KV returns the site's key-value store.
func (c *Context) KV() KV { return KV{c} }

// An Entry is a key's value and version.
type Entry struct {
	Value []byte
	// Version is the key's version, a positive integer that grows with
	// every write of the store.
	Version int64
}

// A KVOption changes a write: KVTTL, KVIfAbsent or KVIfVersion.
type KVOption func(*kvWrite)

type kvWrite struct {
	ttl    int32
	expect int64
	bad    bool
}

// KVTTL makes the key expire d after the write, rounded up to whole
// seconds. For Incr, it applies only when the call creates the key.
func KVTTL(d time.Duration) KVOption {
	return func(w *kvWrite) {
		s := (d + time.Second - 1) / time.Second
		if d <= 0 || s > math.MaxInt32 {
			w.bad = true
			return
		}
		w.ttl = int32(s)
	}
}

// KVIfAbsent makes Set write only when the key has no value:
// ErrConflict when it has one.
func KVIfAbsent() KVOption { return func(w *kvWrite) { w.expect = abi.KVAbsent } }

// KVIfVersion makes Set and Delete act only when version is the key's
// version; ErrConflict otherwise.
func KVIfVersion(version int64) KVOption {
	return func(w *kvWrite) {
		if version < 1 {
			w.bad = true
		}
		w.expect = version
	}
}

func kvOptions(opts []KVOption) kvWrite {
	w := kvWrite{expect: abi.KVAny}
	for _, o := range opts {
		o(&w)
	}
	return w
}

// Get returns key's value and version. The error wraps ErrNotFound when
// the key has no value (never set, deleted or expired), ErrInvalid or
// ErrTooLarge for a key outside the rules, and ErrUnavailable when the
// host cannot reach the store.
func (kv KV) Get(key string) (Entry, error) {
	b, n := kv.c.output(true, func(buf *byte, bufLimit int32) int32 {
		return hostcall.KVGet(key, buf, bufLimit)
	})
	if n < 0 {
		return Entry{}, &CallError{Func: abi.FuncKVGet, Code: n}
	}
	if len(b) < abi.KVVersionLen {
		return Entry{}, &CallError{Func: abi.FuncKVGet, Code: abi.ErrUnavailable}
	}
	return Entry{Value: b[abi.KVVersionLen:], Version: int64(binary.LittleEndian.Uint64(b))}, nil
}

// Set stores value under key and returns its new version. The error
// wraps ErrConflict when a KVIfAbsent or KVIfVersion condition does not
// hold, ErrTooLarge past the site's quotas (keys, bytes, key or value
// size), ErrInvalid for a key outside the rules, and ErrUnavailable.
func (kv KV) Set(key string, value []byte, opts ...KVOption) (version int64, err error) {
	w := kvOptions(opts)
	if w.bad {
		return 0, &CallError{Func: abi.FuncKVSet, Code: abi.ErrInvalid}
	}
	if len(value) > math.MaxInt32 {
		return 0, &CallError{Func: abi.FuncKVSet, Code: abi.ErrTooLarge}
	}
	r := hostcall.KVSet(key, unsafe.SliceData(value), int32(len(value)), w.ttl, w.expect)
	if r < 0 {
		return 0, &CallError{Func: abi.FuncKVSet, Code: code32(r)}
	}
	return r, nil
}

// SetString is Set for a string, without copying it.
func (kv KV) SetString(key, value string, opts ...KVOption) (version int64, err error) {
	return kv.Set(key, unsafe.Slice(unsafe.StringData(value), len(value)), opts...)
}

// Delete removes key. The error wraps ErrNotFound when it has no value
// (and no KVIfVersion was given), ErrConflict when a condition does not
// hold, and ErrUnavailable.
func (kv KV) Delete(key string, opts ...KVOption) error {
	w := kvOptions(opts)
	if w.bad || w.ttl != 0 {
		return &CallError{Func: abi.FuncKVDelete, Code: abi.ErrInvalid}
	}
	return callErr(abi.FuncKVDelete, hostcall.KVDelete(key, w.expect))
}

// Incr adds delta to the integer key holds, in decimal (as Get then
// reads it), or to 0 when it has none, and returns the sum, in one
// atomic step. KVTTL applies when the call creates the key, so that a
// count per minute is Incr(key, 1, KVTTL(time.Minute)). The error wraps
// ErrInvalid when the key holds something else or the sum overflows,
// ErrTooLarge past the quotas, and ErrUnavailable.
func (kv KV) Incr(key string, delta int64, opts ...KVOption) (int64, error) {
	w := kvOptions(opts)
	if w.bad || w.expect != abi.KVAny {
		return 0, &CallError{Func: abi.FuncKVIncr, Code: abi.ErrInvalid}
	}
	var sum [abi.KVVersionLen]byte
	if r := hostcall.KVIncr(key, delta, w.ttl, &sum[0], int32(len(sum))); r < 0 {
		return 0, &CallError{Func: abi.FuncKVIncr, Code: r}
	}
	return int64(binary.LittleEndian.Uint64(sum[:])), nil
}

// List returns at most limit (1 to 1000) keys that start with prefix
// and sort after after, in byte order. Pass "" as after for the first
// page and the last key of a page for the next; a page shorter than
// limit is the last. The error wraps ErrInvalid for a limit out of
// range or a prefix no key could start with, and ErrUnavailable.
func (kv KV) List(prefix, after string, limit int) ([]string, error) {
	if limit < 1 || limit > abi.MaxKVList {
		return nil, &CallError{Func: abi.FuncKVList, Code: abi.ErrInvalid}
	}
	b, n := kv.c.output(false, func(buf *byte, bufLimit int32) int32 {
		return hostcall.KVList(prefix, after, int32(limit), buf, bufLimit)
	})
	if n < 0 {
		return nil, &CallError{Func: abi.FuncKVList, Code: n}
	}
	if n == 0 {
		return nil, nil
	}
	return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00"), nil
}
