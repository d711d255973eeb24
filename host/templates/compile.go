package templates

import (
	"errors"
	"fmt"
	texttemplate "text/template"
	"text/template/parse"

	"github.com/wasmweb/wasmweb/host/internal/pagedata"
)

// A page is compiled, once html/template has escaped it, from the parse
// trees html/template executes: the escapers it inserted are already
// in them, as the last commands of each action's pipeline. Every node
// becomes a Go closure that works on the data's own values (see
// values.go) and appends to the page, where text/template would walk
// the tree through package reflect.
//
// Whether a page is compiled is decided before its first render, and a
// compiled page renders every time on its own: what text/template
// would report as an error, the compiled page reports too, with
// text/template's message, from the node text/template would name. A
// render never starts compiled and restarts with html/template, so the
// site's functions run once per call, as html/template runs them. What
// the compiler does not handle (a node, a function's Go type, a CSS
// escaper) leaves the whole page to html/template; a value its own
// escapers do not handle (HTML content in an attribute, whose tags
// html/template strips) goes through html/template's escaper for that
// one action.
//
// This file compiles a template's nodes: text, actions, if, with, range
// and template calls. pipeline.go and args.go compile what a node
// holds, builtins.go and calls.go its function calls; exec.go runs the
// result, and decide.go chooses which pages are compiled.

// errUnsupported is wrapped by compile's errors: the page renders with
// html/template.
var errUnsupported = errors.New("templates: not compiled")

// unsupported stops the compilation of a page. It is the only panic
// compile recovers.
type unsupported struct{ err error }

// compiler compiles one page and the templates it calls.
type compiler struct {
	ns    *texttemplate.Template // the escaped templates
	funcs Funcs                  // the functions the templates have
	done  map[string]*compiled
	queue []*compiled

	cur  *compiled // the template being compiled
	vars []string  // cur's variables in scope, by slot
}

// compile compiles page name of the escaped templates ns, whose
// functions are funcs. An error wraps errUnsupported.
func compile(ns *texttemplate.Template, name string, funcs Funcs) (p *program, err error) {
	c := &compiler{ns: ns, funcs: funcs, done: map[string]*compiled{}}
	defer func() {
		if r := recover(); r != nil {
			u, ok := r.(unsupported)
			if !ok {
				panic(r)
			}
			p, err = nil, u.err
		}
	}()
	main := c.ref(name)
	if main.t == nil || main.t.Tree == nil || main.t.Root == nil {
		c.fail("%q is an incomplete or empty template", name)
	}
	for len(c.queue) > 0 {
		t := c.queue[0]
		c.queue = c.queue[1:]
		c.template(t)
	}
	return &program{main: main}, nil
}

func (c *compiler) fail(format string, args ...any) {
	panic(unsupported{fmt.Errorf("%w: %s", errUnsupported, fmt.Sprintf(format, args...))})
}

// ref is template name, compiled now or later; its t is nil if it is
// not defined.
func (c *compiler) ref(name string) *compiled {
	if t := c.done[name]; t != nil {
		return t
	}
	t := &compiled{t: c.ns.Lookup(name), frame: 1}
	c.done[name] = t
	c.queue = append(c.queue, t)
	return t
}

func (c *compiler) template(t *compiled) {
	if t.t == nil || t.t.Tree == nil || t.t.Root == nil {
		return // called, if at all, by templateCall, which reports it
	}
	c.cur, c.vars = t, []string{"$"}
	t.body = c.list(t.t.Root)
}

// push declares variable name and returns its slot.
func (c *compiler) push(name string) int {
	c.vars = append(c.vars, name)
	c.cur.frame = max(c.cur.frame, len(c.vars))
	return len(c.vars) - 1
}

// slot is the slot of the variable name in scope, or -1.
func (c *compiler) slot(name string) int {
	for i := len(c.vars) - 1; i >= 0; i-- {
		if c.vars[i] == name {
			return i
		}
	}
	return -1
}

