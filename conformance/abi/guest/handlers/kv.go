package handlers

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/wasmweb/wasmweb/sdk"
)

func init() { sdk.Handle("kv", kvScript) }

// kvOp is one result of kvScript.
type kvOp struct {
	Code    int32    `json:"code"`
	Value   *string  `json:"value,omitempty"`
	Version string   `json:"version,omitempty"`
	Sum     *int64   `json:"sum,omitempty"`
	Keys    []string `json:"keys,omitempty"`
}

// kvScript runs the key-value operations of the query argument ops, a
// JSON array of arrays, on keys under the argument run (so that runs
// against one host do not meet), and answers their results as JSON:
//
//	["get", key]
//	["set", key, value, ttl_seconds, expect]
//	["setn", key, n, expect]         a value of n bytes "x"
//	["del", key, expect]
//	["incr", key, delta, ttl_seconds]
//	["list", prefix, after, limit]   keys without the run's prefix
//	["rawdel", key]                  delete a key outside the run
//	["rawsetn", key, n]              set a key outside the run
//
// expect is "any", "absent", "op:N" (the version op N returned or
// read) or "bogus" (a version no key has). Versions are answered as
// "v1", "v2"... in the order they first appear, so that hosts whose
// versions differ in value compare equal; increasing says whether
// every write's version was greater than every earlier one.
func kvScript(c *sdk.Context) {
	var ops [][]any
	if err := json.Unmarshal([]byte(c.Argument("ops", "")), &ops); err != nil {
		c.Error(400)
		return
	}
	run := c.Argument("run", "") + "/"
	kv := c.KV()
	var results []kvOp
	raw := []int64{} // each op's version, 0 for none
	labels := map[int64]string{}
	label := func(v int64) string {
		if labels[v] == "" {
			labels[v] = "v" + strconv.Itoa(len(labels)+1)
		}
		return labels[v]
	}
	var last int64
	increasing := true
	wrote := func(v int64) {
		if v <= last {
			increasing = false
		}
		last = v
	}
	expect := func(e string) []sdk.KVOption {
		switch {
		case e == "absent":
			return []sdk.KVOption{sdk.KVIfAbsent()}
		case e == "bogus":
			return []sdk.KVOption{sdk.KVIfVersion(1 << 50)}
		case strings.HasPrefix(e, "op:"):
			n, err := strconv.Atoi(e[3:])
			if err == nil && n >= 0 && n < len(raw) && raw[n] > 0 {
				return []sdk.KVOption{sdk.KVIfVersion(raw[n])}
			}
			return []sdk.KVOption{sdk.KVIfVersion(1 << 51)}
		}
		return nil
	}
	for _, op := range ops {
		str := func(i int) string {
			if i < len(op) {
				s, _ := op[i].(string)
				return s
			}
			return ""
		}
		num := func(i int) int64 {
			if i < len(op) {
				f, _ := op[i].(float64)
				return int64(f)
			}
			return 0
		}
		var r kvOp
		var version int64
		var err error
		switch str(0) {
		case "get":
			var e sdk.Entry
			if e, err = kv.Get(run + str(1)); err == nil {
				v := string(e.Value)
				r.Value, version = &v, e.Version
			}
		case "set", "setn":
			value, opts := str(2), expect(str(4))
			if str(0) == "setn" {
				value, opts = strings.Repeat("x", int(num(2))), expect(str(3))
			}
			if ttl := num(3); str(0) == "set" && ttl != 0 {
				opts = append(opts, sdk.KVTTL(time.Duration(ttl)*time.Second))
			}
			if version, err = kv.SetString(run+str(1), value, opts...); err == nil {
				wrote(version)
			}
		case "del":
			err = kv.Delete(run+str(1), expect(str(2))...)
		case "incr":
			var opts []sdk.KVOption
			if ttl := num(3); ttl != 0 {
				opts = append(opts, sdk.KVTTL(time.Duration(ttl)*time.Second))
			}
			var sum int64
			if sum, err = kv.Incr(run+str(1), num(2), opts...); err == nil {
				r.Sum = &sum
			}
		case "list":
			var keys []string
			if keys, err = kv.List(run+str(1), run+str(2), int(num(3))); err == nil {
				r.Keys = []string{}
				for _, k := range keys {
					r.Keys = append(r.Keys, strings.TrimPrefix(k, run))
				}
			}
		case "rawdel":
			err = kv.Delete(str(1))
		case "rawsetn":
			_, err = kv.SetString(str(1), strings.Repeat("x", int(num(2))))
		default:
			c.Error(400)
			return
		}
		r.Code = kvErrCode(err)
		if version > 0 {
			r.Version = label(version)
		}
		raw = append(raw, version)
		results = append(results, r)
	}
	c.WriteJSON(map[string]any{"results": results, "increasing": increasing})
}

// kvErrCode is the ABI code of err, 0 for none.
func kvErrCode(err error) int32 {
	if err == nil {
		return 0
	}
	var ce *sdk.CallError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -100
}
