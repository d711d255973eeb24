package hostcall

// The key-value functions (abi/ABI.md section 7.13).

// KVGet is abi.FuncKVGet: it writes key's entry, its version (8 bytes
// little-endian) and value, into buf.
func KVGet(key string, buf *byte, bufLimit int32) int32 { return kvGet(key, buf, bufLimit) }

// KVSet is abi.FuncKVSet: it stores value under key and returns the new
// version.
func KVSet(key string, value *byte, valueLen int32, ttlSeconds int32, expect int64) int64 {
	return kvSet(key, value, valueLen, ttlSeconds, expect)
}

// KVDelete is abi.FuncKVDelete: it removes key.
func KVDelete(key string, expect int64) int32 { return kvDelete(key, expect) }

// KVIncr is abi.FuncKVIncr: it adds delta to key's integer and writes
// the sum, 8 bytes little-endian, at result (resultLen 8).
func KVIncr(key string, delta int64, ttlSeconds int32, result *byte, resultLen int32) int32 {
	return kvIncr(key, delta, ttlSeconds, result, resultLen)
}

// KVList is abi.FuncKVList: it writes up to limit keys that start with
// prefix and sort after after, each followed by NUL, into buf.
func KVList(prefix, after string, limit int32, buf *byte, bufLimit int32) int32 {
	return kvList(prefix, after, limit, buf, bufLimit)
}