func (c *compiler) list(l *parse.ListNode) execFn {
	var fns []execFn
	for _, n := range l.Nodes {
		if f := c.node(n); f != nil {
			fns = append(fns, f)
		}
	}
	switch len(fns) {
	case 0:
		return func(*state, any) ctrl { return ctrlNext }
	case 1:
		return fns[0]
	}
	return func(st *state, dot any) ctrl {
		for _, f := range fns {
			if r := f(st, dot); r != ctrlNext {
				return r
			}
		}
		return ctrlNext
	}
}

func (c *compiler) node(n parse.Node) execFn {
	switch n := n.(type) {
	case *parse.TextNode:
		text := n.Text
		return func(st *state, _ any) ctrl {
			st.out = append(st.out, text...)
			return ctrlNext
		}
	case *parse.ActionNode:
		return c.action(n)
	case *parse.CommentNode:
		return nil
	case *parse.IfNode:
		return c.branch(&n.BranchNode, false)
	case *parse.WithNode:
		return c.branch(&n.BranchNode, true)
	case *parse.RangeNode:
		return c.rangeNode(n)
	case *parse.TemplateNode:
		return c.templateCall(n)
	case *parse.ListNode:
		return c.list(n)
	case *parse.BreakNode:
		return func(*state, any) ctrl { return ctrlBreak }
	case *parse.ContinueNode:
		return func(*state, any) ctrl { return ctrlContinue }
	}
	c.fail("node %T", n)
	return nil
}

// action compiles {{pipeline}}: it either declares variables or prints
// through the escapers at its end.
func (c *compiler) action(n *parse.ActionNode) execFn {
	if len(n.Pipe.Decl) > 0 {
		pipe, _ := c.pipeline(n.Pipe)
		return func(st *state, dot any) ctrl {
			pipe(st, dot)
			return ctrlNext
		}
	}
	cmds := n.Pipe.Cmds
	k := len(cmds)
	for k > 1 && c.escaper(cmds[k-1]) != 0 {
		k--
	}
	if k == len(cmds) {
		c.fail("%s: action without a supported escaper at its end", n)
	}
	e := &escaping{}
	text := "{{."
	names := map[string]any{}
	for _, cmd := range cmds[k:] {
		e.chain = append(e.chain, c.escaper(cmd))
		id := cmd.Args[0].(*parse.IdentifierNode).Ident
		text += " | " + id
		names[id] = true
	}
	tree, err := parse.New("escaping").Parse(text+"}}", "", "", map[string]*parse.Tree{}, names)
	if err != nil {
		c.fail("%s: %v", n, err)
	}
	e.theirs = c.ns.New("escaping") // shares ns's functions, and is not added to it
	e.theirs.Tree = tree
	val := c.commands(cmds[:k])
	return func(st *state, dot any) ctrl {
		st.emit(val(st, dot), e)
		return ctrlNext
	}
}

// escaper is the escaper cmd calls with the value before it, or 0.
func (c *compiler) escaper(cmd *parse.CommandNode) escaper {
	id, ok := cmd.Args[0].(*parse.IdentifierNode)
	if !ok || len(cmd.Args) != 1 {
		return 0
	}
	if e, ok := escapersByName[id.Ident]; ok {
		return e
	}
	if _, own := c.funcs[id.Ident]; !own {
		return builtinEscapers[id.Ident]
	}
	return 0
}

// control compiles the parts of an if, with or range: its pipeline (and
// the slots of the variables it declares), its list, in which those
// variables are in scope, and its else list, in which they are not. The
// caller drops the variables when it is done.
func (c *compiler) control(n *parse.BranchNode) (pipe evalFn, slots []int, list, elseList execFn) {
	pipe, slots = c.pipeline(n.Pipe)
	inner := len(c.vars)
	list = c.list(n.List)
	c.vars = c.vars[:inner]
	if n.ElseList != nil {
		elseList = c.list(n.ElseList)
	}
	return pipe, slots, list, elseList
}

