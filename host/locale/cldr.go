// Package locale is a site's languages as the host serves them: the
// translations, plural rules and dates of internal/locale, which the SDK's
// fake host shares, with CLDR's knowledge of languages from
// golang.org/x/text: locale codes validated and canonicalized
// (language.Parse), Accept-Language matched with language.Matcher (regions,
// scripts and close languages), and numbers written with each language's
// symbols and grouping (message.Printer). abi/ABI.md section 7.10 is the
// contract. The rules themselves (reading translations, plural forms,
// dates, choosing a request's locale) are internal/locale's; this package
// adds CLDR's data alone.
package locale

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"github.com/wasmweb/wasmweb/internal/locale"
)

type (
	// A Bundle is a site's locales: the default and one for each
	// translations file. Immutable; safe for concurrent use.
	Bundle = locale.Bundle
	// A Locale is one language a site speaks. Immutable; safe for
	// concurrent use.
	Locale = locale.Locale
	// A Dir is a site's translations directory, loaded again when its
	// files change. Safe for concurrent use.
	Dir = locale.Dir
	// DateFlags choose the form Locale.FormatDate writes.
	DateFlags = locale.DateFlags
)

// The flags of Locale.FormatDate.
const (
	Relative = locale.Relative
	NoTime   = locale.NoTime
)

// CLDR is golang.org/x/text's knowledge of languages, which every function
// of this package gives internal/locale.
var CLDR locale.Languages = cldr{}

// Load reads the translations files in dir (none when dir is ""): files
// named by locale code with the extension .csv (Tornado's layout) or .po
// (gettext). def is the default locale's code. An error names the file
// and line.
func Load(dir, def string) (*Bundle, error) { return locale.Load(CLDR, dir, def) }

// Open loads dir as Load does, and again when its files change; report,
// which may be nil, is told of each later load that fails.
func Open(dir, def string, report func(error)) (*Dir, error) {
	return locale.Open(CLDR, dir, def, report)
}

// Builtin returns the locale code names with no site translations: the
// host's phrases only. It fails for a code that is not a BCP 47 tag.
func Builtin(code string) (*Locale, error) { return locale.Builtin(CLDR, code) }

type cldr struct{}

func (cldr) Parse(code string) (canonical, base string, err error) {
	tag, err := language.Parse(code)
	if err != nil {
		return "", "", err
	}
	if tag == language.Und {
		return "", "", fmt.Errorf("%q names no language", code)
	}
	b, _ := tag.Base()
	return tag.String(), b.String(), nil
}

func (cldr) Matcher(codes []string) func(acceptLanguage string) int {
	tags := make([]language.Tag, len(codes))
	for i, code := range codes {
		tags[i] = language.Make(code)
	}
	m := language.NewMatcher(tags)
	return func(acceptLanguage string) int {
		desired, _, err := language.ParseAcceptLanguage(acceptLanguage)
		if err != nil || len(desired) == 0 {
			return -1
		}
		_, i, conf := m.Match(desired...)
		if conf == language.No {
			return -1
		}
		return i
	}
}

func (cldr) Numbers(code string) func(v float64, digits int) string {
	p := message.NewPrinter(language.Make(code))
	return func(v float64, digits int) string {
		if digits < 0 {
			_, frac, _ := strings.Cut(strconv.FormatFloat(v, 'f', -1, 64), ".")
			return p.Sprint(number.Decimal(v, number.MaxFractionDigits(len(frac))))
		}
		return p.Sprint(number.Decimal(v, number.MinFractionDigits(digits), number.MaxFractionDigits(digits)))
	}
}
