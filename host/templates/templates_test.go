package templates

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
