package templates

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"reflect"
	"strings"
	"sync"
	texttemplate "text/template"
	"text/template/parse"
)

// A page is compiled, once html/template has escaped it, from the parse
// trees html/template executes: the escapers it inserted are already
// in them, as the last commands of each action's pipeline. Every node
// becomes a Go closure that works on the data's own values (see
// values.go) and appends to the page, where text/template would walk
// the tree through package reflect.
//
// A compiled page renders what html/template renders, or gives up:
// what the compiler does not handle (a node, a function's Go type, a
// CSS escaper) leaves the page to html/template, and anything at run
// time that html/template would report as an error, or that the
// compiled page cannot tell apart from one, abandons the render (bail),
// which html/template then does again from the start. Errors are thus
// html/template's own, and so is the part of the page written before
// one.

// maxCallDepth bounds nested template calls; deeper renders are left to
// html/template, which stops at its own, larger bound.
const maxCallDepth = 10000

// ctrl is how a node's execution ends.
type ctrl uint8

const (
	ctrlNext     ctrl = iota // go on with the next node
	ctrlBreak                // {{break}}: leave the innermost range
	ctrlContinue             // {{continue}}: go on with its next element
)

// execFn executes a node with dot.
type execFn func(st *state, dot any) ctrl

// evalFn evaluates a pipeline, command or argument with dot.
type evalFn func(st *state, dot any) any

// finalFn evaluates a command given the value of the one before it.
type finalFn func(st *state, dot, final any) any

// program is a page compiled. Immutable; safe for concurrent use.
type program struct {
	main *compiled
}

// compiled is one template of a program: the page or one it calls.
type compiled struct {
	name  string
	frame int // variable slots; $ is the first
	body  execFn
}

// state is one execution of a program.
type state struct {
	out   []byte
	vars  []any // frames of variable slots; the executing one starts at base
	base  int
	depth int   // template calls in progress
	args  []any // a stack of function arguments
	tmp   []byte
}

var states = sync.Pool{New: func() any { return new(state) }}

// bailout abandons a compiled render, for html/template to render the
// page instead.
type bailout struct{ cause string }

func (b *bailout) Error() string { return "templates: compiled page gave up: " + b.cause }

// bail abandons the compiled render; cause says why (for tests).
func bail(format string, args ...any) {
	panic(&bailout{fmt.Sprintf(format, args...)})
}

// execute appends the page for data to dst. An error is a *bailout:
// html/template must render the page.
func (p *program) execute(dst []byte, data any) (out []byte, err error) {
	st := states.Get().(*state)
	st.out = dst
	defer func() {
		if r := recover(); r != nil {
			b, ok := r.(*bailout)
			if !ok {
				// A site's function panicked, or the data holds what the
				// compiled page does not expect: html/template reports
				// it as it does.
				b = &bailout{fmt.Sprintf("panic: %v", r)}
			}
			err = b
		}
		out = st.out
		st.out = nil
		clear(st.vars)
		clear(st.args)
		st.base, st.depth, st.args = 0, 0, st.args[:0]
		// Keep what a usual page needs, not what a rare one took.
		if cap(st.tmp) > 64<<10 {
			st.tmp = nil
		}
		if cap(st.vars) > 4<<10 {
			st.vars = nil
		}
		states.Put(st)
	}()
	st.grow(p.main.frame)
	st.vars[0] = data
	p.main.body(st, data)
	return st.out, nil
}

// renderTo writes the page for data to w and reports true, or reports
// false, having written nothing, if html/template must render it.
func (p *program) renderTo(w io.Writer, data any) (bool, error) {
	if b, ok := w.(*bytes.Buffer); ok {
		out, err := p.execute(b.AvailableBuffer(), data)
		if err != nil {
			return false, nil
		}
		_, err = b.Write(out)
		return true, err
	}
	buf := pageBuffers.Get().(*[]byte)
	defer func() {
		if cap(*buf) <= maxPooledPage {
			pageBuffers.Put(buf)
		}
	}()
	out, err := p.execute((*buf)[:0], data)
	*buf = out[:0]
	if err != nil {
		return false, nil
	}
	_, err = w.Write(out)
	return true, err
}

// pageBuffers hold pages rendered for writers other than a bytes.Buffer.
var pageBuffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledPage is the largest page buffer kept for reuse.
const maxPooledPage = 1 << 20

// grow makes the variables reach n slots past base.
func (st *state) grow(n int) {
	if n += st.base; n > len(st.vars) {
		st.vars = append(st.vars, make([]any, n-len(st.vars))...)
	}
}

// call executes t with dot in a frame past the caller's.
func (st *state) call(callerFrame int, t *compiled, dot any) {
	if st.depth >= maxCallDepth {
		bail("template calls nested deeper than %d", maxCallDepth)
	}
	base := st.base
	st.base += callerFrame
	st.grow(t.frame)
	st.vars[st.base] = dot
	st.depth++
	t.body(st, dot)
	st.depth--
	st.base = base
}

