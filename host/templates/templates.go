// Package templates renders a site's HTML templates for its guests with
// html/template, whose contextual escaping keeps what a guest passes in
// from becoming markup or script. Guests name a template and pass JSON
// data; no guest code runs inside a template.
//
// A site's template directory holds pages and shared files. Files under
// layouts/ or partials/, or whose name starts with "_", are shared: every
// page can use them with {{template "layouts/base.html" .}} and define the
// blocks they leave open. Every other file is a page, rendered by its path
// relative to the directory ("index.html", "posts/show.html").
//
// A page is rendered for a locale (package locale): its translate, date
// and number functions write in that locale's language. Each page is
// parsed once and copied, on first use, for each locale it is rendered in,
// with those functions bound to the locale: html/template has no way to
// hand a function per-execution state.
//
// Once html/template has escaped a page's copy, the copy is also
// compiled (compile.go), and renders without going through package
// reflect. Whether a page is compiled is decided before its first
// render: a page the compiler does not handle renders with html/template
// every time, and a compiled page renders compiled every time its data
// is decoded JSON, with html/template's output and errors. The compiler
// is on only with a Go release it was verified on (verified_go126.go),
// and only while the escapers agree with html/template's on a corpus of
// hostile values, rendered when the process first loads templates.
//
// It loads no translations: a Set's locales come from its opener
// (OpenLocalized).
package templates

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/pagedata"
	"github.com/wasmweb/wasmweb/host/locale"
)

// Funcs are functions a site adds to its templates, such as static_url.
type Funcs = template.FuncMap

// Set is a site's templates, parsed once and parsed again when a file
// changes (checked at most once a second). Safe for concurrent use.
type Set struct {
	dir     string
	funcs   Funcs
	locales func(code string) *locale.Locale

	// interpret makes every page render with html/template, for tests
	// and benchmarks to compare with. Set before the first render.
	interpret bool

	mu    sync.Mutex
	pages map[string]*template.Template // mu guards the fields below; pages are parsed and never executed
	// byLocale holds the copies of pages that execute, by locale code and
	// page name, made on first use.
	byLocale map[string]map[string]*localPage
	stamp    string // file names, sizes and times when parsed
	checked  time.Time
	loadErr  error
}

// localPage is a page's copy for one locale, and the copy compiled.
// Safe for concurrent use.
type localPage struct {
	t     *template.Template // renders the page when prog does not
	funcs Funcs              // t's functions

	once sync.Once
	prog *program // once sets prog and why; prog is nil if not compiled
	why  error    // why prog is nil
}

// maxLocales bounds the copies a Set keeps: past it they are dropped and
// made again as needed.
const maxLocales = 64

// ErrNotFound is returned for a template that does not exist.
var ErrNotFound = errors.New("templates: no such template")

// english is the locale of pages rendered without one.
var english, _ = locale.Builtin("en")

// Open parses the templates in dir. funcs are added to the built-in
// functions (translate, date, number, xsrf_form_html); pages are rendered
// in English.
func Open(dir string, funcs Funcs) (*Set, error) {
	return OpenLocalized(dir, funcs, nil)
}

