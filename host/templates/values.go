package templates

import (
	"errors"
	"fmt"
	"html/template"
	"math"
	"reflect"
	"slices"
	"strconv"
	texttemplate "text/template"

	"github.com/wasmweb/wasmweb/host/internal/pagedata"
)

// The compiled pages work on the values encoding/json gives for JSON
// data (map[string]any, []any, string, float64, bool and nil), the ints
// the host decodes JSON integers into and those of template literals, len and range indexes, the bytes of index on a
// string, and html/template's typed strings returned by functions. A
// render whose data holds anything else is left to html/template
// before it starts (see jsonData).
//
// text/template tells apart a value held in an interface (read from a
// map or a slice) from the same value taken out of it, which it does at
// the end of each command of a pipeline; it shows in its errors (a
// field of a held string is one of "interface {}"), and a nil held is
// not no value at all (len of it is "len of nil pointer"). Range
// elements of a slice or a map are therefore held in a *any while they
// are dot or a variable, field reports whether what it found was held,
// and an argument for a built-in's reflect.Value parameter is null for
// a held nil.

// nullElem is the type of null.
type nullElem struct{}

// null is a nil held in an interface, as a built-in's argument.
var null any = &nullElem{}

// unheld is v as a command's value: out of its *any, and null as nil.
func unheld(v any) any {
	switch x := v.(type) {
	case *any:
		return *x
	case *nullElem:
		return nil
	}
	return v
}

// field is text/template's evaluation of .a.b.c on recv, for maps with
// string keys, and whether the value it found was held in the map. A
// missing key yields no value, and so does anything after it; a field
// of a held nil, or of anything but a map, is an error.
func field(st *state, recv any, keys []string) (v any, held bool) {
	if p, ok := recv.(*any); ok {
		recv, held = *p, true
	}
	for _, k := range keys {
		switch r := recv.(type) {
		case map[string]any:
			v, ok := r[k]
			if !ok {
				return nil, false
			}
			recv, held = v, true
		case nil:
			if held {
				st.errorf("nil pointer evaluating interface {}.%s", k)
			}
			return nil, false
		default:
			if held {
				st.errorf("can't evaluate field %s in type interface {}", k)
			}
			st.errorf("can't evaluate field %s in type %s", k, typeName(recv))
		}
	}
	return recv, held
}

// jsonData reports whether v is made only of the values encoding/json
// decodes into an any, with integers as the host decodes them (Integers)
// (package pagedata), or ints: the data a compiled page renders.
func jsonData(v any) bool {
	switch x := v.(type) {
	case string, pagedata.Integer, int, float64, bool, nil:
		return true
	case map[string]any:
		for _, e := range x {
			if !jsonData(e) {
				return false
			}
		}
		return true
	case []any:
		for _, e := range x {
			if !jsonData(e) {
				return false
			}
		}
		return true
	}
	return false
}

// sprint is fmt.Sprint(v) for a non-nil v, quick for the JSON scalars.
// ok is false for a pointer, which text/template would dereference.
func sprint(v any) (s string, ok bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return fmt.Sprint(x), true
		}
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case int:
		return strconv.Itoa(x), true
	case pagedata.Integer:
		return strconv.FormatInt(int64(x), 10), true
	case bool:
		return strconv.FormatBool(x), true
	case map[string]any, []any:
		return fmt.Sprint(x), true
	}
	if s, ok := typedString(v); ok {
		return s, true
	}
	if reflect.TypeOf(v).Kind() == reflect.Pointer {
		return "", false
	}
	return fmt.Sprint(v), true
}

// truth is text/template's truth of v in if, with, and, or and not.
func truth(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case float64:
		return x != 0
	case int:
		return x != 0
	case pagedata.Integer:
		return x != 0
	case byte:
		return x != 0
	case map[string]any:
		return len(x) > 0
	case []any:
		return len(x) > 0
	}
	t, _ := texttemplate.IsTrue(v)
	return t
}

// typedString is the text of one of html/template's typed strings.
func typedString(v any) (string, bool) {
	switch x := v.(type) {
	case template.HTML:
		return string(x), true
	case template.CSS:
		return string(x), true
	case template.HTMLAttr:
		return string(x), true
	case template.JS:
		return string(x), true
	case template.JSStr:
		return string(x), true
	case template.URL:
		return string(x), true
	case template.Srcset:
		return string(x), true
	}
	return "", false
}

