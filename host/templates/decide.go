package templates

import (
	"errors"
	"fmt"
	"html/template"
	"reflect"
	texttemplate "text/template"
)

// This file decides, before a page's first render, whether it renders
// compiled: html/template escapes the page, and the escaped parse trees
// are handed to the compiler, whose refusal leaves the page to
// html/template.

// program is page name compiled, or nil if it renders with html/template
// only. It is decided once, before the copy's first render, which waits
// for it.
func (p *localPage) program(name string) *program {
	if !compiling() {
		return nil
	}
	return p.compile(name)
}

// compile compiles page name, once, whether or not the compiler is on:
// html/template escapes it first, and an escaping error stays for
// html/template to report.
func (p *localPage) compile(name string) *program {
	p.once.Do(func() {
		if p.why = escape(p.t, name, p.funcs); p.why != nil {
			return
		}
		ns := escapedText(p.t)
		if ns == nil {
			p.why = fmt.Errorf("%w: html/template's escaped templates are out of reach", errUnsupported)
			return
		}
		p.prog, p.why = compile(ns, name, p.funcs)
	})
	return p.prog
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
