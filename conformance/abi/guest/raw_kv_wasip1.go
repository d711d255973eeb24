//go:build wasip1

package main

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"unsafe"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/hostcall"
)

// The key-value functions, called through package hostcall for the
// calls the SDK never makes: buffers of the (buf, buf_limit) rule, a
// result of the wrong size, arguments out of range, sizes at and past
// the site's caps, and calls outside a request.

func init() {
	sdk.Handle("raw-kv", rawKV)
	var b [8]byte
	hostcall.Log(abi.LogInfo, "abi-kv-init"+
		" kv_get="+itoa(hostcall.KVGet("k", &b[0], int32(len(b))))+
		" kv_set="+itoa(int32(hostcall.KVSet("k", &b[0], 1, 0, abi.KVAny)))+
		" kv_delete="+itoa(hostcall.KVDelete("k", abi.KVAny))+
		" kv_incr="+itoa(hostcall.KVIncr("k", 1, 0, &b[0], 8))+
		" kv_list="+itoa(hostcall.KVList("", "", 10, &b[0], int32(len(b)))))
}

// rawKV writes, as JSON, what the key-value functions answer to the
// corners of the ABI, on keys under the query's run; see README.md.
// The conformance site's max_key_bytes is 64 and max_value_bytes 1 KiB.
func rawKV(c *sdk.Context) {
	run := c.Argument("run", "r") + "/"
	set := func(key, value string, ttl int32, expect int64) int64 {
		return hostcall.KVSet(key, unsafe.StringData(value), int32(len(value)), ttl, expect)
	}
	key := run + "k"
	version := set(key, "hello", 0, abi.KVAny)
	get := read(func(buf *byte, limit int32) int32 { return hostcall.KVGet(key, buf, limit) })
	entryVersion := int64(-1)
	if len(get.Value) >= 8 {
		entryVersion = int64(binary.LittleEndian.Uint64([]byte(get.Value)))
		get.Value = get.Value[8:]
	}
	set(run+"l/a", "", 0, abi.KVAny)
	set(run+"l/b", "", 0, abi.KVAny)
	var sum [9]byte
	long := func(n int) string { return strings.Repeat("k", n) }
	res := map[string]any{
		"version_positive":  version > 0,
		"get":               get,
		"get_version_same":  entryVersion == version,
		"get_missing":       code(func(buf *byte, limit int32) int32 { return hostcall.KVGet(run+"missing", buf, limit) }),
		"get_bad_key":       code(func(buf *byte, limit int32) int32 { return hostcall.KVGet("a:b", buf, limit) }),
		"get_empty_key":     code(func(buf *byte, limit int32) int32 { return hostcall.KVGet("", buf, limit) }),
		"get_dot_key":       code(func(buf *byte, limit int32) int32 { return hostcall.KVGet("a..b", buf, limit) }),
		"get_key_at_cap":    code(func(buf *byte, limit int32) int32 { return hostcall.KVGet(long(64), buf, limit) }),
		"get_key_past_cap":  code(func(buf *byte, limit int32) int32 { return hostcall.KVGet(long(65), buf, limit) }),
		"list":              read(func(buf *byte, limit int32) int32 { return hostcall.KVList(run+"l/", "", 10, buf, limit) }),
		"list_limit_0":      code(func(buf *byte, limit int32) int32 { return hostcall.KVList("", "", 0, buf, limit) }),
		"list_limit_1000":   code(func(buf *byte, limit int32) int32 { return hostcall.KVList(run+"none/", "", 1000, buf, limit) }),
		"list_limit_1001":   code(func(buf *byte, limit int32) int32 { return hostcall.KVList("", "", 1001, buf, limit) }),
		"list_bad_prefix":   code(func(buf *byte, limit int32) int32 { return hostcall.KVList("a:", "", 10, buf, limit) }),
		"list_bad_after":    code(func(buf *byte, limit int32) int32 { return hostcall.KVList("", "a b", 10, buf, limit) }),
		"set_value_at_cap":  set(run+"v", strings.Repeat("x", 1024), 0, abi.KVAny) > 0,
		"set_value_past":    set(run+"v", strings.Repeat("x", 1025), 0, abi.KVAny),
		"set_key_past_cap":  set(long(65), "x", 0, abi.KVAny),
		"set_expect_-2":     set(key, "x", 0, -2),
		"set_ttl_-1":        set(key, "x", -1, abi.KVAny),
		"set_stale":         set(key, "x", 0, version+1<<40),
		"set_absent_exists": set(key, "x", 0, abi.KVAbsent),
		"delete_expect_-2":  hostcall.KVDelete(key, -2),
		"incr_result_7":     hostcall.KVIncr(run+"n", 1, 0, &sum[0], 7),
		"incr_result_9":     hostcall.KVIncr(run+"n", 1, 0, &sum[0], 9),
		"incr_text":         hostcall.KVIncr(key, 1, 0, &sum[0], 8),
		"incr_ttl_-1":       hostcall.KVIncr(run+"n", 1, -1, &sum[0], 8),
		"delete":            hostcall.KVDelete(key, abi.KVAny),
		"delete_again":      hostcall.KVDelete(key, abi.KVAny),
	}
	b, _ := json.Marshal(res)
	hostcall.Log(abi.LogInfo, "abi-raw-kv "+string(b))
	hostcall.RespWrite(unsafe.SliceData(b), int32(len(b)))
}
