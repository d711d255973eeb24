package templates

import (
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"reflect"
	"text/template/parse"

	"github.com/wasmweb/wasmweb/host/internal/pagedata"
)

// function compiles a call of the function named by id with args, and
// with the value of the command before it if final; cmd is the node
// text/template names when the function fails. Functions are found as
// text/template finds them: html/template's own first, then the
// template's (the site's and this package's), then text/template's
// built-ins.
func (c *compiler) function(id *parse.IdentifierNode, cmd parse.Node, args []parse.Node, final bool) finalFn {
	name := id.Ident
	if _, ok := escapersByName[name]; ok {
		c.fail("escaper %s inside a pipeline", name)
	}
	if name == "_eval_args_" {
		return c.callWith(id, cmd, args, final, signature{variadic: kindAny}, builtinCall(evalArgs))
	}
	if fn, ok := c.funcs[name]; ok {
		return c.goCall(id, cmd, fn, args, final)
	}
	switch name {
	case "and", "or":
		return c.logic(id, args, final)
	}
	b, ok := builtinFuncs[name]
	if !ok {
		c.fail("function %s", name)
	}
	return c.callWith(id, cmd, args, final, b.sig, builtinCall(b.fn))
}

// signature is a function's parameters: their kinds, and the kind of
// the variadic last one's elements, kindNone if there is none.
type signature struct {
	params   []paramKind
	variadic paramKind
}

// kindAt is the kind of the i-th argument.
func (s signature) kindAt(i int) paramKind {
	if i < len(s.params) {
		return s.params[i]
	}
	return s.variadic
}

// builtin is one of text/template's built-in functions: its signature,
// and its implementation given the arguments' values. Its errors are
// text/template's.
type builtin struct {
	sig signature
	fn  func(args []any) (any, error)
}

var (
	one  = signature{params: []paramKind{kindValue}}
	two  = signature{params: []paramKind{kindValue, kindValue}}
	many = signature{variadic: kindAny}
)

var builtinFuncs = map[string]builtin{
	"not":   {one, func(a []any) (any, error) { return !truth(unheld(a[0])), nil }},
	"len":   {one, length},
	"index": {signature{params: []paramKind{kindValue}, variadic: kindValue}, index},
	"eq": {signature{params: []paramKind{kindValue}, variadic: kindValue}, func(a []any) (any, error) {
		for i := range a {
			a[i] = unheld(a[i])
		}
		return eq(a[0], a[1:]...)
	}},
	"ne": {two, func(a []any) (any, error) {
		equal, err := eq(unheld(a[0]), unheld(a[1]))
		return !equal, err
	}},
	"lt": {two, func(a []any) (any, error) { return lt(unheld(a[0]), unheld(a[1])) }},
	"le": {two, func(a []any) (any, error) { return le(unheld(a[0]), unheld(a[1])) }},
	"gt": {two, func(a []any) (any, error) {
		lessOrEqual, err := le(unheld(a[0]), unheld(a[1]))
		if err != nil {
			return false, err
		}
		return !lessOrEqual, nil
	}},
	"ge": {two, func(a []any) (any, error) {
		less, err := lt(unheld(a[0]), unheld(a[1]))
		if err != nil {
			return false, err
		}
		return !less, nil
	}},
	"print":    {many, func(a []any) (any, error) { return fmt.Sprint(a...), nil }},
	"println":  {many, func(a []any) (any, error) { return fmt.Sprintln(a...), nil }},
	"printf":   {signature{params: []paramKind{kindString}, variadic: kindAny}, func(a []any) (any, error) { return fmt.Sprintf(a[0].(string), a[1:]...), nil }},
	"html":     {many, func(a []any) (any, error) { return string(appendBuiltinHTML(nil, builtinText(a))), nil }},
	"js":       {many, func(a []any) (any, error) { return template.JSEscapeString(builtinText(a)), nil }},
	"urlquery": {many, func(a []any) (any, error) { return url.QueryEscape(builtinText(a)), nil }},
}

// builtinCall is a built-in's implementation as callWith calls it: no
// panic is recovered, since the built-ins report their errors.
func builtinCall(fn func([]any) (any, error)) func([]any) (any, error) { return fn }

// callWith compiles a call of the function named by id, of signature
// sig, with args and, when final, the value of the command before. fn
// gets the arguments in place on the state's argument stack; its error
// ends the render, naming cmd.
func (c *compiler) callWith(id *parse.IdentifierNode, cmd parse.Node, args []parse.Node, final bool, sig signature, fn func([]any) (any, error)) finalFn {
	name := id.Ident
	n := len(args)
	if final {
		n++
	}
	if sig.variadic != kindNone && n < len(sig.params) {
		want, got := len(sig.params), len(args)
		return func(st *state, _, _ any) any {
			st.node = id
			st.errorf("wrong number of args for %s: want at least %d got %d", name, want, got)
			return nil
		}
	}
	if sig.variadic == kindNone && n != len(sig.params) {
		want := len(sig.params)
		return func(st *state, _, _ any) any {
			st.node = id
			st.errorf("wrong number of args for %s: want %d got %d", name, want, n)
			return nil
		}
	}
	fns := make([]evalFn, len(args))
	for i, a := range args {
		fns[i] = c.arg(a, sig.kindAt(i))
	}
	finalKind := sig.kindAt(len(args))
	return func(st *state, dot, fin any) any {
		st.node = id
		base := len(st.args)
		for _, f := range fns {
			st.args = append(st.args, f(st, dot))
		}
		if final {
			st.args = append(st.args, st.validateHeld(fin, false, finalKind))
		}
		v, err := fn(st.args[base:])
		if err != nil {
			st.node = cmd
			st.errorf("error calling %s: %w", name, err)
		}
		clear(st.args[base:])
		st.args = st.args[:base]
		return v
	}
}

