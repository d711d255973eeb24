package abikit

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The key-value cases (ABI.md section 7.13). The "abi" site's
// max_key_bytes is 64 and max_value_bytes 1 KiB. Every run writes under
// a prefix of its own, so that the kit can run twice against one host
// (once per transport) and against a store that outlives the host.

func init() {
	cases = append(cases,
		kase{"kv/script-versions-cas-delete-incr-list-caps", kvScriptCase},
		kase{"kv/ttl-expires", kvTTL},
		kase{"kv/raw-outputs-sizes-and-invalid-arguments", kvRaw},
		kase{"kv/sites-isolated", kvSites},
	)
}

// KVResult is one result of the guest's kv handler.
type KVResult struct {
	Code    int32    `json:"code"`
	Value   *string  `json:"value,omitempty"`
	Version string   `json:"version,omitempty"`
	Sum     *int64   `json:"sum,omitempty"`
	Keys    []string `json:"keys,omitempty"`
}

// KVScriptReply is the guest's kv handler's answer.
type KVScriptReply struct {
	Results    []KVResult `json:"results"`
	Increasing bool       `json:"increasing"`
}

// KVScript is the script of kvScriptCase, which sdktest's fake must
// also answer as the host does; KVScriptTarget makes its request.
var KVScript = [][]any{
	{"get", "a"},                            // 0
	{"set", "a", "one", 0, "absent"},        // 1
	{"set", "a", "two", 0, "absent"},        // 2
	{"get", "a"},                            // 3
	{"set", "a", "two", 0, "op:1"},          // 4
	{"set", "a", "three", 0, "op:1"},        // 5 stale
	{"del", "a", "op:1"},                    // 6 stale
	{"del", "a", "absent"},                  // 7
	{"get", "a"},                            // 8
	{"del", "a", "op:4"},                    // 9
	{"del", "a", "any"},                     // 10
	{"del", "a", "op:4"},                    // 11
	{"set", "a", "back", 0, "op:4"},         // 12 the key is gone
	{"incr", "n", 5, 0},                     // 13
	{"incr", "n", -7, 0},                    // 14
	{"get", "n"},                            // 15
	{"set", "t", "text", 0, "any"},          // 16
	{"incr", "t", 1, 0},                     // 17
	{"setn", "big", 1024, "any"},            // 18
	{"setn", "big", 1025, "any"},            // 19
	{"set", "l/1", "", 0, "any"},            // 20
	{"set", "l/2", "", 0, "any"},            // 21
	{"set", "l/3", "", 0, "any"},            // 22
	{"list", "l/", "", 2},                   // 23
	{"list", "l/", "l/2", 2},                // 24
	{"list", "", "", 1000},                  // 25
	{"list", "l/", "", 0},                   // 26
	{"list", "l/", "", 1001},                // 27
	{"set", "bad:key", "x", 0, "any"},       // 28
	{"set", "a", "x", 0, "bogus"},           // 29
	{"rawsetn", strings.Repeat("k", 64), 1}, // 30
	{"rawdel", strings.Repeat("k", 64)},     // 31
	{"rawsetn", strings.Repeat("k", 65), 1}, // 32
	{"get", "a"},                            // 33
}

// KVScriptTarget is the request-target that runs KVScript under run.
func KVScriptTarget(run string) string {
	ops, _ := json.Marshal(KVScript)
	return "/abi/kv?run=" + run + "&ops=" + url.QueryEscape(string(ops))
}

// NewKVRun returns a fresh run prefix.
func NewKVRun() string {
	var b [6]byte
	rand.Read(b[:])
	return "run-" + hex.EncodeToString(b[:])
}

func kvScriptCase(t *testing.T, k *kit) {
	r := k.get(t, KVScriptTarget(NewKVRun()))
	r.want(t, 200)
	var got KVScriptReply
	r.decode(t, &got)
	str := func(s string) *string { return &s }
	num := func(n int64) *int64 { return &n }
	res := func(code int32) KVResult { return KVResult{Code: code} }
	want := KVScriptReply{Increasing: true, Results: []KVResult{
		res(-1),
		{Version: "v1"},
		res(-9),
		{Value: str("one"), Version: "v1"},
		{Version: "v2"},
		res(-9),
		res(-9),
		res(-9),
		{Value: str("two"), Version: "v2"},
		res(0),
		res(-1),
		res(-9),
		res(-9),
		{Sum: num(5)},
		{Sum: num(-2)},
		{Value: str("-2"), Version: "v3"},
		{Version: "v4"},
		res(-2),
		{Version: "v5"},
		res(-3),
		{Version: "v6"},
		{Version: "v7"},
		{Version: "v8"},
		{Keys: []string{"l/1", "l/2"}},
		{Keys: []string{"l/3"}},
		{Keys: []string{"big", "l/1", "l/2", "l/3", "n", "t"}},
		res(-2),
		res(-2),
		res(-2),
		res(-9),
		res(0),
		res(0),
		res(-3),
		res(-1),
	}}
	equalJSON(t, "kv script", got, want)
}