// emit writes v through the escapers of an action.
func (st *state) emit(v any, chain []escaper) {
	var (
		s  string
		t  contentType
		ok bool
	)
	if chain[0] == escJSVal {
		if len(chain) == 1 {
			if st.out, ok = appendJSVal(st.out, v); !ok {
				bail("JS value of %T", v)
			}
			return
		}
		if st.tmp, ok = appendJSVal(st.tmp[:0], v); !ok {
			bail("JS value of %T", v)
		}
		s, chain = string(st.tmp), chain[1:]
	} else if s, t, ok = escapeText(chain[0], v); !ok {
		bail("text of %T", v)
	}
	for ; len(chain) > 1; chain = chain[1:] {
		if st.tmp, ok = appendEscaped(st.tmp[:0], chain[0], s, t); !ok {
			bail("escaper %d for content type %d", chain[0], t)
		}
		if string(st.tmp) != s {
			s = string(st.tmp)
		}
		t = contentPlain
	}
	if st.out, ok = appendEscaped(st.out, chain[0], s, t); !ok {
		bail("escaper %d for content type %d", chain[0], t)
	}
}

// errUnsupported is wrapped by compile's errors: the page renders with
// html/template.
var errUnsupported = errors.New("templates: not compiled")

// unsupported stops the compilation of a page.
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
				// A template the compiler mishandles is still one
				// html/template renders.
				u.err = fmt.Errorf("%w: compiler panic: %v", errUnsupported, r)
			}
			p, err = nil, u.err
		}
	}()
	main := c.ref(name)
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

// ref is template name, compiled now or later.
func (c *compiler) ref(name string) *compiled {
	if t := c.done[name]; t != nil {
		return t
	}
	t := &compiled{name: name, frame: 1}
	c.done[name] = t
	c.queue = append(c.queue, t)
	return t
}

