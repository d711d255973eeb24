package templates

import (
	"html/template"
	"slices"
	"text/template/parse"
)

// goFunc is a function of a template's FuncMap, called directly: its
// parameters' kinds (variadic is kindNone unless the last is ...T) and
// a call of it with arguments of those kinds.
type goFunc struct {
	params   []paramKind
	variadic paramKind
	call     func(args []any) (any, error)
}

// kindAt is the kind of the i-th argument.
func (g *goFunc) kindAt(i int) paramKind {
	if i < len(g.params) {
		return g.params[i]
	}
	return g.variadic
}

// goCall compiles a call of fn, a function of the FuncMap.
func (c *compiler) goCall(name string, fn any, args []parse.Node, final bool) finalFn {
	g, ok := funcOf(fn)
	if !ok {
		c.fail("function %s of type %T", name, fn)
	}
	n := len(args)
	if final {
		n++
	}
	countOK := n >= len(g.params) && (g.variadic != kindNone || n <= len(g.params))
	return c.callWith(name, args, final, countOK, g.kindAt, g.call)
}

// funcOf describes fn if its Go type is one of those the compiled pages
// call directly: at most two parameters of type string, int or any (or
// a variadic last one), and a result of type string, template.HTML (or
// template.URL) or bool, with or without an error. A page that calls a function of
// another type renders with html/template.
func funcOf(fn any) (goFunc, bool) {
	var (
		s = kindString
		a = kindAny
		i = kindInt
	)
	fixed := func(call func([]any) (any, error), params ...paramKind) (goFunc, bool) {
		return goFunc{params: params, call: call}, true
	}
	variadic := func(v paramKind, call func([]any) (any, error), params ...paramKind) (goFunc, bool) {
		return goFunc{params: params, variadic: v, call: call}, true
	}
	switch f := fn.(type) {
	case func() string:
		return fixed(func([]any) (any, error) { return f(), nil })
	case func() (string, error):
		return fixed(func([]any) (any, error) { return f() })
	case func() template.HTML:
		return fixed(func([]any) (any, error) { return f(), nil })
	case func(string) string:
		return fixed(func(x []any) (any, error) { return f(x[0].(string)), nil }, s)
	case func(string) (string, error):
		return fixed(func(x []any) (any, error) { return f(x[0].(string)) }, s)
	case func(string) template.HTML:
		return fixed(func(x []any) (any, error) { return f(x[0].(string)), nil }, s)
	case func(string) (template.HTML, error):
		return fixed(func(x []any) (any, error) { return f(x[0].(string)) }, s)
	case func(string) template.URL:
		return fixed(func(x []any) (any, error) { return f(x[0].(string)), nil }, s)
	case func(any) string:
		return fixed(func(x []any) (any, error) { return f(x[0]), nil }, a)
	case func(any) (string, error):
		return fixed(func(x []any) (any, error) { return f(x[0]) }, a)
	case func(any) template.HTML:
		return fixed(func(x []any) (any, error) { return f(x[0]), nil }, a)
	case func(any) (template.HTML, error):
		return fixed(func(x []any) (any, error) { return f(x[0]) }, a)
	case func(any) bool:
		return fixed(func(x []any) (any, error) { return f(x[0]), nil }, a)
	case func(string, string) string:
		return fixed(func(x []any) (any, error) { return f(x[0].(string), x[1].(string)), nil }, s, s)
	case func(string, string) (string, error):
		return fixed(func(x []any) (any, error) { return f(x[0].(string), x[1].(string)) }, s, s)
	case func(string, ...any) string:
		return variadic(a, func(x []any) (any, error) { return f(x[0].(string), rest(x[1:])...), nil }, s)
	case func(string, ...any) (string, error):
		return variadic(a, func(x []any) (any, error) { return f(x[0].(string), rest(x[1:])...) }, s)
	case func(any, ...string) (string, error):
		return variadic(s, func(x []any) (any, error) { return f(x[0], restOf[string](x[1:])...) }, a)
	case func(any, ...int) (string, error):
		return variadic(i, func(x []any) (any, error) { return f(x[0], restOf[int](x[1:])...) }, a)
	case func(...any) string:
		return variadic(a, func(x []any) (any, error) { return f(rest(x)...), nil })
	case func(...any) (string, error):
		return variadic(a, func(x []any) (any, error) { return f(rest(x)...) })
	case func(...any) template.HTML:
		return variadic(a, func(x []any) (any, error) { return f(rest(x)...), nil })
	}
	return goFunc{}, false
}

// rest is a variadic function's own copy of its arguments, which it may
// keep.
func rest(x []any) []any {
	if len(x) == 0 {
		return nil
	}
	return slices.Clone(x)
}

// restOf is rest for a variadic parameter of type T, whose arguments
// have been checked to be T.
func restOf[T any](x []any) []T {
	if len(x) == 0 {
		return nil
	}
	r := make([]T, len(x))
	for i, v := range x {
		r[i] = v.(T)
	}
	return r
}
