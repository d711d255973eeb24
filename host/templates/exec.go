package templates

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	texttemplate "text/template"
	"text/template/parse"
)

// This file holds the executor of compiled pages: the state of one
// render, how it starts, calls templates, fails with text/template's
// error, and writes values through an action's escapers.

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