func (c *compiler) template(t *compiled) {
	tt := c.ns.Lookup(t.name)
	if tt == nil || tt.Tree == nil || tt.Tree.Root == nil {
		name := t.name
		t.body = func(*state, any) ctrl {
			bail("template %q not defined", name)
			return ctrlNext
		}
		return
	}
	c.cur, c.vars = t, []string{"$"}
	t.body = c.list(tt.Tree.Root)
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
	chain := make([]escaper, 0, len(cmds)-k)
	for _, cmd := range cmds[k:] {
		chain = append(chain, c.escaper(cmd))
	}
	val := c.commands(cmds[:k])
	return func(st *state, dot any) ctrl {
		st.emit(val(st, dot), chain)
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
// int.
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
	return func(st *state, dot any) ctrl {
		switch x := pipe(st, dot).(type) {
		case []any:
			if len(x) == 0 {
				break
			}
			for i, e := range x {
				e = element(e)
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
			for _, k := range sortedKeys(x) {
				e := element(x[k])
				set(st, k, e)
				if body(st, e) == ctrlBreak {
					break
				}
			}
			return ctrlNext
		case int:
			if len(slots) > 1 {
				bail("can't use %d to iterate over more than one variable", x)
			}
			if x <= 0 {
				break
			}
			for i := range x {
				set(st, nil, i)
				if body(st, i) == ctrlBreak {
					break
				}
			}
			return ctrlNext
		case nil:
		default:
			bail("range can't iterate over %T", x)
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
		var d any
		if pipe != nil {
			d = pipe(st, dot)
		}
		st.call(caller.frame, callee, d)
		return ctrlNext
	}
}

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
			name := v.Ident[0]
			return func(st *state, dot any) any {
				val(st, dot)
				bail("undefined variable: %s", name)
				return nil
			}, slots
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
// first is a function given the value of the one before.
func (c *compiler) commands(cmds []*parse.CommandNode) evalFn {
	var first evalFn
	if id, ok := cmds[0].Args[0].(*parse.IdentifierNode); ok {
		f := c.function(id.Ident, cmds[0].Args[1:], false)
		first = func(st *state, dot any) any { return f(st, dot, nil) }
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
		rest = append(rest, c.function(id.Ident, cmd.Args[1:], true))
	}
	return func(st *state, dot any) any {
		v := first(st, dot)
		for _, f := range rest {
			v = f(st, dot, v)
		}
		return v
	}
}

// operand compiles a command that is a value, not a function call.
func (c *compiler) operand(n parse.Node) evalFn {
	switch n := n.(type) {
	case *parse.NilNode:
		c.fail("nil is not a command")
	case *parse.IdentifierNode:
		f := c.function(n.Ident, nil, false)
		return func(st *state, dot any) any { return f(st, dot, nil) }
	}
	return c.arg(n, kindAny)
}

// paramKind is the Go type of a function's parameter.
type paramKind uint8

const (
	kindNone   paramKind = iota
	kindAny              // any, or reflect.Value in a built-in
	kindString           // string
	kindInt              // int
)

// arg compiles an argument for a parameter of kind k, checking its type
// as text/template does.
func (c *compiler) arg(n parse.Node, k paramKind) evalFn {
	switch n := n.(type) {
	case *parse.DotNode:
		return check(k, func(_ *state, dot any) any { return load(dot) })
	case *parse.FieldNode:
		keys := n.Ident
		return check(k, func(_ *state, dot any) any { return field(dot, keys) })
	case *parse.VariableNode:
		s := c.slot(n.Ident[0])
		if s < 0 {
			name := n.Ident[0]
			return func(*state, any) any {
				bail("undefined variable: %s", name)
				return nil
			}
		}
		if len(n.Ident) == 1 {
			return check(k, func(st *state, _ any) any { return load(st.vars[st.base+s]) })
		}
		keys := n.Ident[1:]
		return check(k, func(st *state, _ any) any { return field(st.vars[st.base+s], keys) })
	case *parse.ChainNode:
		base, ok := n.Node.(*parse.PipeNode)
		if !ok {
			c.fail("%s: fields of a %T", n, n.Node)
		}
		pipe, _ := c.pipeline(base)
		keys := n.Field
		return check(k, func(st *state, dot any) any { return field(pipe(st, dot), keys) })
	case *parse.PipeNode:
		pipe, _ := c.pipeline(n)
		return check(k, pipe)
	case *parse.IdentifierNode:
		f := c.function(n.Ident, nil, false)
		return check(k, func(st *state, dot any) any { return f(st, dot, nil) })
	}
	v, err := constant(n, k)
	if err != nil {
		return func(*state, any) any {
			bail("%v", err)
			return nil
		}
	}
	return func(*state, any) any { return v }
}

// constant is the value of a literal argument for a parameter of kind
// k, or the error text/template reports for it.
func constant(n parse.Node, k paramKind) (any, error) {
	switch n := n.(type) {
	case *parse.NilNode:
		if k == kindAny {
			return nil, nil
		}
		return nil, fmt.Errorf("cannot assign nil to %v", k)
	case *parse.StringNode:
		if k == kindAny || k == kindString {
			return n.Text, nil
		}
	case *parse.BoolNode:
		if k == kindAny {
			return n.True, nil
		}
	case *parse.NumberNode:
		switch k {
		case kindInt:
			if n.IsInt {
				return int(n.Int64), nil
			}
		case kindAny:
			return number(n)
		}
	default:
		panic(unsupported{fmt.Errorf("%w: argument %s", errUnsupported, n)})
	}
	return nil, fmt.Errorf("wrong type of %s", n)
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
	}
	return nil, fmt.Errorf("%s overflows int", n.Text)
}

func hexInt(s string) bool {
	return len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && !strings.ContainsAny(s, "pP")
}

// check makes f's value fit a parameter of kind k, as text/template
// checks it: a string or an int must be one.
func check(k paramKind, f evalFn) evalFn {
	switch k {
	case kindString:
		return func(st *state, dot any) any {
			v := f(st, dot)
			if _, ok := v.(string); !ok {
				bail("wrong type for value; expected string; got %T", v)
			}
			return v
		}
	case kindInt:
		return func(st *state, dot any) any {
			v := f(st, dot)
			if _, ok := v.(int); !ok {
				bail("wrong type for value; expected int; got %T", v)
			}
			return v
		}
	}
	return f
}

// checkValue is check for a value already computed.
func checkValue(k paramKind, v any) any {
	switch k {
	case kindString:
		if _, ok := v.(string); !ok {
			bail("wrong type for value; expected string; got %T", v)
		}
	case kindInt:
		if _, ok := v.(int); !ok {
			bail("wrong type for value; expected int; got %T", v)
		}
	}
	return v
}

func (k paramKind) String() string {
	switch k {
	case kindString:
		return "string"
	case kindInt:
		return "int"
	}
	return "interface {}"
}

// escapedText is the text/template that html/template executes for t:
// its parse trees hold the escapers, and it also holds the copies of
// templates html/template escaped for another context (a block called
// inside <title>, say), which html/template's own Lookup does not
// return. html/template does not export it; it is read from its field,
// and is nil, leaving pages to html/template, if that field changes.
func escapedText(t *template.Template) *texttemplate.Template {
	v := reflect.ValueOf(t).Elem().FieldByName("text")
	if !v.IsValid() || v.Type() != reflect.TypeFor[*texttemplate.Template]() {
		return nil
	}
	return (*texttemplate.Template)(v.UnsafePointer())
}

// errProbe is what probeWriter's Write returns.
var errProbe = errors.New("templates: probe")

// probeWriter fails the first write, to make html/template escape a page
// and stop before rendering much of it.
type probeWriter struct{}

func (probeWriter) Write([]byte) (int, error) { return 0, errProbe }

// escape makes html/template escape page name of t, as its first
// execution does, and reports html/template's error if escaping fails.
// The page runs with nil data until its first write; an error from
// that execution is not an escaping error.
func escape(t *template.Template, name string) error {
	err := t.ExecuteTemplate(probeWriter{}, name, nil)
	var exec texttemplate.ExecError
	if err == nil || errors.Is(err, errProbe) || errors.As(err, &exec) {
		return nil
	}
	return err
}
