package templates

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
	"text/template/parse"
	"time"

	"github.com/wasmweb/wasmweb/host/locale"
)

// A fixture is a template directory, with the pages that must compile
// and data to render them with.
type fixture struct {
	name  string
	dir   string            // an existing directory, or
	files map[string]string // files written to a new one
	funcs Funcs
	// locales, if set, are the locales to render in (see
	// OpenLocalized); otherwise pages render in English.
	locales     func(code string) *locale.Locale
	codes       []string
	notCompiled []string // pages that render with html/template only
	data        []string // JSON, rendered with every page
}

// testLocales has an English and a Spanish translation, as in
// TestLocales.
func testLocales(t *testing.T) func(string) *locale.Locale {
	tr := t.TempDir()
	write(t, tr, "es.csv", "\"Sign in\",\"Entrar\"\n\"%d note\",\"%d nota\",\"singular\"\n\"%d notes\",\"%d notas\",\"plural\"\n\"Guestbook\",\"Libro de visitas\"\n")
	b, err := locale.Load(tr, "en")
	if err != nil {
		t.Fatal(err)
	}
	return func(code string) *locale.Locale {
		if l, ok := b.Locale(code); ok {
			return l
		}
		return b.Default()
	}
}

func fixtures(t *testing.T) []fixture {
	staticURL := func(p string) (string, error) {
		if strings.Contains(p, "..") {
			return "", errors.New("static_url: bad path")
		}
		return "/static/" + p + "?v=abc", nil
	}
	locales := testLocales(t)
	return []fixture{
		{
			name: "bench",
			dir:  "../../bench/site/templates",
			data: []string{string(must(jsonOf(newBenchPage()))), `{}`, `{"Items": [], "User": {"SignedIn": false}}`,
				`{"Items": [{"ID": 1e21, "Price": 1e-7, "Tags": ["javascript:x", "<a>"], "Name": "<x>", "InStock": 0, "OnSale": "yes"}], "Store": {"URL": "javascript:alert(1)", "Name": "\u0000"}, "Nav": [{"URL": "JAVASCRIPT:x", "Label": null}], "Query": "a b&c=d/e?f#g"}`,
				`{"Items": [null]}`, `{"Nav": {"b": {"URL": "/b"}, "a": {"URL": "/a", "Active": true}}}`,
			},
		},
		{
			name:    "demo",
			dir:     "../../plugins/demo/templates",
			funcs:   Funcs{"static_url": staticURL},
			locales: locales,
			codes:   []string{"en", "es"},
			data: []string{
				`{"_xsrf": "tok<en>", "user": "alice", "lang": "en", "here": "/demo/?x=<y>", "count": 2,
				  "entries": [{"id": 1, "text": "hello <b>", "user": "bob", "at": 1700000000}, {"id": 2, "text": "' or 1=1 --", "user": "<eve>", "at": "2024-01-05T15:04:00Z"}],
				  "languages": [{"code": "en", "name": "English"}, {"code": "es", "name": "Español"}],
				  "error": "bad \"input\"", "text": "</textarea><script>", "maxLength": 500, "next": "javascript:alert(1)", "name": "a&b"}`,
				`{"_xsrf": "", "lang": "es", "count": 0, "entries": [], "languages": []}`,
				`{"count": 1, "entries": [{"id": "x", "at": 0}]}`,
				`{"count": 1.5}`,
				`{}`,
			},
		},
		{
			name:  "conformance",
			dir:   "../../conformance/abi/templates",
			funcs: Funcs{"static_url": staticURL},
			data:  []string{`{"v": "<b>\"x\"", "url": "javascript:alert(1)", "n": 3, "big": 1234567.5, "t": "2024-01-05T15:04:00Z"}`, `{"v": [1,2,3,4,5,6]}`, `{"v": "x"}`},
		},
		{
			name: "layouts",
			files: map[string]string{
				"layouts/base.html":  `<title>{{block "title" .}}Site{{end}}</title><main>{{block "content" .}}{{end}}</main>{{template "partials/foot.html" .}}`,
				"partials/foot.html": `<footer>{{.who}}</footer>`,
				"index.html":         `{{define "content"}}<p>{{.msg}}</p>{{end}}{{template "layouts/base.html" .}}`,
				"about.html":         `{{define "title"}}About {{.who}}{{end}}{{define "content"}}about {{number .n}}{{end}}{{template "layouts/base.html" .}}`,
				"escaping.html":      `<p>{{.v}}</p><a title="{{.v}}" href="{{.url}}">x</a><script>var v = {{.v}};</script>`,
				"bad.html":           "line one\n{{.x.y.z}}",
				"f.html":             `{{date .t}} {{date .u "Jan 2, 2006"}} {{number .n}} {{number .m}} {{static_url "a.css"}}`,
			},
			funcs: Funcs{"static_url": func(p string) string { return "/static/" + p + "?v=1" }},
			data: []string{
				`{"msg": "hi", "who": "me", "n": 1234567.5, "v": "<script>alert(\"x\")</script>", "url": "javascript:alert(1)", "x": "string, not a map", "t": "2026-11-26T10:00:00Z", "u": 0, "m": 999}`,
				`{"x": {"y": {"z": "<deep>"}}, "t": 0, "u": "bad", "n": "12.5", "m": null}`,
				`{"x": {"y": null}}`,
				`{"x": null}`,
			},
		},
		{
			name:    "locales",
			locales: locales,
			codes:   []string{"en", "es", "de"},
			files: map[string]string{
				"layouts/base.html": `<h1>{{translate "Sign in"}}</h1>{{block "content" .}}{{end}}`,
				"notes.html":        `{{define "content"}}{{translate "%d note" "%d notes" .n}} {{number .big}} {{number .price 2}} {{date .t "full-date"}} {{date .t}}{{end}}{{template "layouts/base.html" .}}`,
				"bad1.html":         `{{translate "a" "b"}}`,
				"bad2.html":         `{{translate "a" "b" 1.5}}`,
				"bad3.html":         `{{translate "a" 1 2}}`,
				"bad4.html":         `{{number 1 -1}}`,
				"bad5.html":         `{{number 1 21}}`,
				"bad6.html":         `{{number 1 2.5}}`,
				"bad7.html":         `{{translate .n}}`,
			},
			data: []string{
				`{"n": 3, "big": 1234567.5, "price": 9.5, "t": "2024-01-05T15:04:00Z"}`,
				`{"n": 1, "big": 0, "price": 0, "t": 0}`,
				`{"n": "x"}`,
			},
		},
		{
			name:  "constructs",
			files: constructs,
			funcs: Funcs{"upper": strings.ToUpper, "safe": func(s string) template.HTML { return template.HTML(s) }, "url": func(s string) template.URL { return template.URL(s) }, "weird": func(a, b int) int { return a + b },
				"boom":  func(s string) string { panic("boom: " + s) },
				"oops":  func(v any) string { var xs []string; return xs[len(fmt.Sprint(v))] },
				"fails": func(s string) (string, error) { return "", errors.New("fails: " + s) },
				"pair":  func(a, b string) string { return a + b }},
			notCompiled: []string{"css.html", "attrname.html", "srcset.html", "weird.html", "slice.html"},
			data: []string{
				`{"s": "hello", "n": 2.5, "i": 3, "b": true, "m": {"a": "A", "b": {"c": "C"}}, "xs": ["one", "", "two", "stop", "three"], "url": "/x?y=z", "e": ""}`,
				`{"s": "<b>\"x\" & 'y'</b>+", "n": -1e21, "b": false, "m": {}, "xs": [], "url": "javascript:alert(1)"}`,
				`{"s": "javascript:x", "n": 1e-7, "b": 0, "m": null, "xs": null, "url": "HTTP://example.com/ü?a=%41&b=<c>"}`,
				`{"s": 5, "n": "5", "m": [1, 2], "xs": {"k2": "v2", "k1": null, "k3": [1, {"z": true}]}}`,
				`{"xs": [null, {"a": 1}], "m": {"a": null}}`,
				`{}`,
				`null`,
			},
		},
	}
}

