package templates

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host/locale"
)

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func data(t *testing.T, js string) any {
	var v any
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestLayoutsBlocksIncludes(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "layouts/base.html", `<title>{{block "title" .}}Site{{end}}</title><main>{{block "content" .}}{{end}}</main>{{template "partials/foot.html" .}}`)
	write(t, dir, "partials/foot.html", `<footer>{{.who}}</footer>`)
	write(t, dir, "index.html", `{{define "content"}}<p>{{.msg}}</p>{{end}}{{template "layouts/base.html" .}}`)
	write(t, dir, "about.html", `{{define "title"}}About{{end}}{{define "content"}}about {{number .n}}{{end}}{{template "layouts/base.html" .}}`)
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Render("index.html", data(t, `{"msg": "hi", "who": "me"}`))
	if err != nil || string(out) != `<title>Site</title><main><p>hi</p></main><footer>me</footer>` {
		t.Fatalf("index: %q %v", out, err)
	}
	out, err = s.Render("about.html", data(t, `{"n": 1234567.5, "who": "me"}`))
	if err != nil || string(out) != `<title>About</title><main>about 1,234,567.5</main><footer>me</footer>` {
		t.Fatalf("about: %q %v", out, err)
	}
	if _, err := s.Render("layouts/base.html", nil); err == nil {
		t.Error("a layout rendered as a page")
	}
}

// Values from a guest are escaped for where they land: HTML text, an
// attribute, a script and a URL, where javascript: is neutralised.
func TestContextualEscaping(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "page.html", `<p>{{.v}}</p><a title="{{.v}}" href="{{.url}}">x</a><script>var v = {{.v}};</script>`)
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Render("page.html", data(t, `{"v": "<script>alert(\"x\")</script>", "url": "javascript:alert(1)"}`))
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, bad := range []string{"<script>alert", `href="javascript:`} {
		if strings.Contains(got, bad) {
			t.Errorf("output contains %q: %s", bad, got)
		}
	}
	for _, want := range []string{"&lt;script&gt;", `href="#ZgotmplZ"`, `var v = "\u003cscript\u003e`} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q: %s", want, got)
		}
	}
}

func TestErrorsNameTemplateAndLine(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "ok.html", "fine")
	write(t, dir, "bad.html", "line one\n{{.x.y.z}}")
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Render("bad.html", data(t, `{"x": "string, not a map"}`))
	if err == nil || !strings.Contains(err.Error(), "bad.html:2") {
		t.Fatalf("execution error %v, want it to name bad.html:2", err)
	}
	if _, err := s.Render("missing.html", nil); err == nil {
		t.Error("missing template rendered")
	}
	write(t, dir, "broken.html", "{{if}}")
	if _, err := Open(dir, nil); err == nil || !strings.Contains(err.Error(), "broken.html:1") {
		t.Fatalf("parse error %v, want it to name broken.html:1", err)
	}
}

func TestReloadOnChange(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "p.html", "one")
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := s.Render("p.html", nil); string(out) != "one" {
		t.Fatalf("%q", out)
	}
	write(t, dir, "p.html", "two!")
	s.mu.Lock()
	s.checked = time.Time{} // as if a second had passed
	s.mu.Unlock()
	if out, _ := s.Render("p.html", nil); string(out) != "two!" {
		t.Fatalf("after the change: %q", out)
	}
}

func TestFuncs(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "f.html", `{{date .t}} {{date .u "Jan 2, 2006"}} {{number .n}} {{number .m}} {{static_url "a.css"}}`)
	s, err := Open(dir, Funcs{"static_url": func(p string) string { return "/static/" + p + "?v=1" }})
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Render("f.html", data(t, `{"t": "2026-11-26T10:00:00Z", "u": 0, "n": -1234, "m": 999}`))
	if err != nil || string(out) != "2026-11-26 Jan 1, 1970 -1,234 999 /static/a.css?v=1" {
		t.Fatalf("%q %v", out, err)
	}
}