// kvTTL: a key set with a one-second TTL reads until it expires, then
// is gone; the case waits for that, up to 10 s.
func kvTTL(t *testing.T, k *kit) {
	run := NewKVRun()
	script := func(ops ...[]any) KVScriptReply {
		b, _ := json.Marshal(ops)
		r := k.get(t, "/abi/kv?run="+run+"&ops="+url.QueryEscape(string(b)))
		r.want(t, 200)
		var got KVScriptReply
		r.decode(t, &got)
		return got
	}
	got := script([]any{"set", "t", "soon", 1, "any"}, []any{"set", "keep", "x", 0, "any"}, []any{"get", "t"})
	if got.Results[0].Code != 0 || got.Results[2].Code != 0 {
		t.Fatalf("set and get with a TTL: %+v", got.Results)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		got = script([]any{"get", "t"}, []any{"list", "", "", 10})
		if got.Results[0].Code == -1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("a key with a 1 s TTL still reads after 10 s: %+v", got.Results[0])
		}
		time.Sleep(100 * time.Millisecond)
	}
	if keys := got.Results[1].Keys; len(keys) != 1 || keys[0] != "keep" {
		t.Errorf("list after the expiry: %q, want [keep]", keys)
	}
	if got := script([]any{"set", "t", "again", 0, "absent"}); got.Results[0].Code != 0 {
		t.Errorf("create over the expired key: %+v", got.Results[0])
	}
}

// kvRaw checks the raw-kv handler's answers: the output rule on kv_get
// and kv_list, and the codes of sizes and arguments out of range.
func kvRaw(t *testing.T, k *kit) {
	r := k.get(t, "/abi/raw-kv?run="+NewKVRun())
	r.want(t, 200)
	var got map[string]any
	r.decode(t, &got)
	// kv_get: the version (8 bytes) and "hello", 13 bytes.
	wantOut := map[string]any{"len0": 13.0, "short": 13.0, "short_untouched": true, "len": 13.0, "value": "hello"}
	checks := map[string]any{
		"version_positive":  true,
		"get":               wantOut,
		"get_version_same":  true,
		"get_missing":       -1.0,
		"get_bad_key":       -2.0,
		"get_empty_key":     -2.0,
		"get_dot_key":       -2.0,
		"get_key_at_cap":    -1.0,
		"get_key_past_cap":  -3.0,
		"list_limit_0":      -2.0,
		"list_limit_1000":   0.0,
		"list_limit_1001":   -2.0,
		"list_bad_prefix":   -2.0,
		"list_bad_after":    -2.0,
		"set_value_at_cap":  true,
		"set_value_past":    -3.0,
		"set_key_past_cap":  -3.0,
		"set_expect_-2":     -2.0,
		"set_ttl_-1":        -2.0,
		"set_stale":         -9.0,
		"set_absent_exists": -9.0,
		"delete_expect_-2":  -2.0,
		"incr_result_7":     -2.0,
		"incr_result_9":     -2.0,
		"incr_text":         -2.0,
		"incr_ttl_-1":       -2.0,
		"delete":            0.0,
		"delete_again":      -1.0,
	}
	for key, w := range checks {
		equalJSON(t, key, got[key], w)
	}
	// kv_list: "RUN/l/a\0RUN/l/b\0" under the output rule.
	list, _ := got["list"].(map[string]any)
	if v, _ := list["value"].(string); !strings.HasSuffix(v, "/l/b\x00") || strings.Count(v, "\x00") != 2 ||
		list["short_untouched"] != true || list["len0"] != float64(len(v)) || list["short"] != list["len0"] {
		t.Errorf("kv_list under the output rule: %v", list)
	}
}

// kvInit: the key-value functions return ERR_NO_REQUEST in
// _initialize, as the guest logs.
func kvInit(t *testing.T, rec *LogRecorder) {
	recs := rec.find("abi-kv-init ")
	if len(recs) == 0 {
		t.Fatal("no abi-kv-init line: the guest logs one from _initialize")
	}
	want := "abi-kv-init kv_get=-5 kv_set=-5 kv_delete=-5 kv_incr=-5 kv_list=-5"
	for _, r := range recs {
		if !strings.HasSuffix(r.Line(), want) {
			t.Errorf("%q, want it to end in %q", r.Line(), want)
		}
	}
}

// kvSites: sites abi-a and abi-b run the same plugin, each on its own
// store: neither reads, lists, changes nor deletes the other's keys.
func kvSites(t *testing.T, k *kit) {
	run := NewKVRun()
	script := func(host string, ops ...[]any) []KVResult {
		b, _ := json.Marshal(ops)
		r := k.do(t, request{host: host, target: "/abi/kv?run=" + run + "&ops=" + url.QueryEscape(string(b))})
		r.want(t, 200)
		var got KVScriptReply
		r.decode(t, &got)
		return got.Results
	}
	if got := script("a.example.com", []any{"set", "secret", "a's", 0, "any"}); got[0].Code != 0 {
		t.Fatalf("set on a: %+v", got)
	}
	got := script("b.example.com",
		[]any{"get", "secret"}, []any{"list", "", "", 10}, []any{"del", "secret", "any"},
		[]any{"incr", "secret", 1, 0}, []any{"get", "secret"})
	if got[0].Code != -1 || got[1].Code != 0 || len(got[1].Keys) != 0 || got[2].Code != -1 || got[3].Sum == nil || *got[3].Sum != 1 {
		t.Errorf("b sees a's key: %+v", got)
	}
	got = script("a.example.com", []any{"get", "secret"})
	if got[0].Value == nil || *got[0].Value != "a's" {
		t.Errorf("a's key after b's calls: %+v", got[0])
	}
}
