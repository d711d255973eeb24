package templates

import (
	"bytes"
	"errors"
	"go/build"
	"html/template"
	"log/slog"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// The compiler is on exactly with the Go release it was verified on, and
// the Set then compiles the pages it handles; on any other release every
// page renders with html/template.
func TestCompilerMode(t *testing.T) {
	verified := strings.HasPrefix(runtime.Version(), "go1.26.") || runtime.Version() == "go1.26"
	if (verifiedOn != "") != verified {
		t.Fatalf("running %s, the compiler's verified release is %q", runtime.Version(), verifiedOn)
	}
	if compiling() != verified {
		t.Fatalf("running %s, compiling() = %v (the escapers' check: %v)", runtime.Version(), compiling(), escapersAgree())
	}
	s, err := Open("../../bench/site/templates", nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.Render("page.html", benchData(t))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := s.page("", "page.html")
	if (p.prog != nil) != verified {
		t.Fatalf("running %s, the benchmark page compiled: %v (%v)", runtime.Version(), p.prog != nil, p.why)
	}
	ref, _ := Open("../../bench/site/templates", nil)
	ref.interpret = true
	if want, _ := ref.Render("page.html", benchData(t)); !bytes.Equal(out, want) {
		t.Fatal("the page differs from html/template's")
	}
	t.Logf("%s: compiled pages %v; the escapers' check at the first Open took %v", runtime.Version(), compiling(), selfCheckTime)
}

// The build constraints turn the compiler on for Go 1.26 alone: a later
// release falls back to html/template until it is verified.
func TestVerifiedConstraint(t *testing.T) {
	for _, tc := range []struct {
		minor int
		file  string
	}{
		{25, "verified_other.go"},
		{26, "verified_go126.go"},
		{27, "verified_other.go"},
		{30, "verified_other.go"},
	} {
		ctx := build.Default
		ctx.ReleaseTags = nil
		for i := 1; i <= tc.minor; i++ {
			ctx.ReleaseTags = append(ctx.ReleaseTags, "go1."+itoa(i))
		}
		for _, f := range []string{"verified_go126.go", "verified_other.go"} {
			ok, err := ctx.MatchFile(".", f)
			if err != nil {
				t.Fatal(err)
			}
			if ok != (f == tc.file) {
				t.Errorf("Go 1.%d: %s built %v, want only %s", tc.minor, f, ok, tc.file)
			}
		}
	}
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// A site function runs once per render, whether the page is compiled or
// rendered by html/template, and whether the render succeeds or fails
// after the call: a render never starts compiled and starts again.
func TestSiteFunctionRunsOnce(t *testing.T) {
	var calls atomic.Int64
	funcs := Funcs{
		"count": func(s string) string { calls.Add(1); return s },
	}
	dir := t.TempDir()
	write(t, dir, "ok.html", `<p>{{count "a"}}</p>`)
	write(t, dir, "fails.html", `<p>{{count "a"}}{{.x.y}}</p>`)                    // fails after the call with a string x
	write(t, dir, "css.html", `<p style="color: {{count .c}}">{{.x.y}}</p>`)       // not compiled: a CSS escaper
	write(t, dir, "attr.html", `<a title="{{count "a"}}{{.h}}">{{count "b"}}</a>`) // HTML content in an attribute
	for _, interpret := range []bool{false, true} {
		s, err := Open(dir, funcs)
		if err != nil {
			t.Fatal(err)
		}
		s.interpret = interpret
		for _, tc := range []struct {
			page     string
			data     string
			calls    int64
			compiled bool
			fails    bool
		}{
			{"ok.html", `{}`, 1, true, false},
			{"fails.html", `{"x": "string"}`, 1, true, true},
			{"fails.html", `{"x": {"y": 1}}`, 1, true, false},
			{"css.html", `{"c": "red", "x": "string"}`, 1, false, true},
			{"attr.html", `{"h": 1}`, 2, true, false},
		} {
			for range 3 {
				calls.Store(0)
				_, err := s.Render(tc.page, data(t, tc.data))
				if (err != nil) != tc.fails {
					t.Errorf("%s with %s: error %v, want one: %v", tc.page, tc.data, err, tc.fails)
				}
				if got := calls.Load(); got != tc.calls {
					t.Errorf("%s with %s (interpret %v): the function ran %d times in one render, want %d", tc.page, tc.data, interpret, got, tc.calls)
				}
			}
			p, _ := s.page("", tc.page)
			if want := tc.compiled && !interpret && compiling(); (p.prog != nil) != want {
				t.Errorf("%s (interpret %v): compiled %v, want %v: %v", tc.page, interpret, p.prog != nil, want, p.why)
			}
		}
	}
}

// Data that is not decoded JSON renders with html/template, decided
// before the render starts.
func TestDataNotJSON(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "p.html", `{{.Name}} {{len .Tags}}`)
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	type page struct {
		Name string
		Tags []string
	}
	out, err := s.Render("p.html", page{"<x>", []string{"a"}})
	if err != nil || string(out) != "&lt;x&gt; 1" {
		t.Fatalf("%q, %v", out, err)
	}
	for _, d := range []any{map[string]any{"Name": "<x>", "Tags": []any{"a"}}, JSON{map[string]any{"Name": "<x>", "Tags": []any{"a"}}}} {
		out, err = s.Render("p.html", d)
		if err != nil || string(out) != "&lt;x&gt; 1" {
			t.Fatalf("%#v: %q, %v", d, out, err)
		}
	}
	for _, v := range []any{nil, "s", 1.5, 7, true, map[string]any{"a": []any{nil, 1, map[string]any{}}}} {
		if !jsonData(v) {
			t.Errorf("jsonData(%#v) = false", v)
		}
	}
	for _, v := range []any{int64(1), uint64(1), page{}, map[string]any{"a": []any{int32(1)}}, []string{}, template.HTML("x")} {
		if jsonData(v) {
			t.Errorf("jsonData(%#v) = true", v)
		}
	}
}

// A template that calls itself forever fails as html/template fails, at
// text/template's bound on nested calls.
func TestCompiledDepth(t *testing.T) {
	needCompiler(t)
	dir := t.TempDir()
	write(t, dir, "p.html", `{{define "inf"}}.{{template "inf" .}}{{end}}{{template "inf" .}}`)
	ref, _ := Open(dir, nil)
	ref.interpret = true
	s, _ := Open(dir, nil)
	p, _ := s.page("", "p.html")
	prog := p.compile("p.html")
	if prog == nil {
		t.Fatal(p.why)
	}
	_, want := ref.Render("p.html", nil)
	if want == nil || !strings.Contains(want.Error(), "exceeded maximum template depth") {
		t.Fatalf("html/template: %v", want)
	}
	_, err := prog.execute(nil, nil)
	if err == nil || "templates: "+err.Error() != want.Error() {
		t.Fatalf("compiled: %v\nhtml/template: %v", err, want)
	}
}

// The escapers agree with html/template's on the corpus, and the check
// is quick.
func TestEscapersAgree(t *testing.T) {
	needCompiler(t)
	if err := compareEscapers(); err != nil {
		t.Fatal(err)
	}
	if verifiedOn != "" {
		t.Logf("the check at the first Open took %v", selfCheckTime)
	}
}

// A difference between the escapers and html/template's turns the
// compiler off for the process, with a log line that names it; every
// page then renders with html/template.
func TestEscapersDifferTurnsCompilerOff(t *testing.T) {
	var log bytes.Buffer
	defer slog.SetDefault(slog.Default())
	slog.SetDefault(slog.New(slog.NewTextHandler(&log, nil)))
	check := checkEscapers(func() error { return errors.New(`<p title="{{.}}"> with "x": compiled writes "a", html/template "b"`) })
	if check() == nil {
		t.Fatal("a difference passed")
	}
	if !strings.Contains(log.String(), "html/template alone") || !strings.Contains(log.String(), `compiled writes \"a\"`) {
		t.Fatalf("log: %s", log.String())
	}
	saved := escapersAgree
	defer func() { escapersAgree = saved }()
	escapersAgree = check
	if compiling() {
		t.Fatal("compiling after a difference")
	}
	s, err := Open("../../bench/site/templates", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Render("page.html", benchData(t)); err != nil {
		t.Fatal(err)
	}
	if p, _ := s.page("", "page.html"); p.prog != nil {
		t.Fatal("a page was compiled after a difference")
	}
}

// BenchmarkSelfCheck measures the escapers' check that the first Open of
// a process runs.
func BenchmarkSelfCheck(b *testing.B) {
	for b.Loop() {
		if err := compareEscapers(); err != nil {
			b.Fatal(err)
		}
	}
}
