package templates

import (
	"fmt"
	"html/template"
	"net/url"
	"reflect"
	"text/template/parse"
)

// function compiles a call of the function name with args, and with the
// value of the command before it if final. Functions are found as
// text/template finds them: html/template's own first, then the
// template's (the site's and this package's), then text/template's
// built-ins.
func (c *compiler) function(name string, args []parse.Node, final bool) finalFn {
	if _, ok := escapersByName[name]; ok {
		c.fail("escaper %s inside a pipeline", name)
	}
	if name == "_eval_args_" {
		return c.builtin(name, args, final, builtinSpec{min: 0, max: -1, fn: evalArgs})
	}
	if fn, ok := c.funcs[name]; ok {
		return c.goCall(name, fn, args, final)
	}
	switch name {
	case "and", "or":
		return c.logic(name, args, final)
	}
	spec, ok := builtinSpecs[name]
	if !ok {
		c.fail("function %s", name)
	}
	return c.builtin(name, args, final, spec)
}

// builtinSpec is a text/template built-in: its number of arguments
// (max -1 for any), the kind of its first and of the others, and its
// implementation, given the arguments' values.
type builtinSpec struct {
	min, max int
	first    paramKind // kindAny if zero
	fn       func(args []any) any
}

var builtinSpecs = map[string]builtinSpec{
	"not":   {min: 1, max: 1, fn: func(a []any) any { return !truth(a[0]) }},
	"len":   {min: 1, max: 1, fn: length},
	"index": {min: 1, max: -1, fn: index},
	"eq": {min: 1, max: -1, fn: func(a []any) any {
		if len(a) < 2 {
			bail("missing argument for comparison")
		}
		for _, b := range a[1:] {
			if equal(a[0], b) {
				return true
			}
		}
		return false
	}},
	"ne":       {min: 2, max: 2, fn: func(a []any) any { return !equal(a[0], a[1]) }},
	"lt":       {min: 2, max: 2, fn: func(a []any) any { return less(a[0], a[1]) }},
	"le":       {min: 2, max: 2, fn: func(a []any) any { return less(a[0], a[1]) || equal(a[0], a[1]) }},
	"gt":       {min: 2, max: 2, fn: func(a []any) any { return !(less(a[0], a[1]) || equal(a[0], a[1])) }},
	"ge":       {min: 2, max: 2, fn: func(a []any) any { return !less(a[0], a[1]) }},
	"print":    {min: 0, max: -1, fn: func(a []any) any { return fmt.Sprint(a...) }},
	"println":  {min: 0, max: -1, fn: func(a []any) any { return fmt.Sprintln(a...) }},
	"printf":   {min: 1, max: -1, first: kindString, fn: func(a []any) any { return fmt.Sprintf(a[0].(string), a[1:]...) }},
	"html":     {min: 0, max: -1, fn: func(a []any) any { return string(appendBuiltinHTML(nil, builtinText(a))) }},
	"js":       {min: 0, max: -1, fn: func(a []any) any { return template.JSEscapeString(builtinText(a)) }},
	"urlquery": {min: 0, max: -1, fn: func(a []any) any { return url.QueryEscape(builtinText(a)) }},
}

// builtin compiles a call of a built-in.
func (c *compiler) builtin(name string, args []parse.Node, final bool, spec builtinSpec) finalFn {
	n := len(args)
	if final {
		n++
	}
	kind := func(i int) paramKind {
		if i == 0 && spec.first != kindNone {
			return spec.first
		}
		return kindAny
	}
	fn := spec.fn
	return c.callWith(name, args, final, n >= spec.min && (spec.max < 0 || n <= spec.max), kind,
		func(a []any) (any, error) { return fn(a), nil })
}