// constructs exercises the template language in the contexts
// html/template escapes for.
var constructs = map[string]string{
	"partials/part.html": `[{{.}}|{{.a}}|{{$}}]`,
	"partials/attr.html": `{{.s}} & more`,
	"_deep.html":         `{{define "deep"}}{{if .}}{{.n}}{{template "deep" .next}}{{end}}{{end}}`,

	"text.html":      `<p>{{.s}} {{.n}} {{.i}} {{.b}} {{.m}} {{.xs}} {{.missing}} {{.e}}</p>`,
	"attrs.html":     `<p title="{{.s}}" data-a='{{.s}}' data-b={{.s}} data-c={{.e}} data-d={{.missing}} data-n="{{.n}}">x</p>`,
	"rcdata.html":    `<title>{{.s}} {{.n}}</title><textarea>{{.s}}{{.m}}</textarea>`,
	"urls.html":      `<a href="{{.url}}">a</a><a href="{{.s}}">b</a><a href="/p/{{.s}}/{{.n}}?q={{.s}}&r={{.n}}#{{.s}}">c</a><a href={{.url}}>d</a><img src="{{.s}}"><form action="{{.url}}"></form>`,
	"js.html":        "<script>var a = {{.s}}, b = {{.n}}, c = {{.m}}, d = {{.xs}}, e = \"{{.s}}\", f = '{{.s}}', g = /{{.s}}/, h = `{{.s}}`, i = {{.missing}}, j = {{.b}}, k = {{.i}};</script>",
	"jsattr.html":    `<button onclick="go({{.s}}, '{{.s}}', {{.n}})">x</button>`,
	"comment.html":   `a<!-- {{.s}} -->b`,
	"builtins.html":  `{{.s | html}} {{html .s .n}} {{.s | urlquery}} {{.s | js}} {{.missing | html}} {{html .missing}} <a href="/q?x={{.s | urlquery}}">u</a> <a title="{{.s | html}}">h</a>`,
	"range.html":     `{{range $k, $v := .m}}[{{$k}}={{$v}}]{{else}}none{{end}}|{{range .xs}}({{.}}){{end}}|{{range $i, $e := .xs}}{{$i}}:{{$e}};{{end}}|{{range $e := .xs}}{{$e}}{{else}}empty {{$e}}{{end}}`,
	"breaks.html":    `{{range .xs}}{{if eq . "stop"}}{{break}}{{end}}{{if not .}}{{continue}}{{end}}<{{.}}>{{end}}`,
	"rangeint.html":  `{{range 3}}{{.}}{{end}}{{range $x := 2}}[{{$x}}]{{end}}{{range 0}}x{{else}}none{{end}}`,
	"with.html":      `{{with .m}}{{.a}}{{else with .s}}{{.}}{{else}}neither{{end}}|{{with $x := .s}}{{$x}}{{.}}{{end}}`,
	"if.html":        `{{if and .b .s}}both{{else if or .b .n}}one{{else}}none{{end}}|{{and .b .s}}|{{or .b .s .n}}|{{not .b}}|{{.s | and .b}}`,
	"vars.html":      `{{$x := .s}}{{if .b}}{{$x = "changed"}}{{$y := 1}}{{$y}}{{end}}{{$x}}|{{range $i, $e := .xs}}{{$z := $i}}{{$x = $e}}{{end}}{{$x}}|{{$ := .m}}{{$}}`,
	"fields.html":    `{{.m.a}}|{{.m.b.c}}|{{$.m.a}}|{{(.m).a}}|{{.m.missing.deeper}}|{{$m := .m}}{{$m.b}}`,
	"nullfield.html": `{{range .xs}}{{.a}}{{end}}`,
	"nullvar.html":   `{{range $v := .xs}}{{$v.a}}{{end}}`,
	"index.html":     `{{index .xs 0}}|{{index .m "a"}}|{{index .m "b" "c"}}|{{index .xs 1}}`,
	"index2.html":    `{{index .s 1}}|{{if index .s 0}}t{{end}}|<script>var c = {{index .s 0}};</script>`,
	"len.html":       `{{len .xs}}|{{len .m}}|{{len .s}}`,
	"printf.html":    `{{printf "%v|%.2f|%q|%d" .n .n .s 3}}|{{print .s .n nil .missing}}|{{println .b .xs}}|{{printf "%T %T" .n 1}}|{{"%x" | printf}}`,
	"compare.html":   `{{eq .s "hello"}}|{{ne .s "x"}}|{{eq .missing nil}}|{{eq .s .s "x"}}`,
	"compare2.html":  `{{lt 1 2}}|{{le "a" "b"}}|{{gt .n 1.5}}|{{ge .n .n}}|{{eq .n 2.5 1.0}}`,
	"compare3.html":  `{{eq .n 1}}`,
	"compare4.html":  `{{eq .m .xs}}`,
	"calls.html":     `{{template "partials/part.html" .m}}{{template "partials/part.html"}}{{template "partials/part.html" .xs}}{{block "blk" .}}default {{.s}}{{end}}`,
	"derived.html":   `<a title="{{template "partials/attr.html" .}}">x</a><title>{{block "t" .}}{{.s}} <b>{{end}}</title><script>var x = {{template "partials/part.html" .}};</script>`,
	"recursive.html": `{{template "deep" .}}`,
	"funcs.html":     `{{upper .s}}|{{.s | upper}}|{{safe "<b>x</b>"}}|<a title="{{.s | upper}}" href="{{url "javascript:ok"}}">{{safe .s}}</a><textarea>{{safe "a&amp;<b>"}}</textarea>`,
	"safeattr.html":  `<a title="{{safe "<b>x</b>"}}">x</a>`,
	"literals.html":  `{{1}} {{1.5}} {{1e3}} {{0x10}} {{'a'}} {{"s"}} {{true}} {{print nil}} {{printf "%v %v" 1_000 0x1p4}}`,
	"pipes.html":     `{{(print .s) | upper}}|{{$x := (index .m "a")}}{{$x}}|{{(len .xs) | print}}`,
	"css.html":       `<p style="color: {{.s}}">x</p>`,
	"attrname.html":  `<p {{.s}}="x">`,
	"srcset.html":    `<img srcset="{{.s}}">`,
	"weird.html":     `{{weird 1 2}}`,
	"slice.html":     `{{slice .s 1}}`,
}

