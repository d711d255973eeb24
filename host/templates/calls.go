package templates

import (
	"fmt"
	"html/template"
	"slices"
	"text/template/parse"
)

// goCall compiles a call of fn, a function of the FuncMap. As
// text/template does, it turns a panic of fn into the call's error.
func (c *compiler) goCall(id *parse.IdentifierNode, cmd parse.Node, fn any, args []parse.Node, final bool) finalFn {
	sig, call, ok := funcOf(fn)
	if !ok {
		c.fail("function %s of type %T", id.Ident, fn)
	}
	return c.callWith(id, cmd, args, final, sig, func(a []any) (v any, err error) {
		defer func() {
			if r := recover(); r != nil {
				if e, ok := r.(error); ok {
					err = e
				} else {
					err = fmt.Errorf("%v", r)
				}
			}
		}()
		return call(a)
	})
}

// funcOf describes fn if its Go type is one of those the compiled pages
// call directly: at most two parameters of type string, int or any (or
// a variadic last one), and a result of type string, template.HTML,
// template.URL or bool, with or without an error. A page that calls a
// function of another type renders with html/template.
func funcOf(fn any) (signature, func([]any) (any, error), bool) {
	var (
		s = kindString
		a = kindAny
		i = kindInt
	)
	fixed := func(call func([]any) (any, error), params ...paramKind) (signature, func([]any) (any, error), bool) {
		return signature{params: params}, call, true
	}
	variadic := func(v paramKind, call func([]any) (any, error), params ...paramKind) (signature, func([]any) (any, error), bool) {
		return signature{params: params, variadic: v}, call, true
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
	return signature{}, nil, false
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
