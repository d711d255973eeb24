package templates

import (
	"text/template/parse"
)

// This file compiles pipelines and the commands in them: variables
// declared or assigned, values, and a command's result passed to the
// next.

// pipeline compiles p, which declares or assigns its variables, if any,
// in their slots.
func (c *compiler) pipeline(p *parse.PipeNode) (evalFn, []int) {
	val := c.commands(p.Cmds)
	if len(p.Decl) == 0 {
		return val, nil
	}
	slots := make([]int, len(p.Decl))
	for i, v := range p.Decl {
		if p.IsAssign {
			slots[i] = c.slot(v.Ident[0])
		} else {
			slots[i] = c.push(v.Ident[0])
		}
		if slots[i] < 0 {
			c.fail("undefined variable: %s", v.Ident[0])
		}
	}
	return func(st *state, dot any) any {
		v := val(st, dot)
		for _, s := range slots {
			st.vars[st.base+s] = v
		}
		return v
	}, slots
}

// commands compiles a pipeline's commands, each of which after the
// first is a function given the value of the one before. As in
// text/template, each command's value is taken out of the interface
// that held it.
func (c *compiler) commands(cmds []*parse.CommandNode) evalFn {
	var first evalFn
	if id, ok := cmds[0].Args[0].(*parse.IdentifierNode); ok {
		f := c.function(id, cmds[0], cmds[0].Args[1:], false)
		first = func(st *state, dot any) any { return unheld(f(st, dot, nil)) }
	} else {
		if len(cmds[0].Args) > 1 {
			c.fail("%s: arguments to a non-function", cmds[0])
		}
		first = c.operand(cmds[0].Args[0])
	}
	if len(cmds) == 1 {
		return first
	}
	rest := make([]finalFn, 0, len(cmds)-1)
	for _, cmd := range cmds[1:] {
		id, ok := cmd.Args[0].(*parse.IdentifierNode)
		if !ok {
			c.fail("%s: a pipeline into a non-function", cmd)
		}
		rest = append(rest, c.function(id, cmd, cmd.Args[1:], true))
	}
	return func(st *state, dot any) any {
		v := first(st, dot)
		for _, f := range rest {
			v = unheld(f(st, dot, v))
		}
		return v
	}
}

// operand compiles a command that is a value, not a function call.
func (c *compiler) operand(n parse.Node) evalFn {
	switch n := n.(type) {
	case *parse.NilNode:
		c.fail("nil is not a command")
	case *parse.FieldNode:
		keys := n.Ident
		return func(st *state, dot any) any {
			st.node = n
			v, _ := field(st, dot, keys)
			return v
		}
	case *parse.VariableNode:
		s := c.slot(n.Ident[0])
		if s < 0 {
			c.fail("undefined variable: %s", n.Ident[0])
		}
		keys := n.Ident[1:]
		return func(st *state, _ any) any {
			st.node = n
			v, _ := field(st, st.vars[st.base+s], keys)
			return v
		}
	case *parse.ChainNode:
		base := c.chainBase(n)
		keys := n.Field
		return func(st *state, dot any) any {
			b := base(st, dot)
			v, _ := field(st, b, keys)
			return v
		}
	case *parse.PipeNode:
		pipe, _ := c.pipeline(n)
		return pipe
	case *parse.DotNode:
		return func(st *state, dot any) any {
			st.node = n
			return unheld(dot)
		}
	case *parse.NumberNode:
		v, err := number(n)
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
	case *parse.StringNode:
		v := n.Text
		return func(st *state, _ any) any {
			st.node = n
			return v
		}
	case *parse.BoolNode:
		v := n.True
		return func(st *state, _ any) any {
			st.node = n
			return v
		}
	}
	c.fail("command %s", n)
	return nil
}

// chainBase compiles the pipeline of (pipeline).Field, whose value is
// the chain's first receiver.
func (c *compiler) chainBase(n *parse.ChainNode) evalFn {
	base, ok := n.Node.(*parse.PipeNode)
	if !ok {
		c.fail("%s: fields of a %T", n, n.Node)
	}
	pipe, _ := c.pipeline(base)
	return pipe
}