// failing are actions that fail with most data, each a page of
// constructs of its own ("bad-N.html"): the compiled page must report
// text/template's error, naming the node text/template names.
var failing = []string{
	`{{range .xs}}[{{.a}}]{{end}}`,
	`{{range .xs}}{{len .}}{{end}}`,
	`{{range $e := .xs}}{{len $e}}{{end}}`,
	`{{range $k, $v := .m}}{{$k}}{{len $v}}{{end}}`,
	`{{len .m.a}}`, `{{len .missing}}`, `{{.missing | len}}`, `{{len .n}}`, `{{len .b}}`, `{{len (index .xs 0)}}`,
	`{{upper .m.a}}`, `{{upper .missing}}`, `{{range .xs}}{{upper .}}{{end}}`, `{{.n | upper}}`, `{{upper 1}}`, `{{upper nil}}`,
	`{{upper true}}`, `{{pair "a"}}`, `{{pair "a" "b" "c"}}`, `{{"a" | pair "b" "c"}}`, `{{upper .m}}`, `{{range $i, $e := .xs}}{{upper $e}}{{end}}`,
	`{{index .xs 1}}`, `{{index .xs 2}}`, `{{index .xs 5}}`, `{{index .xs -1}}`, `{{index .xs .s}}`, `{{index .xs nil}}`,
	`{{index .s 5}}`, `{{index .s 1 0}}`, `{{index .m 1}}`, `{{index .m nil}}`, `{{index .m "a" "b"}}`, `{{index .m "zz" "b"}}`,
	`{{index .n 0}}`, `{{index .missing 0}}`, `{{index .m.a 0}}`, `{{index}}`, `{{index .xs (index .s 0)}}`, `{{index (safe .s) 0}}`,
	`{{range .s}}x{{end}}`, `{{range .n}}x{{end}}`, `{{range .b}}x{{end}}`, `{{range $i, $e := 3}}x{{end}}`,
	`{{range (index .s 0)}}.{{end}}`, `{{range $i, $e := (index .s 0)}}.{{end}}`, `{{range .m.a}}x{{end}}`, `{{range safe .s}}x{{end}}`,
	`{{lt .b .b}}`, `{{lt .s .n}}`, `{{lt .m .m}}`, `{{eq .m .m}}`, `{{eq .xs .m}}`, `{{eq .xs .xs}}`, `{{eq .s}}`, `{{eq}}`, `{{ne .n}}`,
	`{{eq (index .s 0) 104}}`, `{{lt 1 (index .s 0)}}`, `{{lt (index .s 0) -1}}`, `{{ge .missing 1}}`, `{{gt .b 1}}`, `{{le .s .s}}`,
	`{{eq .missing .m}}`, `{{eq .n .n .s}}`, `{{eq (safe .s) .s}}`,
	`{{boom .s}}`, `{{fails .s}}`, `{{oops .s}}`, `{{not}}`, `{{and}}`, `{{or}}`, `{{.n | printf}}`, `{{printf .n}}`, `{{9223372036854775808}}`,
	`{{(.m).a.b}}`, `{{(index .xs 0).a}}`, `{{$x := .m}}{{$x.a.b.c}}`, `{{with .s}}{{.a}}{{end}}`, `{{(and .m .n).a}}`,
	`{{template "partials/part.html" .s}}`, `{{and .b (len .n)}}`, `{{or .b (len .m)}}`, `{{not (len .n)}}`,
}

