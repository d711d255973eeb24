package templates

import (
	"fmt"
	"html/template"
	"math"
	"reflect"
	"slices"
	"strconv"
)

// The compiled pages work on the values encoding/json gives for JSON
// data (map[string]any, []any, string, float64, bool and nil), the ints
// of template literals, len and range indexes, and html/template's
// typed strings returned by functions. A value of any other type makes
// the operation that meets it give up (see bail), and the page is
// rendered by html/template instead.
//
// nil is what text/template calls an invalid value: a missing map key,
// or a nil interface once a pipeline has yielded it. The one place where
// it tells a nil it has not unwrapped yet from a missing one is a field
// of a range element that is JSON null, which is an error where a field
// of a missing key is no value; such an element is held as null while
// it is dot or a variable.

// nullElem is the type of null.
type nullElem struct{}

// null stands for a range element that is JSON null, while it is dot or
// a variable; load turns it into nil for every other use.
var null any = &nullElem{}

// load is v as an operand: null becomes nil.
func load(v any) any {
	if v == null {
		return nil
	}
	return v
}

// element is a range element as dot or a variable.
func element(v any) any {
	if v == nil {
		return null
	}
	return v
}

// field is text/template's evaluation of .a.b.c on recv, for maps with
// string keys. A missing key yields nil and so does anything after it;
// a field of a null element, or of anything but a map, is an error.
func field(recv any, keys []string) any {
	for i, k := range keys {
		switch r := recv.(type) {
		case map[string]any:
			v, ok := r[k]
			if !ok {
				return nil
			}
			if v == nil && i+1 < len(keys) {
				bail("nil pointer evaluating interface {}.%s", keys[i+1])
			}
			recv = v
		case nil:
			return nil
		default:
			if recv == null {
				bail("nil pointer evaluating interface {}.%s", k)
			}
			bail("can't evaluate field %s in type %T", k, recv)
		}
	}
	return recv
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
	case byte:
		return x != 0
	case map[string]any:
		return len(x) > 0
	case []any:
		return len(x) > 0
	}
	if s, ok := typedString(v); ok {
		return s != ""
	}
	bail("truth of %T", v)
	return false
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

// class classifies a value for comparison as text/template does.
type class uint8

const (
	classNil   class = iota // no value
	classOther              // a map, a slice: comparable to nil only
	classBool
	classInt
	classFloat
	classString
)

// compared is v, classified for comparison, with its bool, number or
// string.
type compared struct {
	class class
	b     bool
	i     int
	f     float64
	s     string
	null  bool // a nil map or slice
}

func compareOperand(v any) compared {
	switch x := v.(type) {
	case nil:
		return compared{class: classNil}
	case bool:
		return compared{class: classBool, b: x}
	case int:
		return compared{class: classInt, i: x}
	case float64:
		return compared{class: classFloat, f: x}
	case string:
		return compared{class: classString, s: x}
	case map[string]any:
		return compared{class: classOther, null: x == nil}
	case []any:
		return compared{class: classOther, null: x == nil}
	}
	if s, ok := typedString(v); ok {
		return compared{class: classString, s: s}
	}
	bail("comparison of %T", v)
	return compared{}
}

// equal is text/template's eq for two operands.
func equal(a, b any) bool {
	x, y := compareOperand(a), compareOperand(b)
	if x.class != y.class {
		if x.class != classNil && y.class != classNil {
			bail("incompatible types for comparison: %T and %T", a, b)
		}
		return false
	}
	switch x.class {
	case classNil:
		return true
	case classBool:
		return x.b == y.b
	case classInt:
		return x.i == y.i
	case classFloat:
		return x.f == y.f
	case classString:
		return x.s == y.s
	}
	// Two maps, two slices or one of each: only nil ones compare.
	_, am := a.(map[string]any)
	_, bm := b.(map[string]any)
	if am != bm {
		bail("non-comparable types %T and %T", a, b)
	}
	if !x.null && !y.null {
		bail("non-comparable type %T", b)
	}
	return x.null == y.null
}

// less is text/template's lt.
func less(a, b any) bool {
	x, y := compareOperand(a), compareOperand(b)
	if x.class != y.class || x.class < classInt {
		bail("invalid or incompatible types for comparison: %T and %T", a, b)
	}
	switch x.class {
	case classInt:
		return x.i < y.i
	case classFloat:
		return x.f < y.f
	}
	return x.s < y.s
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