// callWith compiles a call of function name with args and, when final,
// the value of the command before; the i-th argument must be of kind(i).
// fn gets them in place on the state's argument stack. countOK says
// whether the function takes that many arguments.
func (c *compiler) callWith(name string, args []parse.Node, final, countOK bool, kind func(int) paramKind, fn func([]any) (any, error)) finalFn {
	if !countOK {
		n := len(args)
		if final {
			n++
		}
		return func(*state, any, any) any {
			bail("wrong number of args for %s: got %d", name, n)
			return nil
		}
	}
	fns := make([]evalFn, len(args))
	for i, a := range args {
		fns[i] = c.arg(a, kind(i))
	}
	finalKind := kind(len(args))
	return func(st *state, dot, fin any) any {
		base := len(st.args)
		for _, f := range fns {
			st.args = append(st.args, f(st, dot))
		}
		if final {
			st.args = append(st.args, checkValue(finalKind, fin))
		}
		v, err := fn(st.args[base:])
		if err != nil {
			bail("error calling %s: %v", name, err)
		}
		clear(st.args[base:])
		st.args = st.args[:base]
		return v
	}
}

// logic compiles and and or, which evaluate their arguments until one
// decides, and return it.
func (c *compiler) logic(name string, args []parse.Node, final bool) finalFn {
	if len(args) == 0 && !final {
		return func(*state, any, any) any {
			bail("wrong number of args for %s: want at least 1 got 0", name)
			return nil
		}
	}
	or := name == "or"
	fns := make([]evalFn, len(args))
	for i, a := range args {
		fns[i] = c.arg(a, kindAny)
	}
	return func(st *state, dot, fin any) any {
		var v any
		for _, f := range fns {
			if v = f(st, dot); truth(v) == or {
				return v
			}
		}
		if final {
			v = fin
		}
		return v
	}
}

// length is text/template's len.
func length(a []any) any {
	switch x := a[0].(type) {
	case string:
		return len(x)
	case []any:
		return len(x)
	case map[string]any:
		return len(x)
	}
	if s, ok := typedString(a[0]); ok {
		return len(s)
	}
	bail("len of %T", a[0])
	return nil
}

// index is text/template's index for maps with string keys and slices.
func index(a []any) any {
	item := a[0]
	if item == nil {
		bail("index of untyped nil")
	}
	for i, k := range a[1:] {
		switch x := item.(type) {
		case []any:
			n, ok := k.(int)
			if !ok || n < 0 || n >= len(x) {
				bail("index %v of a slice of %d", k, len(x))
			}
			item = x[n]
		case map[string]any:
			s, ok := k.(string)
			if !ok {
				bail("index %T of a map", k)
			}
			item = x[s]
		case string:
			item = indexString(x, k)
		default:
			s, ok := typedString(item)
			if !ok {
				bail("index of %T", item)
			}
			item = indexString(s, k)
		}
		if item == nil && i+2 < len(a) {
			bail("index of nil pointer")
		}
	}
	return item
}

// indexString is s[k]: a byte.
func indexString(s string, k any) byte {
	n, ok := k.(int)
	if !ok || n < 0 || n >= len(s) {
		bail("index %v of a string of %d bytes", k, len(s))
	}
	return s[n]
}

// builtinText is the text the html, js and urlquery built-ins escape:
// fmt.Sprint of the arguments, where nil is "<no value>".
func builtinText(a []any) string {
	if len(a) == 1 {
		if s, ok := a[0].(string); ok {
			return s
		}
	}
	b := make([]any, len(a))
	for i, v := range a {
		switch {
		case v == nil:
			b[i] = "<no value>"
		case reflect.TypeOf(v).Kind() == reflect.Pointer:
			bail("text of %T", v)
		default:
			b[i] = v
		}
	}
	return fmt.Sprint(b...)
}

// evalArgs is html/template's _eval_args_, which stands for the
// arguments of {{html x y}}: fmt.Sprint of them.
func evalArgs(a []any) any {
	if len(a) == 1 {
		if s, ok := a[0].(string); ok {
			return s
		}
	}
	for _, v := range a {
		if v != nil && reflect.TypeOf(v).Kind() == reflect.Pointer {
			bail("text of %T", v)
		}
	}
	return fmt.Sprint(a...)
}
