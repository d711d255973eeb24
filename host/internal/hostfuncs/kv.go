package hostfuncs

import (
	"context"
	"encoding/binary"
	"errors"
	"math"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/guest"
	"github.com/wasmweb/wasmweb/host/internal/kv"
)

// The key-value functions (abi/ABI.md section 7.13). The site's store
// is found by the site's name, which the host's routing chose, so a
// guest can name only its own site's keys.

// KV is what the key-value functions use of a site: the host's stores,
// the site's name and quotas. Immutable; safe for concurrent use.
type KV struct {
	Stores *kv.Stores // nil: the host has no stores (every call is ERR_UNAVAILABLE)
	Site   string
	Limits kv.Limits
}

var kvFunctions = []guest.Func{
	out1(abi.FuncKVGet, str("key"), kvGet),
	wide4(abi.FuncKVSet, str("key"), mem("value"), i32("ttl_seconds"), i64("expect"), kvSet),
	in2(abi.FuncKVDelete, str("key"), i64("expect"), kvDelete),
	in4(abi.FuncKVIncr, str("key"), i64("delta"), i32("ttl_seconds"), mem("result"), kvIncr),
	out3(abi.FuncKVList, str("prefix"), str("after"), i32("limit"), kvList),
}

func init() { Functions = append(Functions, kvFunctions...) }

// kvCode maps a store's error to the ABI's code.
func kvCode(err error) int32 {
	switch {
	case errors.Is(err, kv.ErrNotFound):
		return abi.ErrNotFound
	case errors.Is(err, kv.ErrConflict):
		return abi.ErrConflict
	case errors.Is(err, kv.ErrTooLarge):
		return abi.ErrTooLarge
	case errors.Is(err, kv.ErrInvalid), errors.Is(err, kv.ErrNotInteger):
		return abi.ErrInvalid
	default:
		return abi.ErrUnavailable
	}
}

// store returns the site's store, opening it on first use.
func (c *Call) store() (kv.Store, int32) {
	k := &c.site.KV
	if k.Stores == nil {
		return nil, abi.ErrUnavailable
	}
	s, err := k.Stores.Open(k.Site, k.Limits)
	if err != nil {
		return nil, kvCode(err)
	}
	return s, 0
}

func kvGet(c *Call, key string) (string, int32) {
	if err := c.site.KV.Limits.CheckKey(key); err != nil {
		return "", kvCode(err)
	}
	s, errno := c.store()
	if errno != 0 {
		return "", errno
	}
	e, err := s.Get(key)
	if err != nil {
		return "", kvCode(err)
	}
	out := make([]byte, abi.KVVersionLen, abi.KVVersionLen+len(e.Value))
	binary.LittleEndian.PutUint64(out, e.Version)
	return view(append(out, e.Value...)), 0
}

func kvSet(c *Call, key string, value []byte, ttl int32, expect int64) int64 {
	if err := c.site.KV.Limits.CheckWrite(key, len(value), kv.TTL(ttl), expect); err != nil {
		return int64(kvCode(err))
	}
	s, errno := c.store()
	if errno != 0 {
		return int64(errno)
	}
	v, err := s.Set(key, value, kv.TTL(ttl), expect)
	if err != nil {
		return int64(kvCode(err))
	}
	if v > math.MaxInt64 {
		return abi.ErrUnavailable
	}
	return int64(v)
}

func kvDelete(c *Call, key string, expect int64) int32 {
	if err := c.site.KV.Limits.CheckWrite(key, 0, 0, expect); err != nil {
		return kvCode(err)
	}
	s, errno := c.store()
	if errno != 0 {
		return errno
	}
	return kvCode0(s.Delete(key, expect))
}

func kvCode0(err error) int32 {
	if err == nil {
		return 0
	}
	return kvCode(err)
}

func kvIncr(c *Call, key string, delta int64, ttl int32, result []byte) int32 {
	if len(result) != abi.KVVersionLen {
		return abi.ErrInvalid
	}
	if err := c.site.KV.Limits.CheckWrite(key, 0, kv.TTL(ttl), kv.Any); err != nil {
		return kvCode(err)
	}
	s, errno := c.store()
	if errno != 0 {
		return errno
	}
	sum, err := s.Incr(key, delta, kv.TTL(ttl))
	if err != nil {
		return kvCode(err)
	}
	binary.LittleEndian.PutUint64(result, uint64(sum))
	return 0
}

func kvList(c *Call, prefix, after string, limit int32) (string, int32) {
	if err := kv.CheckList(prefix, after, int(limit)); err != nil {
		return "", kvCode(err)
	}
	s, errno := c.store()
	if errno != 0 {
		return "", errno
	}
	keys, err := s.List(prefix, after, int(limit))
	if err != nil {
		return "", kvCode(err)
	}
	n := 0
	for _, k := range keys {
		n += len(k) + 1
	}
	out := make([]byte, 0, n)
	for _, k := range keys {
		out = append(append(out, k...), 0)
	}
	return view(out), 0
}

// in4 declares a function of four parameters that serves a request and
// returns an i32, as in0 to in3 do.
func in4[A, B, C, D any](name string, a param[A], b param[B], cp param[C], d param[D], fn func(*Call, A, B, C, D) int32) guest.Func {
	ob := len(a.types)
	oc := ob + len(b.types)
	od := oc + len(cp.types)
	return def(name, i32s, func(ctx context.Context, mod api.Module, stack []uint64) {
		av, bv, cv, dv := a.decode(mod, stack), b.decode(mod, stack[ob:]), cp.decode(mod, stack[oc:]), d.decode(mod, stack[od:])
		c := current(ctx)
		if c == nil {
			ret(stack, abi.ErrNoRequest)
			return
		}
		ret(stack, fn(c, av, bv, cv, dv))
	}, a, b, cp, d)
}

// wide4 declares a function of four parameters that serves a request
// and returns an i64, as wide1 and wide2 do.
func wide4[A, B, C, D any](name string, a param[A], b param[B], cp param[C], d param[D], fn func(*Call, A, B, C, D) int64) guest.Func {
	ob := len(a.types)
	oc := ob + len(b.types)
	od := oc + len(cp.types)
	return def(name, i64s, func(ctx context.Context, mod api.Module, stack []uint64) {
		av, bv, cv, dv := a.decode(mod, stack), b.decode(mod, stack[ob:]), cp.decode(mod, stack[oc:]), d.decode(mod, stack[od:])
		c := current(ctx)
		if c == nil {
			stack[0] = api.EncodeI64(abi.ErrNoRequest)
			return
		}
		stack[0] = api.EncodeI64(fn(c, av, bv, cv, dv))
	}, a, b, cp, d)
}
