package locale

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Languages is what a Bundle knows of languages beyond its files: what a
// locale code means, which of a site's locales best answers an
// Accept-Language, and how a language writes numbers. That knowledge is
// CLDR's; the host gives golang.org/x/text's (package host/locale), and
// Basic is a small one in the standard library for the SDK's fake host.
// Implementations must be safe for concurrent use.
type Languages interface {
	// Parse returns the canonical form of a BCP 47 locale code, in which
	// "_" has already become "-" ("pt-BR" for "pt-br"), and its base
	// language ("pt"); or why code names no language.
	Parse(code string) (canonical, base string, err error)
	// Matcher returns what chooses, for an Accept-Language value, one of
	// codes (canonical, the site's default first): the index of the best,
	// or -1 when none will do.
	Matcher(codes []string) func(acceptLanguage string) int
	// Numbers returns how the locale code (canonical) writes v: with
	// digits fraction digits, 0 to abi.MaxFractionDigits, rounded to
	// nearest; with digits < 0, as many as v's shortest decimal form has.
	Numbers(code string) func(v float64, digits int) string
}

// Basic is Languages from the standard library alone, for the SDK's fake
// host, which must not bring golang.org/x/text into a plugin's module.
// Where it is simpler than the host's CLDR data:
//
//   - Parse checks that a code is well-formed (a language of two or three
//     letters, then an optional script, region and variants), not that
//     its subtags exist, and does not replace deprecated codes ("iw"
//     stays "iw"); extensions and private use are refused.
//   - The matcher takes Accept-Language's languages in order of q-value
//     and chooses the first that the site has exactly, or whose base
//     language the site has: the base itself ("es" for "es-MX"), else the
//     first of the site's locales of that language ("pt-BR" for "pt").
//     It knows no close languages and no scripts: "nb" does not choose
//     "no", and "zh-TW" chooses the site's first Chinese, which may be
//     "zh-Hans" where CLDR knows that Taiwan writes "zh-Hant".
//   - Numbers are written as CLDR writes them in English, Spanish, German
//     and French, the languages with built-in phrases, and every other
//     language as English is. A region writes as its language does, where
//     CLDR may differ: es-MX as es ("1.234,5", not "1,234.5"), de-CH as
//     de.
var Basic Languages = basic{}

type basic struct{}

func (basic) Parse(code string) (canonical, base string, err error) {
	subtags := strings.Split(code, "-")
	lang := subtags[0]
	if !isAlpha(lang) || len(lang) < 2 || len(lang) > 3 {
		return "", "", fmt.Errorf("%q does not start with a language", code)
	}
	lang = strings.ToLower(lang)
	if lang == "und" {
		return "", "", fmt.Errorf("%q names no language", code)
	}
	out := []string{lang}
	const (
		wantScript = iota
		wantRegion
		wantVariant
	)
	next := wantScript
	for _, s := range subtags[1:] {
		switch {
		case next <= wantScript && len(s) == 4 && isAlpha(s):
			out = append(out, strings.ToUpper(s[:1])+strings.ToLower(s[1:]))
			next = wantRegion
		case next <= wantRegion && (len(s) == 2 && isAlpha(s) || len(s) == 3 && isDigits(s)):
			out = append(out, strings.ToUpper(s))
			next = wantVariant
		case isAlnum(s) && (len(s) >= 5 && len(s) <= 8 || len(s) == 4 && s[0] >= '0' && s[0] <= '9'):
			out = append(out, strings.ToLower(s))
			next = wantVariant
		default:
			return "", "", fmt.Errorf("%q: subtag %q is not a script, region or variant where it stands", code, s)
		}
	}
	return strings.Join(out, "-"), lang, nil
}

func (b basic) Matcher(codes []string) func(acceptLanguage string) int {
	return func(acceptLanguage string) int {
		for _, lang := range parseAcceptLanguage(acceptLanguage) {
			code, base, err := b.Parse(lang)
			if err != nil {
				continue
			}
			if i := slices.Index(codes, code); i >= 0 {
				return i
			}
			if i := slices.Index(codes, base); i >= 0 {
				return i
			}
			if i := slices.IndexFunc(codes, func(c string) bool { return strings.HasPrefix(c, base+"-") }); i >= 0 {
				return i
			}
		}
		return -1
	}
}

// parseAcceptLanguage returns the language ranges of an Accept-Language
// value (RFC 9110 section 12.5.4) ordered by q-value, the first written
// first among equals, without those of q=0, the wildcard and those that
// are not well-formed.
func parseAcceptLanguage(v string) []string {
	type ranged struct {
		lang string
		q    float64
	}
	var rs []ranged
	for _, item := range strings.Split(v, ",") {
		params := strings.Split(item, ";")
		lang, q := strings.TrimSpace(params[0]), 1.0
		for _, p := range params[1:] {
			if k, w, _ := strings.Cut(p, "="); strings.EqualFold(strings.TrimSpace(k), "q") {
				var err error
				if q, err = strconv.ParseFloat(strings.TrimSpace(w), 64); err != nil || q < 0 || q > 1 {
					q = 0
				}
			}
		}
		if q == 0 || lang == "" || lang == "*" {
			continue
		}
		rs = append(rs, ranged{lang, q})
	}
	slices.SortStableFunc(rs, func(a, b ranged) int {
		switch {
		case a.q > b.q:
			return -1
		case a.q < b.q:
			return 1
		}
		return 0
	})
	langs := make([]string, len(rs))
	for i, r := range rs {
		langs[i] = r.lang
	}
	return langs
}

// basicSymbols are the decimal separator and the group separator of the
// languages Basic writes as CLDR does, by base language.
var basicSymbols = map[string][2]string{
	"en": {".", ","},
	"es": {",", "."},
	"de": {",", "."},
	"fr": {",", "\u00a0"},
}

func (b basic) Numbers(code string) func(v float64, digits int) string {
	sym, ok := basicSymbols[strings.ToLower(strings.SplitN(code, "-", 2)[0])]
	if !ok {
		sym = basicSymbols["en"]
	}
	return func(v float64, digits int) string { return formatNumber(v, digits, sym[0], sym[1]) }
}

// formatNumber writes v with the decimal and group separators given,
// grouping the integer digits by three.
func formatNumber(v float64, digits int, decimal, group string) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "-∞"
	}
	if digits < 0 {
		// The fraction digits of the shortest form, rounded from v's exact
		// value as CLDR's formatter does: 2^63 is 9223372036854775808, not
		// the shortest form's 9223372036854776000.
		_, frac, _ := strings.Cut(strconv.FormatFloat(v, 'f', -1, 64), ".")
		digits = len(frac)
	}
	s := strconv.FormatFloat(math.Abs(v), 'f', digits, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
	}
	for i := range len(intPart) {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteString(group)
		}
		b.WriteByte(intPart[i])
	}
	if frac != "" {
		b.WriteString(decimal)
		b.WriteString(frac)
	}
	return b.String()
}

func isAlpha(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') }) < 0
}

func isDigits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !('0' <= r && r <= '9') }) < 0
}

func isAlnum(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) < 0
}
