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
package templates

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Funcs are functions a site adds to its templates, such as static_url.
type Funcs = template.FuncMap

// Set is a site's templates, parsed once and parsed again when a file
// changes (checked at most once a second). Safe for concurrent use.
type Set struct {
	dir   string
	funcs Funcs

	mu      sync.Mutex
	pages   map[string]*template.Template // mu guards pages, stamp, checked, loadErr
	stamp   string                        // file names, sizes and times when parsed
	checked time.Time
	loadErr error
}

// ErrNotFound is returned for a template that does not exist.
var ErrNotFound = errors.New("templates: no such template")

// Open parses the templates in dir. funcs are added to the built-in
// functions (date, number).
func Open(dir string, funcs Funcs) (*Set, error) {
	s := &Set{dir: dir, funcs: funcs}
	if err := s.load(); err != nil {
		return nil, err
	}
	return s, nil
}

// Render executes page name with data into a buffer and returns it; an
// error names the template, line and cause.
func (s *Set) Render(name string, data any) ([]byte, error) {
	s.mu.Lock()
	if time.Since(s.checked) > time.Second {
		s.checked = time.Now()
		if st, err := stamp(s.dir); err == nil && st != s.stamp {
			s.loadErr = s.loadLocked()
		}
	}
	t, ok := s.pages[name]
	loadErr := s.loadErr
	s.mu.Unlock()
	if loadErr != nil {
		return nil, loadErr
	}
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNotFound, name)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}
	return b.Bytes(), nil
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
	base := template.New("").Funcs(builtins()).Funcs(s.funcs)
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

// builtins are the formatting functions every site's templates have.
func builtins() Funcs {
	return Funcs{
		// date formats a time given as RFC 3339 text or Unix seconds with
		// a Go layout ("2006-01-02" by default).
		"date": func(v any, layout ...string) (string, error) {
			t, err := toTime(v)
			if err != nil {
				return "", err
			}
			l := "2006-01-02"
			if len(layout) > 0 {
				l = layout[0]
			}
			return t.Format(l), nil
		},
		// xsrf_form_html is the hidden form field carrying the page's XSRF
		// token, given the page's data: {{xsrf_form_html $}}.
		"xsrf_form_html": func(root any) template.HTML {
			m, _ := root.(map[string]any)
			tok, _ := m["_xsrf"].(string)
			return template.HTML(`<input type="hidden" name="_xsrf" value="` + template.HTMLEscapeString(tok) + `">`)
		},
		// number formats a number with thousands separators: 1234567.5
		// becomes "1,234,567.5".
		"number": func(v any) (string, error) {
			f, err := toFloat(v)
			if err != nil {
				return "", err
			}
			return groupThousands(strconv.FormatFloat(f, 'f', -1, 64)), nil
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
	case int64:
		return float64(x), nil
	case string:
		return strconv.ParseFloat(x, 64)
	}
	return 0, fmt.Errorf("number: %v is not a number", v)
}

func groupThousands(s string) string {
	sign, rest := "", s
	if strings.HasPrefix(rest, "-") {
		sign, rest = "-", rest[1:]
	}
	intPart, frac, hasFrac := strings.Cut(rest, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := sign + b.String()
	if hasFrac {
		out += "." + frac
	}
	return out
}
