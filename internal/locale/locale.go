// Package locale is a site's languages: its translations, read from CSV
// files in Tornado's layout and gettext .po files, the choice of a
// request's locale (the user's cookie, else Accept-Language, else the
// site's default), plural forms, and dates and numbers written the way a
// language writes them. abi/ABI.md section 7.10 is the contract.
//
// A Bundle is a site's locales, loaded once; Dir loads a directory into a
// Bundle and loads it again when a file changes. Translating is a map
// read.
//
// The host and the SDK's fake host share this package, which needs
// nothing beyond the standard library. What it needs of CLDR (what a
// locale code means, matching Accept-Language, numbers) it asks of a
// Languages: the host gives golang.org/x/text's (package host/locale),
// the fake Basic.
package locale

import (
	"strconv"
	"strings"
	"time"

	"github.com/wasmweb/wasmweb/abi"
)

// A Locale is one language a site speaks: its translations, its plural
// rule, and how it writes dates and numbers. Immutable; safe for
// concurrent use.
type Locale struct {
	code    string
	site    *catalog // the site's translations; nil when it has none
	builtin *catalog // the host's phrases; nil for English
	number  func(v float64, digits int) string
}

// newLocale makes the locale of code, canonical, whose base language is
// base, with the site's translations (nil for none).
func newLocale(langs Languages, code, base string, site *catalog) *Locale {
	l := &Locale{code: code, site: site, number: langs.Numbers(code)}
	if base != "en" {
		l.builtin = builtinPhrases[base]
		if l.builtin == nil {
			l.builtin = neutralPhrases
		}
	}
	return l
}

// Builtin returns the locale code names with no site translations: the
// host's phrases only. It fails for a code that langs does not take for
// a BCP 47 tag.
func Builtin(langs Languages, code string) (*Locale, error) {
	canonical, base, err := parseCode(langs, code)
	if err != nil {
		return nil, err
	}
	return newLocale(langs, canonical, base, nil), nil
}

// Code returns the locale's BCP 47 code, such as "es" or "pt-BR".
func (l *Locale) Code() string { return l.code }

// Translate returns msg in the locale: the site's translation, else the
// host's built-in phrase, else msg itself.
func (l *Locale) Translate(msg string) string {
	if l.site != nil {
		if v, ok := l.site.lookup(msg); ok {
			return v
		}
	}
	if l.builtin != nil {
		if v, ok := l.builtin.lookup(msg); ok {
			return v
		}
	}
	return msg
}

// TranslatePlural returns the form for count n of the message whose
// English singular and plural are singular and plural, with every "%d"
// replaced by n. The absolute value of n chooses the form.
func (l *Locale) TranslatePlural(singular, plural string, n int) string {
	return strings.ReplaceAll(l.pluralForm(singular, plural, n), "%d", strconv.Itoa(n))
}

func (l *Locale) pluralForm(singular, plural string, n int) string {
	u := uint64(n)
	if n < 0 {
		u = uint64(-(n + 1)) + 1 // no overflow at the minimum
	}
	if l.site != nil {
		if v, ok := l.site.lookupPlural(singular, plural, u); ok {
			return v
		}
	}
	if l.builtin != nil {
		if v, ok := l.builtin.lookupPlural(singular, plural, u); ok {
			return v
		}
	}
	if englishRule(u) == 0 {
		return singular
	}
	return plural
}

// DateFlags choose the form FormatDate writes.
type DateFlags int

const (
	// Relative writes times near now relative to it: "2 minutes ago",
	// "yesterday at 3:04 PM", "Monday".
	Relative DateFlags = abi.DateRelative
	// NoTime leaves out the time of day.
	NoTime DateFlags = abi.DateNoTime
)

// FormatDate writes t in the locale, in t's time zone, by the rules of
// abi/ABI.md section 7.10; now is the time relative forms are relative to.
func (l *Locale) FormatDate(t, now time.Time, flags DateFlags) string {
	now = now.In(t.Location())
	withTime := flags&NoTime == 0
	if flags&Relative != 0 {
		d := now.Sub(t)
		future := d < 0
		if future {
			d = -d
		}
		days := dayNumber(now) - dayNumber(t)
		switch {
		case d < time.Second:
			return l.Translate(phraseJustNow)
		case d < time.Minute:
			return l.relative(future, int(d/time.Second), phraseSecondAgo, phraseSecondsAgo, phraseInSecond, phraseInSeconds)
		case d < time.Hour:
			return l.relative(future, int(d/time.Minute), phraseMinuteAgo, phraseMinutesAgo, phraseInMinute, phraseInMinutes)
		case d < 24*time.Hour || days == 0:
			return l.relative(future, int(d/time.Hour), phraseHourAgo, phraseHoursAgo, phraseInHour, phraseInHours)
		case days == 1:
			return l.dated(t, phraseYesterday, phraseYesterdayAt, withTime)
		case days == -1:
			return l.dated(t, phraseTomorrow, phraseTomorrowAt, withTime)
		case days >= -6 && days <= 6:
			return l.dated(t, weekdayNames[t.Weekday()], phraseWeekdayAt, withTime)
		case t.Year() == now.Year():
			return l.dated(t, phraseMonthDay, phraseMonthDayAt, withTime)
		}
	}
	return l.dated(t, phraseFullDate, phraseFullDateAt, withTime)
}

func (l *Locale) relative(future bool, n int, ago, agoN, in, inN string) string {
	if future {
		return l.TranslatePlural(in, inN, n)
	}
	return l.TranslatePlural(ago, agoN, n)
}

// dated translates the phrase without the time or with it, and fills in
// its placeholders from t.
func (l *Locale) dated(t time.Time, bare, at string, withTime bool) string {
	phrase, clock := bare, ""
	if withTime {
		phrase = at
		h := t.Hour()
		ampm := phraseAM
		if h >= 12 {
			ampm = phrasePM
		}
		h12 := h % 12
		if h12 == 0 {
			h12 = 12
		}
		clock = strings.NewReplacer(
			"{hour12}", strconv.Itoa(h12),
			"{hour}", strconv.Itoa(h),
			"{minute}", twoDigits(t.Minute()),
			"{ampm}", l.Translate(ampm),
		).Replace(l.Translate(phraseTime))
	}
	return strings.NewReplacer(
		"{time}", clock,
		"{weekday}", l.Translate(weekdayNames[t.Weekday()]),
		"{month}", l.Translate(monthNames[t.Month()-1]),
		"{day}", strconv.Itoa(t.Day()),
		"{year}", strconv.Itoa(t.Year()),
	).Replace(l.Translate(phrase))
}

func twoDigits(n int) string {
	return string([]byte{byte('0' + n/10), byte('0' + n%10)})
}

// dayNumber numbers t's calendar day in its time zone.
func dayNumber(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// FormatNumber writes v with the locale's symbols and grouping: digits
// fraction digits (rounded to nearest; at most abi.MaxFractionDigits), or
// with digits < 0 as many as v's shortest decimal form has.
func (l *Locale) FormatNumber(v float64, digits int) string {
	return l.number(v, min(max(digits, -1), abi.MaxFractionDigits))
}
