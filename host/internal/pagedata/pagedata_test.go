package pagedata

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"testing"
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		js   string
		want any
	}{
		{`1796560501510596`, Integer(1796560501510596)},
		{`-9007199254740993`, Integer(-9007199254740993)},
		{`9223372036854775807`, Integer(math.MaxInt64)},
		{`9223372036854775808`, 9223372036854775808.0},
		{`-0`, Integer(0)},
		{`1.0`, 1.0},
		{`1e3`, 1000.0},
		{`2.5E-1`, 0.25},
		{`{"a": [1, 2.5, {"b": 3}], "c": null, "d": "7"}`,
			map[string]any{"a": []any{Integer(1), 2.5, map[string]any{"b": Integer(3)}}, "c": nil, "d": "7"}},
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
// but for integers, which are Integers of the same value.
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

// floats turns v's Integers into float64s, as encoding/json decodes them.
func floats(v any) any {
	switch x := v.(type) {
	case Integer:
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

// An Integer prints its digits and formats as a float under the float
// verbs, as the float64 it may have been written for.
func TestIntegerFormat(t *testing.T) {
	n := Integer(1796560501510596)
	for _, tc := range []struct{ format, want string }{
		{"%v", "1796560501510596"},
		{"%d", "1796560501510596"},
		{"%s", "1796560501510596"},
		{"%8v|%-4v|%+d", "1796560501510596|1796560501510596|+1796560501510596"},
		{"%x", "661f6568291c4"},
		{"%.2f", "1796560501510596.00"},
		{"%g", "1.796560501510596e+15"},
	} {
		args := []any{n}
		if tc.format == "%8v|%-4v|%+d" {
			args = []any{n, n, n}
		}
		if got := fmt.Sprintf(tc.format, args...); got != tc.want {
			t.Errorf("Sprintf(%q) = %q, want %q", tc.format, got, tc.want)
		}
	}
	if got := fmt.Sprintf("%.2f %v", Integer(18), Integer(-3)); got != "18.00 -3" {
		t.Errorf("got %q", got)
	}
}
