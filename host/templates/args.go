package templates

import (
	"fmt"
	"reflect"
	"strings"
	"text/template/parse"
)

// This file compiles the arguments of function calls, checking each
// against its parameter's Go type as text/template does, and reporting
// text/template's errors for the ones that do not fit.

type paramKind uint8

const (
	kindNone   paramKind = iota
	kindAny              // any
	kindValue            // reflect.Value, in a built-in: a held nil stays apart from no value
	kindString           // string
	kindInt              // int
)

func (k paramKind) String() string {
	switch k {
	case kindString:
		return "string"
	case kindInt:
		return "int"
	case kindValue:
		return "reflect.Value"
	}
	return "interface {}"
}

// arg compiles an argument for a parameter of kind k, checking its type
// as text/template does.
func (c *compiler) arg(n parse.Node, k paramKind) evalFn {
	switch n := n.(type) {
	case *parse.DotNode:
		return func(st *state, dot any) any {
			st.node = n
			return st.validate(dot, k)
		}
	case *parse.NilNode:
		if k == kindString || k == kindInt {
			return func(st *state, _ any) any {
				st.node = n
				st.errorf("cannot assign nil to %s", k)
				return nil
			}
		}
		return func(st *state, _ any) any {
			st.node = n
			return nil
		}
	case *parse.FieldNode:
		keys := n.Ident
		return func(st *state, dot any) any {
			st.node = n
			v, held := field(st, dot, keys)
			return st.validateHeld(v, held, k)
		}
	case *parse.VariableNode:
		s := c.slot(n.Ident[0])
		if s < 0 {
			c.fail("undefined variable: %s", n.Ident[0])
		}
		if len(n.Ident) == 1 {
			return func(st *state, _ any) any {
				st.node = n
				return st.validate(st.vars[st.base+s], k)
			}
		}
		keys := n.Ident[1:]
		return func(st *state, _ any) any {
			st.node = n
			v, held := field(st, st.vars[st.base+s], keys)
			return st.validateHeld(v, held, k)
		}
	case *parse.ChainNode:
		base := c.chainBase(n)
		keys := n.Field
		return func(st *state, dot any) any {
			st.node = n
			b := base(st, dot)
			v, held := field(st, b, keys)
			return st.validateHeld(v, held, k)
		}
	case *parse.PipeNode:
		pipe, _ := c.pipeline(n)
		return func(st *state, dot any) any { return st.validateHeld(pipe(st, dot), false, k) }
	case *parse.IdentifierNode:
		f := c.function(n, n, nil, false)
		return func(st *state, dot any) any { return st.validateHeld(unheld(f(st, dot, nil)), false, k) }
	}
	v, err := constant(n, k)
	if err != nil {
		return func(st *state, _ any) any {
			st.node = n
			st.errorf("%s", err)
			return nil
		}
	}
	return func(st *state, _ any) any {
		st.node = n
		return v
	}
}

// constant is the value of a literal argument for a parameter of kind
// k, or the error text/template reports for it.
func constant(n parse.Node, k paramKind) (any, error) {
	switch k {
	case kindString:
		if n, ok := n.(*parse.StringNode); ok {
			return n.Text, nil
		}
		return nil, fmt.Errorf("expected string; found %s", n)
	case kindInt:
		if n, ok := n.(*parse.NumberNode); ok && n.IsInt {
			return int(n.Int64), nil
		}
		return nil, fmt.Errorf("expected integer; found %s", n)
	}
	switch n := n.(type) {
	case *parse.StringNode:
		return n.Text, nil
	case *parse.BoolNode:
		return n.True, nil
	case *parse.NumberNode:
		return number(n)
	}
	panic(unsupported{fmt.Errorf("%w: argument %s", errUnsupported, n)})
}

// number is a number literal as text/template gives it to a parameter
// of type any: an int if it is written as one, a float64 if written
// with a point, an exponent or hex digits after "0x" that are a float.
func number(n *parse.NumberNode) (any, error) {
	switch {
	case n.IsComplex:
		panic(unsupported{fmt.Errorf("%w: complex number %s", errUnsupported, n)})
	case n.IsFloat && !hexInt(n.Text) && !strings.HasPrefix(n.Text, "'") && strings.ContainsAny(n.Text, ".eEpP"):
		return n.Float64, nil
	case n.IsInt:
		if int64(int(n.Int64)) != n.Int64 {
			return nil, fmt.Errorf("%s overflows int", n.Text)
		}
		return int(n.Int64), nil
	case n.IsUint:
		return nil, fmt.Errorf("%s overflows int", n.Text)
	}
	panic(unsupported{fmt.Errorf("%w: number %s", errUnsupported, n)})
}

func hexInt(s string) bool {
	return len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && !strings.ContainsAny(s, "pP")
}

// validate is validateHeld for dot or a variable, which holds a range
// element in a *any.
func (st *state) validate(v any, k paramKind) any {
	if p, ok := v.(*any); ok {
		return st.validateHeld(*p, true, k)
	}
	return st.validateHeld(v, false, k)
}

// validateHeld checks that v fits a parameter of kind k, as
// text/template's validateType does; held says v was read from a map or
// a slice, so that a nil there is an interface holding nil rather than
// no value at all.
func (st *state) validateHeld(v any, held bool, k paramKind) any {
	switch k {
	case kindString:
		if _, ok := v.(string); ok {
			return v
		}
	case kindInt:
		if _, ok := v.(int); ok {
			return v
		}
	case kindValue:
		if held && v == nil {
			return null
		}
		return v
	default:
		return v
	}
	switch {
	case v == nil && held:
		st.errorf("wrong type for value; expected %s; got interface {}", k)
	case v == nil:
		st.errorf("invalid value; expected %s", k)
	}
	st.errorf("wrong type for value; expected %s; got %s", k, typeName(v))
	return nil
}

// typeName is v's type as reflect writes it.
func typeName(v any) string { return reflect.TypeOf(v).String() }
