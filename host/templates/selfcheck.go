package templates

import (
	"bytes"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"
)

// compiling reports whether pages are compiled in this process: with a
// Go release the compiler was verified on, and as long as its escapers
// write what html/template's write for a corpus of hostile values,
// checked when the process first asks (the first Open). A difference
// turns the compiler off for the process, with a log line naming it.
func compiling() bool {
	return verifiedOn != "" && escapersAgree() == nil
}

// escapersAgree runs the check, once per process.
var escapersAgree = checkEscapers(compareEscapers)

// checkEscapers returns a function that runs compare once, logs its
// error and returns it.
func checkEscapers(compare func() error) func() error {
	return sync.OnceValue(func() error {
		start := time.Now()
		err := compare()
		selfCheckTime = time.Since(start)
		if err != nil {
			slog.Default().Warn("templates: pages render with html/template alone: the compiled escapers differ from it", "go", verifiedOn, "difference", err)
		}
		return err
	})
}

// selfCheckTime is how long the check took, for tests.
var selfCheckTime time.Duration

// escapeContexts put a value where html/template escapes it with each
// of the escapers the compiler supports, alone or in a chain.
var escapeContexts = []string{
	`{{.}}`,
	`<p title="{{.}}">`,
	`<p title='{{.}}'>`,
	`<p title={{.}}>`,
	`<title>{{.}}</title>`,
	`<textarea>{{.}}</textarea>`,
	`<a href="{{.}}">`,
	`<a href='/p/{{.}}'>`,
	`<a href="/p?q={{.}}#{{.}}">`,
	`<a href={{.}}>`,
	`<a href=/p/{{.}}>`,
	`<form action="{{.}}">`,
	`<script>var x = {{.}};</script>`,
	`<script>var x = "{{.}}";</script>`,
	`<script>var x = '{{.}}';</script>`,
	`<script>var x = /{{.}}/;</script>`,
	"<script>var x = `{{.}}`;</script>",
	`<script type="application/ld+json">{{.}}</script>`,
	`<p onclick="go({{.}})">`,
	`<p onclick='go("{{.}}")'>`,
	`<p onclick=go({{.}})>`,
	`a<!-- {{.}} -->b`,
	`{{. | html}}`,
	`{{html .}}`,
	`{{. | urlquery}}`,
	`{{. | js}}`,
	`<p title="{{. | html}}">`,
	`<a href="/p?q={{. | urlquery}}">`,
	`<script>var x = {{. | js}};</script>`,
}

// hostile are strings that escaping must not let out as they are.
var hostile = []string{
	``,
	`plain`,
	`<script>alert("x")</script>`,
	`"quoted" & 'single' <b>bold</b> +plus+ =eq= ` + "`tick`",
	`javascript:alert(1)`,
	`JaVaScRiPt:alert(1)`,
	`http://example.com/a b?c=d&e=f#g`,
	`mailto:x@example.com`,
	`/relative/path?x=1`,
	`%41%zz%4`,
	"nul\x00byte",
	"tabs\tand\nnewlines\r\f\v",
	"unicode é ü 中文 \u2028 \u2029 \ufdd0 \uffff \ufffd",
	"bad utf8 \xff\xfe \xe2\x80",
	"</script><!-- -->",
	`${x} {y} \backslash/`,
	`a=b c`,
	"ſ:x",
}

// escapeCorpus is what the check renders in every context: the hostile
// strings as text, some of them (and all of them at once) as the typed
// strings functions return, and the other values a page can print.
func escapeCorpus() []any {
	var vs []any
	for _, s := range hostile {
		vs = append(vs, s)
	}
	for _, s := range append(hostile[:6:6], strings.Join(hostile, " ")) {
		vs = append(vs, template.HTML(s), template.URL(s))
	}
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -2.5, 1234567.5, 1e21, 1e20, 1e-7, 1e-6, 0.1, 3e-324, math.MaxFloat64} {
		vs = append(vs, f)
	}
	return append(vs, 7, -7, byte('<'), true, false, nil,
		map[string]any{"k": "</script>", "n": 1.5, "<": []any{nil, true}},
		[]any{"a&b", 2.5, nil, false, map[string]any{}})
}

// compareEscapers renders the corpus in every context with html/template
// and compiled, and describes the first difference.
func compareEscapers() error {
	corpus := escapeCorpus()
	for _, ctx := range escapeContexts {
		text := "{{range .}}" + ctx + "{{end}}"
		ref, err := template.New("p").Parse(text)
		if err != nil {
			return err
		}
		t := template.Must(ref.Clone())
		if err := escape(t, "p", nil); err != nil {
			return err
		}
		prog, err := compile(escapedText(t), "p", nil)
		if err != nil {
			return fmt.Errorf("%s: %w", ctx, err)
		}
		if err := compareOn(ref, prog, corpus); err != nil {
			for _, v := range corpus {
				if err := compareOn(ref, prog, []any{v}); err != nil {
					return fmt.Errorf("%s with %#v: %w", ctx, v, err)
				}
			}
			return fmt.Errorf("%s: %w", ctx, err)
		}
	}
	return nil
}

func compareOn(ref *template.Template, prog *program, data any) error {
	var want bytes.Buffer
	wantErr := ref.Execute(&want, data)
	got, err := prog.execute(nil, data)
	switch {
	case fmt.Sprint(err) != fmt.Sprint(wantErr):
		return fmt.Errorf("compiled fails with %v, html/template with %v", err, wantErr)
	case !bytes.Equal(got, want.Bytes()):
		return fmt.Errorf("compiled writes %q, html/template %q", got, want.Bytes())
	}
	return nil
}
