package locale

import (
	"math"
	"testing"
	"time"
)

func builtin(t *testing.T, code string) *Locale {
	t.Helper()
	l, err := Builtin(Basic, code)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// now is a Wednesday afternoon.
var now = time.Date(2024, time.March, 13, 15, 4, 5, 0, time.UTC)

func TestFormatDateRelative(t *testing.T) {
	for _, tc := range []struct {
		name   string
		t      time.Time
		flags  DateFlags
		en, es string
	}{
		{"now", now, Relative, "just now", "ahora mismo"},
		{"1 second", now.Add(-time.Second), Relative, "1 second ago", "hace 1 segundo"},
		{"59 seconds", now.Add(-59 * time.Second), Relative, "59 seconds ago", "hace 59 segundos"},
		{"1 minute", now.Add(-time.Minute), Relative, "1 minute ago", "hace 1 minuto"},
		{"2 minutes", now.Add(-150 * time.Second), Relative, "2 minutes ago", "hace 2 minutos"},
		{"1 hour", now.Add(-time.Hour), Relative, "1 hour ago", "hace 1 hora"},
		{"23 hours, yesterday", now.Add(-23 * time.Hour), Relative, "23 hours ago", "hace 23 horas"},
		{"future seconds", now.Add(30 * time.Second), Relative, "in 30 seconds", "dentro de 30 segundos"},
		{"future minute", now.Add(time.Minute + time.Second), Relative, "in 1 minute", "dentro de 1 minuto"},
		{"future hours", now.Add(5 * time.Hour), Relative, "in 5 hours", "dentro de 5 horas"},
		{"yesterday", now.Add(-25 * time.Hour), Relative, "yesterday at 2:04 PM", "ayer a las 14:04"},
		{"yesterday, no time", now.Add(-25 * time.Hour), Relative | NoTime, "yesterday", "ayer"},
		{"tomorrow", now.Add(30 * time.Hour), Relative, "tomorrow at 9:04 PM", "mañana a las 21:04"},
		{"this week", now.AddDate(0, 0, -3), Relative, "Sunday at 3:04 PM", "domingo a las 15:04"},
		{"this week, no time", now.AddDate(0, 0, -6), Relative | NoTime, "Thursday", "jueves"},
		{"next week", now.AddDate(0, 0, 4), Relative, "Sunday at 3:04 PM", "domingo a las 15:04"},
		{"this year", time.Date(2024, time.January, 5, 0, 30, 0, 0, time.UTC), Relative, "January 5 at 12:30 AM", "5 de enero a las 0:30"},
		{"this year, no time", time.Date(2024, time.January, 5, 12, 0, 0, 0, time.UTC), Relative | NoTime, "January 5", "5 de enero"},
		{"last year", time.Date(2023, time.December, 31, 12, 0, 0, 0, time.UTC), Relative, "December 31, 2023 at 12:00 PM", "31 de diciembre de 2023 a las 12:00"},
		{"absolute", now.Add(-time.Minute), 0, "March 13, 2024 at 3:03 PM", "13 de marzo de 2024 a las 15:03"},
		{"absolute, no time", now, NoTime, "March 13, 2024", "13 de marzo de 2024"},
		{"far future", time.Date(2031, time.August, 1, 8, 0, 0, 0, time.UTC), Relative, "August 1, 2031 at 8:00 AM", "1 de agosto de 2031 a las 8:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := builtin(t, "en").FormatDate(tc.t, now, tc.flags); got != tc.en {
				t.Errorf("en: %q, want %q", got, tc.en)
			}
			if got := builtin(t, "es").FormatDate(tc.t, now, tc.flags); got != tc.es {
				t.Errorf("es: %q, want %q", got, tc.es)
			}
		})
	}
}

// Calendar days are the time zone's: 23:30 UTC on the 12th is already
// the 13th at UTC+2, and "yesterday" is relative to the clock there.
func TestFormatDateZone(t *testing.T) {
	zone := time.FixedZone("", 2*3600)
	tm := time.Date(2024, time.March, 11, 23, 30, 0, 0, time.UTC).In(zone) // the 12th, 01:30 there
	if got := builtin(t, "en").FormatDate(tm, now, Relative); got != "yesterday at 1:30 AM" {
		t.Errorf("%q", got)
	}
	if got := builtin(t, "en").FormatDate(tm, now, 0); got != "March 12, 2024 at 1:30 AM" {
		t.Errorf("%q", got)
	}
}