// OpenLocalized is Open for a site with locales: RenderLocale(code, ...)
// renders with the functions of locales(code), which it calls at each use
// (so that it may return the latest of reloaded translations) and which
// must not return nil.
func OpenLocalized(dir string, funcs Funcs, locales func(code string) *locale.Locale) (*Set, error) {
	if locales == nil {
		locales = func(string) *locale.Locale { return english }
	}
	s := &Set{dir: dir, funcs: funcs, locales: locales}
	compiling() // the escapers' check, once per process, before the first page
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// JSON is page data that encoding/json decoded into an any (maps with
// string keys, slices, strings, float64s, bools and nils; integers may be
// ints, as the host decodes them), with perhaps
// strings added, as the host adds the XSRF token. Passed as a render's
// data, it renders as V would, and tells the Set that V holds nothing
// else, which it otherwise checks before a compiled page renders (a walk
// of the data: 2.5 µs for the benchmark page, a tenth of its render).
type JSON struct{ V any }

// Render executes page name with data, in English, into a buffer and
// returns it; an error names the template, line and cause.
func (s *Set) Render(name string, data any) ([]byte, error) {
	return s.RenderLocale("", name, data)
}

// RenderLocale is Render for the locale code names (see OpenLocalized).
func (s *Set) RenderLocale(code, name string, data any) ([]byte, error) {
	var b bytes.Buffer
	if err := s.RenderLocaleTo(&b, code, name, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// RenderLocaleTo is RenderLocale writing the page to w, so that the
// caller can reuse a buffer. After an error, w may hold part of the page.
func (s *Set) RenderLocaleTo(w io.Writer, code, name string, data any) error {
	p, err := s.page(code, name)
	if err != nil {
		return err
	}
	known := false
	if j, ok := data.(JSON); ok {
		data, known = j.V, true
	}
	if !s.interpret {
		// Data that is not decoded JSON (a Go caller's own types) is
		// html/template's to render, decided before the render starts.
		if prog := p.program(name); prog != nil && (known || jsonData(data)) {
			if err := prog.renderTo(w, data); err != nil {
				return fmt.Errorf("templates: %w", err)
			}
			return nil
		}
	}
	if err := p.t.ExecuteTemplate(w, name, data); err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	return nil
}

// page returns the copy of page name for locale code, making it on first
// use, after parsing the files again if one changed.
func (s *Set) page(code, name string) (*localPage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if time.Since(s.checked) > time.Second {
		s.checked = time.Now()
		if st, err := stamp(s.dir); err == nil && st != s.stamp {
			s.loadErr = s.loadLocked()
		}
	}
	if s.loadErr != nil {
		return nil, s.loadErr
	}
	if p := s.byLocale[code][name]; p != nil {
		return p, nil
	}
	master, ok := s.pages[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	t, err := master.Clone()
	if err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	// Every function again, so that the copy has exactly those the
	// compiled page calls.
	funcs := Funcs{}
	maps.Copy(funcs, builtins())
	maps.Copy(funcs, s.funcs)
	maps.Copy(funcs, s.localeFuncs(code))
	t.Funcs(funcs)
	if s.byLocale[code] == nil {
		if len(s.byLocale) >= maxLocales {
			clear(s.byLocale)
		}
		s.byLocale[code] = map[string]*localPage{}
	}
	p := &localPage{t: t, funcs: funcs}
	s.byLocale[code][name] = p
	return p, nil
}

func (s *Set) load() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checked = time.Now()
	return s.loadLocked()
}

// loadLocked parses every file; s.mu must be held. A failed parse keeps
// the previous templates and is reported by Render until fixed.
func (s *Set) loadLocked() error {
	st, err := stamp(s.dir)
	if err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	var shared, pages []string
	err = filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		rel, _ := filepath.Rel(s.dir, path)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, "layouts/") || strings.HasPrefix(rel, "partials/") || strings.HasPrefix(d.Name(), "_") {
			shared = append(shared, rel)
		} else {
			pages = append(pages, rel)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	slices.Sort(shared)
	base := template.New("").Funcs(builtins()).Funcs(s.localeFuncs("")).Funcs(s.funcs)
	for _, name := range shared {
		if err := parseFile(base, s.dir, name); err != nil {
			return err
		}
	}
	parsed := make(map[string]*template.Template, len(pages))
	for _, name := range pages {
		t, err := base.Clone()
		if err != nil {
			return fmt.Errorf("templates: %w", err)
		}
		if err := parseFile(t, s.dir, name); err != nil {
			return err
		}
		parsed[name] = t
	}
	s.pages, s.stamp = parsed, st
	s.byLocale = map[string]map[string]*localPage{}
	return nil
}

func parseFile(t *template.Template, dir, name string) error {
	src, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	if err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	if _, err := t.New(name).Parse(string(src)); err != nil {
		return fmt.Errorf("templates: %w", err)
	}
	return nil
}

// stamp summarises the directory's files, to notice a change.
func stamp(dir string) (string, error) {
	var b strings.Builder
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s %d %d\n", path, fi.Size(), fi.ModTime().UnixNano())
		return nil
	})
	return b.String(), err
}

// builtins are the functions every site's templates have that do not
// depend on the locale.
func builtins() Funcs {
	return Funcs{
		// xsrf_form_html is the hidden form field carrying the page's XSRF
		// token, given the page's data: {{xsrf_form_html $}}.
		"xsrf_form_html": func(root any) template.HTML {
			m, _ := root.(map[string]any)
			tok, _ := m["_xsrf"].(string)
			return template.HTML(`<input type="hidden" name="_xsrf" value="` + template.HTMLEscapeString(tok) + `">`)
		},
	}
}

// Keywords of the date function for locale.Locale.FormatDate's forms.
var dateForms = map[string]locale.DateFlags{
	"relative":      locale.Relative,
	"relative-date": locale.Relative | locale.NoTime,
	"full":          0,
	"full-date":     locale.NoTime,
}

// localeFuncs are the functions that write in the language of the locale
// code names (abi/ABI.md sections 7.5 and 7.10).
func (s *Set) localeFuncs(code string) Funcs {
	return Funcs{
		// translate translates a message, {{translate "Sign in"}}, or a
		// message with a count, {{translate "%d note" "%d notes" .n}},
		// whose every %d becomes the count.
		"translate": func(msg string, args ...any) (string, error) {
			switch len(args) {
			case 0:
				return s.locales(code).Translate(msg), nil
			case 2:
				plural, ok := args[0].(string)
				n, err := toFloat(args[1])
				if !ok || err != nil || n != float64(int(n)) || n > math.MaxInt32 || n < math.MinInt32 {
					return "", fmt.Errorf("translate %q: want a plural message and a whole count, got %v and %v", msg, args[0], args[1])
				}
				return s.locales(code).TranslatePlural(msg, plural, int(n)), nil
			}
			return "", fmt.Errorf("translate %q: want a message alone, or a singular, a plural and a count", msg)
		},
		// date formats a time given as RFC 3339 text or Unix seconds: with
		// a Go layout ("2006-01-02" by default), or in the locale with a
		// keyword of dateForms. Times keep their offset; Unix seconds are
		// UTC.
		"date": func(v any, layout ...string) (string, error) {
			t, err := toTime(v)
			if err != nil {
				return "", err
			}
			l := "2006-01-02"
			if len(layout) > 0 {
				l = layout[0]
			}
			if flags, ok := dateForms[l]; ok {
				return s.locales(code).FormatDate(t, time.Now(), flags), nil
			}
			return t.Format(l), nil
		},
		// number formats a number with the locale's separators, with as
		// many fraction digits as it has or the number given:
		// {{number .price 2}}.
		"number": func(v any, digits ...int) (string, error) {
			f, err := toFloat(v)
			if err != nil {
				return "", err
			}
			d := -1
			if len(digits) > 0 {
				d = digits[0]
				if d < 0 || d > abi.MaxFractionDigits {
					return "", fmt.Errorf("number: %d fraction digits, want 0 to %d", d, abi.MaxFractionDigits)
				}
			}
			return s.locales(code).FormatNumber(f, d), nil
		},
	}
}

func toTime(v any) (time.Time, error) {
	switch x := v.(type) {
	case string:
		return time.Parse(time.RFC3339, x)
	case float64:
		return time.Unix(int64(x), 0).UTC(), nil
	case int:
		return time.Unix(int64(x), 0).UTC(), nil
	case pagedata.Integer:
		return time.Unix(int64(x), 0).UTC(), nil
	case int64:
		return time.Unix(x, 0).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("date: %v is not a time (want RFC 3339 text or Unix seconds)", v)
}

func toFloat(v any) (float64, error) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int:
		return float64(x), nil
	case pagedata.Integer:
		return float64(x), nil
	case int64:
		return float64(x), nil
	case string:
		return strconv.ParseFloat(x, 64)
	}
	return 0, fmt.Errorf("number: %v is not a number", v)
}
