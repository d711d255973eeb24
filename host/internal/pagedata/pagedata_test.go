package pagedata

import (
	"encoding/json"
	"math"
	"reflect"
	"testing"
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		js   string
		want any
	}{
		{`1796560501510596`, 1796560501510596},
		{`-9007199254740993`, -9007199254740993},
		{`9223372036854775807`, math.MaxInt64},
		{`9223372036854775808`, 9223372036854775808.0},
		{`-0`, 0},
		{`1.0`, 1.0},
		{`1e3`, 1000.0},
		{`2.5E-1`, 0.25},
		{`{"a": [1, 2.5, {"b": 3}], "c": null, "d": "7"}`,
			map[string]any{"a": []any{1, 2.5, map[string]any{"b": 3}}, "c": nil, "d": "7"}},
		{` [] `, []any{}},
	} {
		got, err := Decode([]byte(tc.js))
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Decode(%s) = %#v, %v; want %#v", tc.js, got, err, tc.want)
		}
	}
	for _, js := range []string{``, `1 2`, `{} x`, `{`, `1e400`, `[1e999]`, `"\x00"`} {
		if got, err := Decode([]byte(js)); err == nil {
			t.Errorf("Decode(%q) = %#v, want an error", js, got)
		}
	}
}

// Decode accepts what encoding/json accepts, and gives the same value
// but for integers, which are ints of the same value.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"a":[1,2.5,-3e2]}`, `12345678901234567890`, `-0`, `[null,true,"x"]`, `1 1`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var want any
		wantErr := json.Unmarshal(raw, &want)
		got, err := Decode(raw)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("Decode(%q): %v; encoding/json: %v", raw, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(floats(got), want) {
			t.Fatalf("Decode(%q) = %#v; encoding/json %#v", raw, got, want)
		}
	})
}

// floats turns v's ints into float64s, as encoding/json decodes them.
func floats(v any) any {
	switch x := v.(type) {
	case int:
		return float64(x)
	case map[string]any:
		for k, e := range x {
			x[k] = floats(e)
		}
	case []any:
		for i, e := range x {
			x[i] = floats(e)
		}
	}
	return v
}
