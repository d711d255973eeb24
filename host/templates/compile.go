package templates

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"reflect"
	"runtime"
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

// maxExecDepth is text/template's bound on nested template calls.
var maxExecDepth = func() int {
	if runtime.GOARCH == "wasm" {
		return 1000
	}
	return 100000
}()

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
	t     *texttemplate.Template // the escaped template, for errors
	frame int                    // variable slots; $ is the first
	body  execFn
}

// state is one execution of a program.
type state struct {
	out   []byte
	vars  []any // frames of variable slots; the executing one starts at base
	base  int
	depth int       // template calls in progress
	args  []any     // a stack of function arguments
	tmp   []byte    // an escaper's output before the next escaper
	tmpl  *compiled // the template executing
	// node is the node being evaluated, set where text/template sets
	// its own, for the errors that name it.
	node parse.Node
}

var states = sync.Pool{New: func() any { return new(state) }}

// failure ends a compiled render with the error text/template reports
// for the same template and data. It is the only panic a render
// recovers: anything else is a bug, and is not hidden.
type failure struct{ err error }

// errorf ends the render with text/template's error: the location and
// context of st.node in the executing template, and the message.
func (st *state) errorf(format string, args ...any) {
	t := st.tmpl.t
	name := strings.ReplaceAll(t.Name(), "%", "%%")
	if st.node == nil {
		format = fmt.Sprintf("template: %s: %s", name, format)
	} else {
		location, context := t.ErrorContext(st.node)
		format = fmt.Sprintf("template: %s: executing %q at <%s>: %s", location, name, strings.ReplaceAll(context, "%", "%%"), format)
	}
	panic(&failure{texttemplate.ExecError{Name: t.Name(), Err: fmt.Errorf(format, args...)}})
}

// execute appends the page for data to dst. An error is text/template's
// for the render, which stops there.
func (p *program) execute(dst []byte, data any) (out []byte, err error) {
	st := states.Get().(*state)
	st.out = dst
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(*failure)
			if !ok {
				panic(r)
			}
			err = f.err
		}
		out = st.out
		st.out, st.tmpl, st.node = nil, nil, nil
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
	st.tmpl = p.main
	st.grow(p.main.frame)
	st.vars[0] = data
	p.main.body(st, data)
	return st.out, nil
}

// renderTo writes the page for data to w. After an error nothing has
// been written.
func (p *program) renderTo(w io.Writer, data any) error {
	if b, ok := w.(*bytes.Buffer); ok {
		out, err := p.execute(b.AvailableBuffer(), data)
		if err != nil {
			return err
		}
		_, err = b.Write(out)
		return err
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
		return err
	}
	_, err = w.Write(out)
	return err
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
	base, caller := st.base, st.tmpl
	st.base += callerFrame
	st.grow(t.frame)
	st.vars[st.base] = dot
	st.depth++
	st.tmpl = t
	t.body(st, dot)
	st.tmpl = caller
	st.depth--
	st.base = base
}

// escaping is the end of an action: its escapers, and the same escapers
// as html/template runs them, for a value the compiled ones do not
// handle.
type escaping struct {
	chain  []escaper
	theirs *texttemplate.Template // {{. | escaper | ...}} with html/template's functions
}

// emit writes v through the escapers of an action.
func (st *state) emit(v any, e *escaping) {
	var (
		s  string
		t  contentType
		ok bool
	)
	chain := e.chain
	if chain[0] == escJSVal {
		if len(chain) == 1 {
			if out, ok := appendJSVal(st.out, v); ok {
				st.out = out
				return
			}
			st.escapeTheirs(v, e)
			return
		}
		if st.tmp, ok = appendJSVal(st.tmp[:0], v); !ok {
			st.escapeTheirs(v, e)
			return
		}
		s, chain = string(st.tmp), chain[1:]
	} else if s, t, ok = escapeText(chain[0], v); !ok {
		st.escapeTheirs(v, e)
		return
	}
	for ; len(chain) > 1; chain = chain[1:] {
		if st.tmp, ok = appendEscaped(st.tmp[:0], chain[0], s, t); !ok {
			st.escapeTheirs(v, e)
			return
		}
		if string(st.tmp) != s {
			s = string(st.tmp)
		}
		t = contentPlain
	}
	n := len(st.out)
	if st.out, ok = appendEscaped(st.out, chain[0], s, t); !ok {
		st.out = st.out[:n]
		st.escapeTheirs(v, e)
	}
}

// escapeTheirs writes v through html/template's own escapers.
func (st *state) escapeTheirs(v any, e *escaping) {
	w := appendWriter{&st.out}
	if err := e.theirs.Execute(w, v); err != nil {
		panic(fmt.Sprintf("templates: html/template's escapers failed on a %T: %v", v, err))
	}
}

// appendWriter appends to a byte slice.
type appendWriter struct{ b *[]byte }

func (w appendWriter) Write(p []byte) (int, error) {
	*w.b = append(*w.b, p...)
	return len(p), nil
}

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
			if _, ok := v.(byte); ok {
				e = byte(i)
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

// paramKind is the Go type of a function's parameter.
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

// errProbe is what probeWriter's Write and the functions stand-ins
// return.
var errProbe = errors.New("templates: probe")

// probeWriter fails the first write, to make html/template escape a page
// and stop before rendering much of it.
type probeWriter struct{}

func (probeWriter) Write([]byte) (int, error) { return 0, errProbe }

// escape makes html/template escape page name of t, as its first
// execution does, and reports html/template's error if escaping fails.
// html/template escapes a page whole before executing any of it; the
// page then runs with nil data until its first write, with stand-ins
// for funcs (t's functions), which fail, so that no function of the
// site runs. An error from that execution is not an escaping error.
func escape(t *template.Template, name string, funcs Funcs) error {
	standIns := make(Funcs, len(funcs))
	for n := range funcs {
		standIns[n] = func(...any) (string, error) { return "", errProbe }
	}
	t.Funcs(standIns)
	err := t.ExecuteTemplate(probeWriter{}, name, nil)
	t.Funcs(funcs)
	var exec texttemplate.ExecError
	if err == nil || errors.Is(err, errProbe) || errors.As(err, &exec) {
		return nil
	}
	return err
}