// Pages render in the locale they are asked for: translate, date and
// number write its language, and each locale's copy of a page stays
// apart from the others'.
func TestLocales(t *testing.T) {
	tr := t.TempDir()
	write(t, tr, "es.csv", "\"Sign in\",\"Entrar\"\n\"%d note\",\"%d nota\",\"singular\"\n\"%d notes\",\"%d notas\",\"plural\"\n")
	b, err := locale.Load(tr, "en")
	if err != nil {
		t.Fatal(err)
	}
	byCode := func(code string) *locale.Locale {
		if l, ok := b.Locale(code); ok {
			return l
		}
		return b.Default()
	}
	dir := t.TempDir()
	write(t, dir, "layouts/base.html", `<h1>{{translate "Sign in"}}</h1>{{block "content" .}}{{end}}`)
	write(t, dir, "notes.html", `{{define "content"}}{{translate "%d note" "%d notes" .n}} {{number .big}} {{number .price 2}} {{date .t "full-date"}} {{date .now "relative"}} {{date .t}}{{end}}{{template "layouts/base.html" .}}`)
	s, err := OpenLocalized(dir, nil, byCode)
	if err != nil {
		t.Fatal(err)
	}
	js := `{"n": 3, "big": 1234567.5, "price": 9.5, "t": "2024-01-05T15:04:00Z", "now": ` + strconv.FormatInt(time.Now().Unix(), 10) + `}`
	for _, tc := range []struct{ code, want string }{
		{"es", "<h1>Entrar</h1>3 notas 1.234.567,5 9,50 5 de enero de 2024 ahora mismo 2024-01-05"},
		{"en", "<h1>Sign in</h1>3 notes 1,234,567.5 9.50 January 5, 2024 just now 2024-01-05"},
		{"es", "<h1>Entrar</h1>3 notas 1.234.567,5 9,50 5 de enero de 2024 ahora mismo 2024-01-05"},
	} {
		out, err := s.RenderLocale(tc.code, "notes.html", data(t, js))
		if err != nil || string(out) != tc.want {
			t.Errorf("%s: %q %v\nwant %q", tc.code, out, err, tc.want)
		}
	}
	out, err := s.RenderLocale("es", "notes.html", data(t, `{"n": 1, "big": 0, "price": 0, "t": 0, "now": 0}`))
	if err != nil || !strings.HasPrefix(string(out), "<h1>Entrar</h1>1 nota 0 0,00 1 de enero de 1970") {
		t.Errorf("singular: %q %v", out, err)
	}
	for _, bad := range []string{
		`{{translate "a" "b"}}`, `{{translate "a" "b" 1.5}}`, `{{translate "a" 1 2}}`, `{{number 1 -1}}`, `{{number 1 21}}`,
	} {
		write(t, dir, "bad.html", bad)
		s, err := OpenLocalized(dir, nil, byCode)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := s.RenderLocale("es", "bad.html", nil); err == nil {
			t.Errorf("%s rendered %q", bad, out)
		}
	}
}

// Renders in many locales at once, with reloads, keep each locale's
// output.
func TestLocalesHammer(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "p.html", `{{number 1234.5}}`)
	s, err := OpenLocalized(dir, nil, func(code string) *locale.Locale {
		l, err := locale.Builtin(code)
		if err != nil {
			t.Error(err)
		}
		return l
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"en": "1,234.5", "de": "1.234,5", "es": "1.234,5"}
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			for i := range 100 {
				code := []string{"en", "de", "es"}[(g+i)%3]
				if i%25 == 0 {
					s.mu.Lock()
					s.checked = time.Time{}
					s.stamp = "" // as if a file had changed
					s.mu.Unlock()
				}
				out, err := s.RenderLocale(code, "p.html", nil)
				if err != nil || string(out) != want[code] {
					t.Errorf("%s: %q %v", code, out, err)
					return
				}
			}
		})
	}
	wg.Wait()
}
