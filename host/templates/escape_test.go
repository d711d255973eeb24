package templates

import (
	"bytes"
	"fmt"
	"html/template"
	"math"
	"sync"
	"testing"
)

// escapePair is a context rendered by html/template and compiled.
type escapePair struct {
	ref  *template.Template
	prog *program
}

var escapePairs = sync.OnceValues(func() ([]escapePair, error) {
	var pairs []escapePair
	for _, text := range escapeContexts {
		t, err := template.New("p").Parse(text)
		if err != nil {
			return nil, err
		}
		if err := escape(t, "p", nil); err != nil {
			return nil, err
		}
		prog, err := compile(escapedText(t), "p", nil)
		if err != nil {
			return nil, err
		}
		pairs = append(pairs, escapePair{template.Must(template.New("p").Parse(text)), prog})
	}
	return pairs, nil
})

// escapeValue is the value of the kind sel picks made of s and f: the
// JSON types, and html/template's typed strings.
func escapeValue(s string, f float64, sel uint8) any {
	switch sel % 14 {
	case 0:
		return s
	case 1:
		return f
	case 2:
		return int(int32(math.Float64bits(f)))
	case 3:
		return len(s)%2 == 0
	case 4:
		return nil
	case 5:
		return template.HTML(s)
	case 6:
		return template.URL(s)
	case 7:
		return template.JS(s)
	case 8:
		return template.JSStr(s)
	case 9:
		return template.CSS(s)
	case 10:
		return template.HTMLAttr(s)
	case 11:
		return map[string]any{"k": s, "n": f, s: []any{nil, true}}
	case 12:
		return []any{s, f, nil, true, map[string]any{}}
	}
	return template.Srcset(s)
}

// FuzzEscapers renders values in every context with html/template and
// compiled. The compiled page must write the same bytes, through its own
// escapers or, for what they leave to html/template (HTML content in an
// attribute, whose tags html/template strips, and a number JSON cannot
// write), through html/template's.
func FuzzEscapers(f *testing.F) {
	needCompiler(f)
	floats := []float64{0, math.Copysign(0, -1), 1, -2.5, 1234567.5, 1e21, 1e20, 1e-7, 1e-6, 123456789, 0.1, 3e-324, math.MaxFloat64, math.Inf(1), math.NaN()}
	for i, s := range hostile {
		for sel := range uint8(14) {
			f.Add(s, floats[(i+int(sel))%len(floats)], sel)
		}
	}
	pairs, err := escapePairs()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string, x float64, sel uint8) {
		v := escapeValue(s, x, sel)
		for i, p := range pairs {
			var want bytes.Buffer
			if err := p.ref.Execute(&want, v); err != nil {
				t.Fatalf("%s with %#v: %v", escapeContexts[i], v, err)
			}
			got, err := p.prog.execute(nil, v)
			if err != nil {
				t.Errorf("%s with %#v: the compiled page failed: %v", escapeContexts[i], v, err)
				continue
			}
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("%s with %#v:\ncompiled     %q\nhtml/template %q", escapeContexts[i], v, got, want.Bytes())
			}
		}
	})
}

// TestSprint compares the compiled pages' printing of values with fmt's,
// which text/template uses.
func TestSprint(t *testing.T) {
	for _, v := range []any{0.0, math.Copysign(0, -1), 1e20, 1e21, 1234567.5, 123456789.0, 1e-5, 1e-4, 0.1, 3e-324, math.MaxFloat64, math.Inf(-1), math.NaN(), 7, -7, true, false,
		map[string]any{"b": 1.5, "a": []any{nil, "x"}}, []any{}, template.HTML("<b>"), template.URL("u")} {
		got, ok := sprint(v)
		if want := fmtSprint(v); !ok || got != want {
			t.Errorf("sprint(%#v) = %q, %v; fmt %q", v, got, ok, want)
		}
	}
	if _, ok := sprint(new(int)); ok {
		t.Error("sprint printed a pointer, which text/template dereferences")
	}
}

func fmtSprint(v any) string { return fmt.Sprint(v) }