func init() {
	for i, text := range failing {
		constructs[fmt.Sprintf("bad-%02d.html", i)] = text
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// open opens the fixture twice: one Set renders with html/template
// alone, the other compiled.
func (fx fixture) open(t *testing.T) (ref, s *Set, dir string) {
	t.Helper()
	dir = fx.dir
	if dir == "" {
		dir = t.TempDir()
		for name, text := range fx.files {
			write(t, dir, name, text)
		}
	}
	ref, err := OpenLocalized(dir, fx.funcs, fx.locales)
	if err != nil {
		t.Fatal(err)
	}
	ref.interpret = true
	s, err = OpenLocalized(dir, fx.funcs, fx.locales)
	if err != nil {
		t.Fatal(err)
	}
	return ref, s, dir
}

// TestCompiledMatchesHTMLTemplate renders every page of every fixture
// with html/template and compiled, with the fixture's data and with
// random data made of the names the templates use: the compiled page
// must render the same bytes, or fail with the same error.
func TestCompiledMatchesHTMLTemplate(t *testing.T) {
	needCompiler(t)
	for _, fx := range fixtures(t) {
		t.Run(fx.name, func(t *testing.T) {
			ref, s, _ := fx.open(t)
			codes := fx.codes
			if codes == nil {
				codes = []string{""}
			}
			seed := fx.seed()
			datas := renderData(t, fx, templateNames(ref), seed)
			var same, failed int // renders compared
			defer func() {
				t.Logf("%d renders alike, %d failing alike", same, failed)
				if t.Failed() {
					t.Logf("data %d on are random, from seed %d: go test -run 'TestCompiledMatchesHTMLTemplate/^%s$' ./host/templates -args -templates.seed=%d",
						len(fx.data), seed, fx.name, seed)
				}
			}()
			pages := slices.Sorted(mapsKeys(ref.pages))
			if len(pages) == 0 {
				t.Fatal("no pages")
			}
			for _, name := range pages {
				wantCompiled := !slices.Contains(fx.notCompiled, name)
				for _, code := range codes {
					p, err := s.page(code, name)
					if err != nil {
						t.Fatal(err)
					}
					prog := p.compile(name)
					if (prog != nil) != wantCompiled {
						t.Errorf("%s (%s): compiled %v, want %v: %v", name, code, prog != nil, wantCompiled, p.why)
					}
					rendered := 0
					for i, d := range datas {
						if compareRender(t, fmt.Sprintf("%s (%s) data %d", name, code, i), ref, s, prog, code, name, d) {
							rendered++
							same++
						} else if prog != nil {
							failed++
						}
					}
					if prog != nil && rendered == 0 && !strings.HasPrefix(name, "bad") {
						t.Errorf("%s (%s): the compiled page rendered with no data", name, code)
					}
				}
			}
		})
	}
}

// randomRenders is the number of random data sets each page of a
// fixture renders with.
var randomRenders = 400

var seedFlag = flag.Uint64("templates.seed", 0, "seed of TestCompiledMatchesHTMLTemplate's random data (0: each fixture's own fixed seed)")

// seed is the seed of the fixture's random data: -templates.seed when
// set, else one of its own that does not change from run to run.
func (fx fixture) seed() uint64 {
	if *seedFlag != 0 {
		return *seedFlag
	}
	return uint64(len(fx.name))
}

// renderData returns the data fx's pages render with: the fixture's own,
// then randomRenders sets, half of them the fixture's mutated, made of
// names. The random sets depend on seed alone, so a failing one can be
// made again.
func renderData(t *testing.T, fx fixture, names []string, seed uint64) []any {
	var datas []any
	for _, js := range fx.data {
		datas = append(datas, data(t, js))
	}
	rng := rand.New(rand.NewPCG(1, seed))
	for i := range randomRenders {
		if i%2 == 0 && len(fx.data) > 0 {
			js := fx.data[rng.IntN(len(fx.data))]
			datas = append(datas, mutate(rng, data(t, js), names))
		} else {
			datas = append(datas, randomData(rng, names, 3))
		}
	}
	return datas
}

// TestRenderDataReproducible checks that the random data sets depend on
// the seed alone: twice from one seed, they are the same.
func TestRenderDataReproducible(t *testing.T) {
	for _, fx := range fixtures(t) {
		if len(fx.data) == 0 {
			continue
		}
		t.Run(fx.name, func(t *testing.T) {
			ref, _, _ := fx.open(t)
			names := templateNames(ref)
			a, b := renderData(t, fx, names, fx.seed()), renderData(t, fx, names, fx.seed())
			for i := range a {
				// fmt prints maps in key order.
				if x, y := fmt.Sprint(a[i]), fmt.Sprint(b[i]); x != y {
					t.Fatalf("seed %d, data %d differs between two runs:\n%.300s\n%.300s", fx.seed(), i, x, y)
				}
			}
		})
	}
}

// compareRender renders page name with data through ref (html/template)
// and s, and through prog, the page compiled, if not nil; it reports
// whether prog rendered it without an error.
func compareRender(t *testing.T, what string, ref, s *Set, prog *program, code, name string, data any) bool {
	t.Helper()
	want, wantErr := ref.RenderLocale(code, name, data)
	rendered := false
	if prog != nil {
		got, err := prog.execute(nil, data)
		switch {
		case wantErr == nil && err != nil:
			t.Errorf("%s: the compiled page failed where html/template renders %q: %v", what, want, err)
		case wantErr != nil && err == nil:
			t.Errorf("%s: the compiled page rendered %q where html/template fails: %v", what, got, wantErr)
		case wantErr != nil && "templates: "+err.Error() != wantErr.Error():
			t.Errorf("%s: the compiled page fails with\n%v\nhtml/template with\n%v", what, err, wantErr)
		case wantErr == nil && !bytes.Equal(got, want):
			t.Errorf("%s: compiled\n%q\nhtml/template\n%q", what, got, want)
		case wantErr == nil:
			rendered = true
		}
	}
	// Through the Set, compiled or not, the page and the error are
	// html/template's.
	got, err := s.RenderLocale(code, name, data)
	if fmt.Sprint(err) != fmt.Sprint(wantErr) || !bytes.Equal(got, want) {
		t.Errorf("%s: RenderLocale gave %q, %v; html/template %q, %v", what, got, err, want, wantErr)
	}
	return rendered
}

func mapsKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// templateNames are the field names and string literals of the Set's
// templates.
func templateNames(s *Set) []string {
	seen := map[string]bool{}
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case *parse.ListNode:
			if n != nil {
				for _, c := range n.Nodes {
					walk(c)
				}
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.TemplateNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n != nil {
				for _, c := range n.Cmds {
					walk(c)
				}
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			for _, id := range n.Ident {
				seen[id] = true
			}
		case *parse.VariableNode:
			for _, id := range n.Ident[1:] {
				seen[id] = true
			}
		case *parse.ChainNode:
			walk(n.Node)
			for _, id := range n.Field {
				seen[id] = true
			}
		case *parse.StringNode:
			seen[n.Text] = true
		}
	}
	for _, p := range s.pages {
		for _, t := range p.Templates() {
			if t.Tree != nil {
				walk(t.Tree.Root)
			}
		}
	}
	return slices.Sorted(mapsKeys(seen))
}

// randomData is a map of some of names to random values, some of them
// maps of the same names.
func randomData(r *rand.Rand, names []string, depth int) any {
	m := map[string]any{}
	for _, n := range names {
		if r.IntN(4) > 0 {
			m[n] = randomValue(r, names, depth)
		}
	}
	return m
}

// mutate changes some of the values in v: mostly strings to other
// strings, numbers to other numbers; sometimes a value to one of
// another type, or a key away. It visits map keys in order, so that the
// result depends on r alone.
func mutate(r *rand.Rand, v any, names []string) any {
	switch x := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(mapsKeys(x)) {
			e := x[k]
			switch r.IntN(200) {
			case 0:
				delete(x, k)
			case 1:
				x[k] = randomValue(r, names, 1)
			default:
				x[k] = mutate(r, e, names)
			}
		}
		return x
	case []any:
		for i, e := range x {
			if r.IntN(200) == 0 {
				x[i] = randomValue(r, names, 1)
			} else {
				x[i] = mutate(r, e, names)
			}
		}
		return x
	case string:
		if r.IntN(2) == 0 {
			return randomString(r)
		}
	case float64:
		if r.IntN(3) == 0 {
			return []float64{0, 1, -1, 2.5, 1234567.5, 1e21, 1e-7, math.Copysign(0, -1), 1e20, 0.1, 1 << 53}[r.IntN(11)]
		}
	}
	return v
}

// randomMap is a map of a few of names to random values.
func randomMap(r *rand.Rand, names []string, depth int) map[string]any {
	m := map[string]any{}
	for range r.IntN(6) {
		m[names[r.IntN(len(names))]] = randomValue(r, names, depth)
	}
	return m
}

func randomValue(r *rand.Rand, names []string, depth int) any {
	n := 9
	if depth == 0 {
		n = 6
	}
	switch r.IntN(n) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return []float64{0, 1, -1, 2.5, 3, 1234567.5, 1e21, 1e-7, math.Copysign(0, -1), 1e20, 0.1, 100, 1 << 53}[r.IntN(13)]
	case 3, 4, 5:
		return randomString(r)
	case 6, 7:
		return randomMap(r, names, depth-1)
	default:
		xs := make([]any, r.IntN(4))
		for i := range xs {
			xs[i] = randomValue(r, names, depth-1)
		}
		return xs
	}
}