func TestFormatDateOtherLanguages(t *testing.T) {
	for _, tc := range []struct {
		code  string
		t     time.Time
		flags DateFlags
		want  string
	}{
		{"de", now.Add(-2 * time.Minute), Relative, "vor 2 Minuten"},
		{"de", now.Add(-25 * time.Hour), Relative, "gestern um 14:04"},
		{"de", time.Date(2024, time.March, 1, 9, 5, 0, 0, time.UTC), 0, "1. März 2024 um 9:05"},
		{"fr", now.Add(-2 * time.Minute), Relative, "il y a 2 minutes"},
		{"fr", now.Add(-time.Second), Relative, "il y a 1 seconde"},
		{"fr", now.Add(3 * time.Hour), Relative, "dans 3 heures"},
		{"fr", time.Date(2023, time.August, 15, 18, 0, 0, 0, time.UTC), Relative, "15 août 2023 à 18:00"},
		{"es-MX", now.Add(-time.Hour), Relative, "hace 1 hora"},
		// No built-in phrases for Japanese: English words, a 24-hour clock.
		{"ja", now.Add(-25 * time.Hour), Relative, "yesterday at 14:04"},
	} {
		if got := builtin(t, tc.code).FormatDate(tc.t, now, tc.flags); got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.code, tc.t, got, tc.want)
		}
	}
}

// A site's translations override the host's phrases, and add languages.
func TestFormatDateSiteOverrides(t *testing.T) {
	dir := siteDir(t,
		"es.csv", "\"yesterday at {time}\",\"ayer, {time}\"\n\"1 minute ago\",\"hace un minuto\",\"singular\"\n",
		"ru.po", russianPO+`
msgid "1 minute ago"
msgid_plural "%d minutes ago"
msgstr[0] "%d минуту назад"
msgstr[1] "%d минуты назад"
msgstr[2] "%d минут назад"

msgid "{month} {day}, {year}"
msgstr "{day} {month} {year} г."

msgid "March"
msgstr "марта"
`)
	b, err := Load(Basic, dir, "en")
	if err != nil {
		t.Fatal(err)
	}
	es, _ := b.Locale("es")
	ru, _ := b.Locale("ru")
	for _, tc := range []struct {
		l     *Locale
		t     time.Time
		flags DateFlags
		want  string
	}{
		{es, now.Add(-25 * time.Hour), Relative, "ayer, 14:04"},
		{es, now.Add(-time.Minute), Relative, "hace un minuto"},
		{es, now.Add(-2 * time.Minute), Relative, "hace 2 minutos"}, // the built-in plural
		{ru, now.Add(-time.Minute), Relative, "1 минуту назад"},
		{ru, now.Add(-3 * time.Minute), Relative, "3 минуты назад"},
		{ru, now.Add(-5 * time.Minute), Relative, "5 минут назад"},
		{ru, now.Add(-21 * time.Minute), Relative, "21 минуту назад"},
		{ru, now, NoTime, "13 марта 2024 г."},
	} {
		if got := tc.l.FormatDate(tc.t, now, tc.flags); got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.l.Code(), tc.t, got, tc.want)
		}
	}
}

var tenth = 0.1 // a variable, so that 0.1+0.2 is computed in float64

func TestFormatNumber(t *testing.T) {
	for _, tc := range []struct {
		code   string
		v      float64
		digits int
		want   string
	}{
		{"en", 1234567.5, -1, "1,234,567.5"},
		{"es", 1234567.5, -1, "1.234.567,5"},
		{"de", 1234567.5, -1, "1.234.567,5"},
		{"fr", 1234567.5, -1, "1\u00a0234\u00a0567,5"},
		{"en", -1234, -1, "-1,234"},
		{"en", 999, -1, "999"},
		{"en", tenth + 2*tenth, -1, "0.30000000000000004"},
		{"en", 123.456789123456789, -1, "123.45678912345679"},
		{"en", 3.14159, 2, "3.14"},
		{"de", 3.14159, 2, "3,14"},
		{"en", 1234.5, 2, "1,234.50"},
		{"es", 1234.5, 0, "1.234"},
		{"en", 2.5, 0, "2"},
		{"en", 1.5, 30, "1.50000000000000000000"},
		{"en", math.Inf(1), -1, "∞"},
		{"en", math.Inf(-1), -1, "-∞"},
		{"en", math.NaN(), 2, "NaN"},
	} {
		if got := builtin(t, tc.code).FormatNumber(tc.v, tc.digits); got != tc.want {
			t.Errorf("%s %v digits=%d: %q, want %q", tc.code, tc.v, tc.digits, got, tc.want)
		}
	}
}
