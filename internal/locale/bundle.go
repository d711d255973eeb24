package locale

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// A Bundle is a site's locales: the default and one for each
// translations file. Immutable; safe for concurrent use.
type Bundle struct {
	langs   Languages
	def     *Locale
	byCode  map[string]*Locale
	codes   []string // the default first, then sorted
	matcher func(acceptLanguage string) int

	// accepted caches Accept-Language values and the locale each chose,
	// since browsers send a few values over and over.
	accepted  sync.Map // string -> *Locale
	nAccepted atomic.Int32
}

// Limits on what a Bundle reads and keeps.
const (
	maxFileBytes     = 16 << 20
	maxAcceptCache   = 1024
	maxAcceptKey     = 256
	maxAcceptLangLen = 4096
)

// Load reads the translations files in dir (none when dir is ""): files
// named by locale code with the extension .csv (Tornado's layout) or .po
// (gettext). Other files are ignored. def is the default locale's code.
// langs says what the codes mean. An error names the file and line.
func Load(langs Languages, dir, def string) (*Bundle, error) {
	defCode, _, err := parseCode(langs, def)
	if err != nil {
		return nil, fmt.Errorf("locale: default %q: %w", def, err)
	}
	sites := map[string]*catalog{}
	files := map[string]string{} // code -> file, to name duplicates
	if dir != "" {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("locale: %w", err)
		}
		for _, e := range ents {
			name := e.Name()
			ext := filepath.Ext(name)
			if e.IsDir() || (ext != ".csv" && ext != ".po") || strings.HasPrefix(name, ".") {
				continue
			}
			path := filepath.Join(dir, name)
			code, _, err := parseCode(langs, strings.TrimSuffix(name, ext))
			if err != nil {
				return nil, fmt.Errorf("locale: %s: the name is not a locale code such as es.csv or pt_BR.po: %w", path, err)
			}
			if other, dup := files[code]; dup {
				return nil, fmt.Errorf("locale: %s and %s both translate %s: keep one", other, path, code)
			}
			c, err := loadFile(path, ext)
			if err != nil {
				return nil, err
			}
			files[code], sites[code] = path, c
		}
	}
	return build(langs, defCode, sites), nil
}

// NewBundle returns a Bundle of the default locale def and of a locale
// for each code of messages, whose translations are read as CSV rows
// without a plural column: message to translation, a message with a count
// having one row for its English singular and one for its English plural.
// It serves tests, and the SDK's fake host.
func NewBundle(langs Languages, def string, messages map[string]map[string]string) (*Bundle, error) {
	defCode, _, err := parseCode(langs, def)
	if err != nil {
		return nil, fmt.Errorf("locale: default %q: %w", def, err)
	}
	sites := map[string]*catalog{}
	for given, msgs := range messages {
		code, _, err := parseCode(langs, given)
		if err != nil {
			return nil, fmt.Errorf("locale: %q: %w", given, err)
		}
		if _, dup := sites[code]; dup {
			return nil, fmt.Errorf("locale: %s given twice", code)
		}
		c := newCatalog(englishRule)
		for k, v := range msgs {
			if v != "" {
				c.one[k] = v
			}
		}
		sites[code] = c
	}
	return build(langs, defCode, sites), nil
}

// build makes the Bundle of the default locale and the site's catalogs
// by code; the codes are canonical.
func build(langs Languages, def string, sites map[string]*catalog) *Bundle {
	b := &Bundle{langs: langs, byCode: map[string]*Locale{}}
	codes := make([]string, 0, len(sites))
	for code := range sites {
		if code != def {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	b.codes = append([]string{def}, codes...)
	for _, code := range b.codes {
		_, base, _ := langs.Parse(code) // canonical, so it parses
		b.byCode[code] = newLocale(langs, code, base, sites[code])
	}
	b.def = b.byCode[def]
	b.matcher = langs.Matcher(slices.Clone(b.codes))
	return b
}

func loadFile(path, ext string) (*catalog, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("locale: %w", err)
	}
	if fi.Size() > maxFileBytes {
		return nil, fmt.Errorf("locale: %s: larger than %d MiB", path, maxFileBytes>>20)
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("locale: %w", err)
	}
	var c *catalog
	if ext == ".csv" {
		c, err = parseCSV(src)
	} else {
		c, err = parsePO(src)
	}
	var le *lineError
	if errors.As(err, &le) {
		return nil, fmt.Errorf("locale: %s:%d: %s", path, le.line, le.msg)
	}
	if err != nil {
		return nil, fmt.Errorf("locale: %s: %w", path, err)
	}
	return c, nil
}

// errNoCode is the refusal of an empty locale code.
var errNoCode = errors.New("empty locale code")

// parseCode parses a locale code, with "_" accepted for "-", and returns
// its canonical form and base language.
func parseCode(langs Languages, code string) (canonical, base string, err error) {
	if code == "" {
		return "", "", errNoCode
	}
	return langs.Parse(strings.ReplaceAll(code, "_", "-"))
}

// Default returns the site's default locale.
func (b *Bundle) Default() *Locale { return b.def }

// Codes returns the codes of the site's locales, the default first.
func (b *Bundle) Codes() []string { return slices.Clone(b.codes) }

// Locale returns the site's locale code names, comparing without regard
// to case and "_" for "-", and whether the site has it.
func (b *Bundle) Locale(code string) (*Locale, bool) {
	if l, ok := b.byCode[code]; ok {
		return l, true
	}
	if code == "" || len(code) > 64 {
		return nil, false
	}
	canonical, _, err := parseCode(b.langs, code)
	if err != nil {
		return nil, false
	}
	l, ok := b.byCode[canonical]
	return l, ok
}

// Choose returns a request's locale: the one choice (the user's cookie)
// names when the site has it, else the best match for acceptLanguage
// (the request's Accept-Language fields joined with ","), else the
// default.
func (b *Bundle) Choose(choice, acceptLanguage string) *Locale {
	if choice != "" {
		if l, ok := b.Locale(choice); ok {
			return l
		}
	}
	if len(b.codes) == 1 || acceptLanguage == "" {
		return b.def
	}
	if v, ok := b.accepted.Load(acceptLanguage); ok {
		return v.(*Locale)
	}
	l := b.match(acceptLanguage)
	if len(acceptLanguage) <= maxAcceptKey && b.nAccepted.Load() < maxAcceptCache {
		if _, loaded := b.accepted.LoadOrStore(acceptLanguage, l); !loaded {
			b.nAccepted.Add(1)
		}
	}
	return l
}

func (b *Bundle) match(acceptLanguage string) *Locale {
	if len(acceptLanguage) > maxAcceptLangLen {
		return b.def
	}
	i := b.matcher(acceptLanguage)
	if i < 0 || i >= len(b.codes) {
		return b.def
	}
	return b.byCode[b.codes[i]]
}

// Len returns the number of the site's locales.
func (b *Bundle) Len() int { return len(b.codes) }
