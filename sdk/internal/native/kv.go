package native

// KV is the key-value functions of a native host (abi/ABI.md section
// 7.13), with the ABI's contracts. A Host that lacks them answers
// ERR_UNAVAILABLE to every one.
type KV interface {
	KVGet(key string, buf []byte) int32
	KVSet(key string, value []byte, ttlSeconds int32, expect int64) int64
	KVDelete(key string, expect int64) int32
	KVIncr(key string, delta int64, ttlSeconds int32, result []byte) int32
	KVList(prefix, after string, limit int32, buf []byte) int32
}