func randomString(r *rand.Rand) string {
	if r.IntN(2) == 0 {
		return hostile[r.IntN(len(hostile))]
	}
	var b strings.Builder
	for range r.IntN(12) {
		switch r.IntN(3) {
		case 0:
			b.WriteString(hostile[r.IntN(len(hostile))])
		case 1:
			b.WriteByte(byte(r.IntN(256)))
		default:
			b.WriteRune(rune(r.IntN(0x3000)))
		}
	}
	return b.String()
}

// Pages are compiled again when their files change, and each locale's
// copy is compiled with that locale's functions.
func TestCompiledReloadAndLocales(t *testing.T) {
	needCompiling(t)
	dir := t.TempDir()
	write(t, dir, "p.html", `{{.a}} {{number 1234.5}}`)
	s, err := OpenLocalized(dir, nil, func(code string) *locale.Locale { return must(locale.Builtin(code)) })
	if err != nil {
		t.Fatal(err)
	}
	render := func(code, want string) {
		t.Helper()
		var b strings.Builder // not a bytes.Buffer: the page goes through a buffer of its own
		if err := s.RenderLocaleTo(&b, code, "p.html", data(t, `{"a": "<x>", "b": "<y>"}`)); err != nil || b.String() != want {
			t.Fatalf("%s: %q, %v; want %q", code, b.String(), err, want)
		}
		p, err := s.page(code, "p.html")
		if err != nil || p.prog == nil {
			t.Fatalf("%s: not compiled: %v %v", code, err, p.why)
		}
	}
	render("en", "&lt;x&gt; 1,234.5")
	render("de", "&lt;x&gt; 1.234,5")
	write(t, dir, "p.html", `{{.b}}! {{number 1234.5}}`)
	s.mu.Lock()
	s.checked = time.Time{} // as if a second had passed
	s.mu.Unlock()
	render("de", "&lt;y&gt;! 1.234,5")
	render("en", "&lt;y&gt;! 1,234.5")
}

