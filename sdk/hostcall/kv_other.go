//go:build !wasip1

package hostcall

import (
	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/internal/native"
)

// The native twins of the key-value imports. A native host without
// key-value storage (one that does not implement native.KV) answers
// ERR_UNAVAILABLE, as a host whose store is out of reach.

func kvHost() (native.KV, bool) {
	h, ok := nativeHost().(native.KV)
	return h, ok
}

func kvGet(key string, buf *byte, bufLimit int32) int32 {
	if h, ok := kvHost(); ok {
		return h.KVGet(key, bytesAt(buf, bufLimit))
	}
	return abi.ErrUnavailable
}

func kvSet(key string, value *byte, valueLen int32, ttlSeconds int32, expect int64) int64 {
	if h, ok := kvHost(); ok {
		return h.KVSet(key, bytesAt(value, valueLen), ttlSeconds, expect)
	}
	return abi.ErrUnavailable
}

func kvDelete(key string, expect int64) int32 {
	if h, ok := kvHost(); ok {
		return h.KVDelete(key, expect)
	}
	return abi.ErrUnavailable
}

func kvIncr(key string, delta int64, ttlSeconds int32, result *byte, resultLen int32) int32 {
	if h, ok := kvHost(); ok {
		return h.KVIncr(key, delta, ttlSeconds, bytesAt(result, resultLen))
	}
	return abi.ErrUnavailable
}

func kvList(prefix, after string, limit int32, buf *byte, bufLimit int32) int32 {
	if h, ok := kvHost(); ok {
		return h.KVList(prefix, after, limit, bytesAt(buf, bufLimit))
	}
	return abi.ErrUnavailable
}