// kind is how text/template's comparisons classify a value.
type kind uint8

const (
	invalidKind kind = iota // no value, a map, a slice
	boolKind
	intKind
	floatKind
	stringKind
	uintKind
)

// compared is a value classified for comparison, with its bool, number
// or text.
type compared struct {
	kind kind
	b    bool
	i    int64
	u    uint64
	f    float64
	s    string
}

func classify(v any) compared {
	switch x := v.(type) {
	case bool:
		return compared{kind: boolKind, b: x}
	case int:
		return compared{kind: intKind, i: int64(x)}
	case pagedata.Integer:
		return compared{kind: intKind, i: int64(x)}
	case byte:
		return compared{kind: uintKind, u: uint64(x)}
	case float64:
		return compared{kind: floatKind, f: x}
	case string:
		return compared{kind: stringKind, s: x}
	}
	if s, ok := typedString(v); ok {
		return compared{kind: stringKind, s: s}
	}
	return compared{}
}

var (
	errBadComparisonType = errors.New("invalid type for comparison")
	errNoComparison      = errors.New("missing argument for comparison")
)

// eq is text/template's eq: whether a equals any of bs.
func eq(a any, bs ...any) (bool, error) {
	if len(bs) == 0 {
		return false, errNoComparison
	}
	x := classify(a)
	for _, b := range bs {
		y := classify(b)
		truth := false
		switch {
		case x.kind == intKind && y.kind == uintKind:
			truth = x.i >= 0 && uint64(x.i) == y.u
		case x.kind == uintKind && y.kind == intKind:
			truth = y.i >= 0 && x.u == uint64(y.i)
		case x.kind != y.kind:
			if a != nil && b != nil {
				return false, fmt.Errorf("incompatible types for comparison: %v and %v", typeName(a), typeName(b))
			}
		case x.kind == boolKind:
			truth = x.b == y.b
		case x.kind == floatKind:
			truth = x.f == y.f
		case x.kind == intKind:
			truth = x.i == y.i
		case x.kind == stringKind:
			truth = x.s == y.s
		case x.kind == uintKind:
			truth = x.u == y.u
		default:
			// No value, maps and slices: the same kind, or one is no
			// value, and only nil ones compare.
			ka, kb := reflect.ValueOf(a).Kind(), reflect.ValueOf(b).Kind()
			if ka != kb && a != nil && b != nil {
				return false, fmt.Errorf("non-comparable types %s: %v, %s: %v", a, typeName(a), typeName(b), b)
			}
			if isNil(a) || isNil(b) {
				truth = isNil(a) == isNil(b)
			} else {
				return false, fmt.Errorf("non-comparable type %s: %v", b, typeName(b))
			}
		}
		if truth {
			return true, nil
		}
	}
	return false, nil
}

// isNil reports whether v is no value, or a nil map or slice.
func isNil(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case map[string]any:
		return x == nil
	case []any:
		return x == nil
	}
	return false
}

// lt is text/template's lt.
func lt(a, b any) (bool, error) {
	x, y := classify(a), classify(b)
	if x.kind == invalidKind || y.kind == invalidKind {
		return false, errBadComparisonType
	}
	switch {
	case x.kind == intKind && y.kind == uintKind:
		return x.i < 0 || uint64(x.i) < y.u, nil
	case x.kind == uintKind && y.kind == intKind:
		return y.i >= 0 && x.u < uint64(y.i), nil
	case x.kind != y.kind:
		return false, fmt.Errorf("incompatible types for comparison: %v and %v", typeName(a), typeName(b))
	case x.kind == boolKind:
		return false, errBadComparisonType
	case x.kind == floatKind:
		return x.f < y.f, nil
	case x.kind == intKind:
		return x.i < y.i, nil
	case x.kind == stringKind:
		return x.s < y.s, nil
	}
	return x.u < y.u, nil
}

// le is text/template's le.
func le(a, b any) (bool, error) {
	if less, err := lt(a, b); less || err != nil {
		return less, err
	}
	return eq(a, b)
}

// sortedKeys are m's keys in the order text/template ranges over them.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