// A page html/template refuses to escape is reported at every render,
// as html/template reports it.
func TestCompiledEscapingError(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "p.html", `<a href="{{.x}}`)
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err := s.Render("p.html", data(t, `{"x": "y"}`))
		if err == nil || !strings.Contains(err.Error(), "p.html") || !strings.Contains(err.Error(), "non-text context") {
			t.Fatalf("got %v, want html/template's escaping error", err)
		}
	}
	if p, _ := s.page("", "p.html"); p.prog != nil {
		t.Error("a page that does not escape was compiled")
	}
}

var verifyFlag = flag.Bool("templates.verify", false, "run the tests of the compiled pages even on a Go release they were not verified on (see verified_other.go)")

// needCompiling skips a test of what a Set does with compiled pages
// where the compiler is off.
func needCompiling(t testing.TB) {
	t.Helper()
	if !compiling() {
		t.Skipf("the compiled pages are off with %s", runtime.Version())
	}
}

// needCompiler skips a test of the compiled pages themselves on a Go
// release they were not verified on, unless -templates.verify asks for
// it: that is how a new release is verified.
func needCompiler(t testing.TB) {
	t.Helper()
	if verifiedOn == "" && !*verifyFlag {
		t.Skipf("the compiled pages are off with %s; go test ./host/templates -args -templates.verify checks them against its html/template", runtime.Version())
	}
}