// branch compiles {{if}} and {{with}}.
func (c *compiler) branch(n *parse.BranchNode, with bool) execFn {
	mark := len(c.vars)
	defer func() { c.vars = c.vars[:mark] }()
	pipe, _, list, elseList := c.control(n)
	return func(st *state, dot any) ctrl {
		v := pipe(st, dot)
		if truth(v) {
			if with {
				return list(st, v)
			}
			return list(st, dot)
		}
		if elseList != nil {
			return elseList(st, dot)
		}
		return ctrlNext
	}
}

// rangeNode compiles {{range}} over a slice, a map (in key order) or an
// integer. Elements of a slice or a map are held (see values.go).
func (c *compiler) rangeNode(n *parse.RangeNode) execFn {
	mark := len(c.vars)
	defer func() { c.vars = c.vars[:mark] }()
	pipe, slots, body, elseList := c.control(&n.BranchNode)
	for _, s := range slots {
		if s < 0 {
			c.fail("%s assigns an undefined variable", n.Pipe)
		}
	}
	// set gives the range's variables an element: with two, the index
	// and the element; with one, the element.
	set := func(st *state, index, elem any) {}
	switch len(slots) {
	case 1:
		s := slots[0]
		set = func(st *state, _, elem any) { st.vars[st.base+s] = elem }
	case 2:
		s0, s1 := slots[0], slots[1]
		set = func(st *state, index, elem any) {
			st.vars[st.base+s0] = index
			st.vars[st.base+s1] = elem
		}
	}
	count := func(st *state, v any, n int) ctrl {
		if len(slots) > 1 {
			st.errorf("can't use %v to iterate over more than one variable", v)
		}
		for i := range n {
			var e any = i
			switch v.(type) {
			case byte:
				e = byte(i)
			case pagedata.Integer:
				e = pagedata.Integer(i)
			}
			set(st, nil, e)
			if body(st, e) == ctrlBreak {
				break
			}
		}
		return ctrlNext
	}
	return func(st *state, dot any) ctrl {
		switch x := pipe(st, dot).(type) {
		case []any:
			if len(x) == 0 {
				break
			}
			for i := range x {
				e := &x[i]
				set(st, i, e)
				if body(st, e) == ctrlBreak {
					break
				}
			}
			return ctrlNext
		case map[string]any:
			if len(x) == 0 {
				break
			}
			keys := sortedKeys(x)
			vals := make([]any, len(keys))
			for i, k := range keys {
				vals[i] = x[k]
				e := &vals[i]
				set(st, k, e)
				if body(st, e) == ctrlBreak {
					break
				}
			}
			return ctrlNext
		case int:
			if x > 0 || len(slots) > 1 {
				return count(st, x, x)
			}
		case pagedata.Integer:
			if x > 0 && int64(int(x)) == int64(x) || len(slots) > 1 {
				return count(st, x, int(x))
			}
		case byte:
			if x > 0 || len(slots) > 1 {
				return count(st, x, int(x))
			}
		case nil:
		default:
			st.errorf("range can't iterate over %v", x)
		}
		if elseList != nil {
			return elseList(st, dot)
		}
		return ctrlNext
	}
}

// templateCall compiles {{template "name" pipeline}}.
func (c *compiler) templateCall(n *parse.TemplateNode) execFn {
	var pipe evalFn
	if n.Pipe != nil {
		pipe, _ = c.pipeline(n.Pipe)
	}
	callee, caller := c.ref(n.Name), c.cur
	return func(st *state, dot any) ctrl {
		st.node = n
		if callee.body == nil {
			st.errorf("template %q not defined", n.Name)
		}
		if st.depth == maxExecDepth {
			st.errorf("exceeded maximum template depth (%v)", maxExecDepth)
		}
		var d any
		if pipe != nil {
			d = pipe(st, dot)
		}
		st.call(caller.frame, callee, d)
		return ctrlNext
	}
}

// paramKind is the Go type of a function's parameter.