// logic compiles and and or, which evaluate their arguments until one
// decides, and return it.
func (c *compiler) logic(id *parse.IdentifierNode, args []parse.Node, final bool) finalFn {
	name := id.Ident
	if len(args) == 0 && !final {
		return func(st *state, _, _ any) any {
			st.node = id
			st.errorf("wrong number of args for %s: want at least 1 got 0", name)
			return nil
		}
	}
	or := name == "or"
	fns := make([]evalFn, len(args))
	for i, a := range args {
		fns[i] = c.arg(a, kindValue)
	}
	return func(st *state, dot, fin any) any {
		st.node = id
		var v any
		for _, f := range fns {
			if v = f(st, dot); truth(unheld(v)) == or {
				return v
			}
		}
		if final {
			v = fin
		}
		return v
	}
}

// zeroValueType is the error of text/template's len of no value: its
// reflect.Value.Type call panics, and the panic becomes the error.
var zeroValueType = recovered(func() { _ = reflect.Value{}.Type() })

// sliceIndexOutOfRange and stringIndexOutOfRange are the errors of
// text/template's index one past the end, where reflect panics.
var (
	sliceIndexOutOfRange  = recovered(func() { reflect.ValueOf([]any{}).Index(0) })
	stringIndexOutOfRange = recovered(func() { reflect.ValueOf("").Index(0) })
)

// recovered is the error text/template makes of the panic f makes.
func recovered(f func()) (err error) {
	defer func() {
		switch r := recover().(type) {
		case error:
			err = r
		default:
			err = fmt.Errorf("%v", r)
		}
	}()
	f()
	return errors.New("no panic")
}

// length is text/template's len.
func length(a []any) (any, error) {
	switch x := a[0].(type) {
	case string:
		return len(x), nil
	case []any:
		return len(x), nil
	case map[string]any:
		return len(x), nil
	case nil:
		return nil, zeroValueType
	case *nullElem:
		return nil, errors.New("len of nil pointer")
	}
	if s, ok := typedString(a[0]); ok {
		return len(s), nil
	}
	return nil, fmt.Errorf("len of type %s", typeName(a[0]))
}

// index is text/template's index for maps with string keys, slices and
// strings.
func index(a []any) (any, error) {
	item := unheld(a[0])
	if item == nil {
		return nil, errors.New("index of untyped nil")
	}
	held := false
	for _, k := range a[1:] {
		k = unheld(k)
		if held && item == nil {
			return nil, errors.New("index of nil pointer")
		}
		switch x := item.(type) {
		case []any:
			n, err := indexArg(k, len(x))
			if err != nil {
				return nil, err
			}
			if n == len(x) {
				return nil, sliceIndexOutOfRange
			}
			item, held = x[n], true
		case map[string]any:
			s, ok := k.(string)
			switch {
			case k == nil:
				return nil, errors.New("value is nil; should be of type string")
			case !ok:
				return nil, fmt.Errorf("value has type %s; should be string", typeName(k))
			}
			item, held = x[s], true
		default:
			s, ok := item.(string)
			if !ok {
				if s, ok = typedString(item); !ok {
					return nil, fmt.Errorf("can't index item of type %s", typeName(item))
				}
			}
			n, err := indexArg(k, len(s))
			if err != nil {
				return nil, err
			}
			if n == len(s) {
				return nil, stringIndexOutOfRange
			}
			item, held = s[n], false
		}
	}
	return item, nil
}

// indexArg is k as an index into something of length n, as
// text/template takes it: n itself passes here, to fail in reflect.
func indexArg(k any, n int) (int, error) {
	var x int
	switch v := k.(type) {
	case int:
		x = v
	case pagedata.Integer:
		if int64(int(v)) != int64(v) {
			return 0, fmt.Errorf("cannot index slice/array with index %d", v)
		}
		x = int(v)
	case byte:
		x = int(v)
	case nil:
		return 0, errors.New("cannot index slice/array with nil")
	default:
		return 0, fmt.Errorf("cannot index slice/array with type %s", typeName(k))
	}
	if x < 0 || x > n {
		return 0, fmt.Errorf("index out of range: %d", x)
	}
	return x, nil
}

// builtinText is the text the html, js and urlquery built-ins escape:
// fmt.Sprint of the arguments, where no value is "<no value>".
func builtinText(a []any) string {
	if len(a) == 1 {
		if s, ok := a[0].(string); ok {
			return s
		}
	}
	b := make([]any, len(a))
	for i, v := range a {
		if v == nil {
			b[i] = "<no value>"
		} else {
			b[i] = v
		}
	}
	return fmt.Sprint(b...)
}

// evalArgs is html/template's _eval_args_, which stands for the
// arguments of {{html x y}}: fmt.Sprint of them.
func evalArgs(a []any) (any, error) {
	if len(a) == 1 {
		if s, ok := a[0].(string); ok {
			return s, nil
		}
	}
	return fmt.Sprint(a...), nil
}
