package locale

import (
	"slices"
	"testing"
)

func TestBasicParse(t *testing.T) {
	for _, tc := range []struct{ code, canonical, base string }{
		{"es", "es", "es"},
		{"ES", "es", "es"},
		{"pt-br", "pt-BR", "pt"},
		{"zh-hant-tw", "zh-Hant-TW", "zh"},
		{"es-419", "es-419", "es"},
		{"de-CH-1996", "de-CH-1996", "de"},
		{"sl-rozaj", "sl-rozaj", "sl"},
		{"ast", "ast", "ast"},
		{"iw", "iw", "iw"}, // no replacement of deprecated codes
	} {
		canonical, base, err := Basic.Parse(tc.code)
		if err != nil || canonical != tc.canonical || base != tc.base {
			t.Errorf("Parse(%q) = %q, %q, %v; want %q, %q", tc.code, canonical, base, err, tc.canonical, tc.base)
		}
	}
	for _, bad := range []string{"", "!!", "e", "notes", "und", "en-US-US", "en--US", "en-", "en-u-ca-gregory", "x-klingon", "e1", "en-Latn-Latn", "es-41", "en_US"} {
		if canonical, _, err := Basic.Parse(bad); err == nil {
			t.Errorf("Parse(%q) = %q, want an error", bad, canonical)
		}
	}
}

func TestBasicMatcher(t *testing.T) {
	match := Basic.Matcher([]string{"en", "es", "pt-BR", "zh-Hant"})
	for _, tc := range []struct {
		accept string
		want   string // "" for none
	}{
		{"es", "es"},
		{"es-MX", "es"},
		{"ES-mx;q=0.8", "es"},
		{"pt", "pt-BR"},
		{"pt-PT", "pt-BR"},
		{"fr, es;q=0.5", "es"},
		{"es;q=0.5, en", "en"},
		{"es;q=0.5, pt;q=0.5", "es"}, // the first written among equals
		{"de;q=0.9, es;q=0.1", "es"},
		{"es;q=0", ""},
		{"es;q=2", ""},
		{"es;q=x, pt", "pt-BR"},
		{"*", ""},
		{"zh-TW", "zh-Hant"}, // by base language, not by script
		{"fr-CA, fr;q=0.9", ""},
		{"", ""},
		{";;;===,,", ""},
		{"en;level=1;q=0.5, es;q=0.4", "en"},
	} {
		want := -1
		if tc.want != "" {
			want = slices.Index([]string{"en", "es", "pt-BR", "zh-Hant"}, tc.want)
		}
		if got := match(tc.accept); got != want {
			t.Errorf("%q: index %d, want %d (%s)", tc.accept, got, want, tc.want)
		}
	}
}

// Languages other than the four with built-in phrases write numbers as
// English does under Basic.
func TestBasicNumbersOtherLanguages(t *testing.T) {
	for _, code := range []string{"ja", "pt-BR", "ru"} {
		if got := Basic.Numbers(code)(-1234567.125, 2); got != "-1,234,567.12" {
			t.Errorf("%s: %q", code, got)
		}
	}
	if got := Basic.Numbers("fr-CA")(1234.5, -1); got != "1\u00a0234,5" {
		t.Errorf("fr-CA: %q", got)
	}
}

func FuzzBasicMatcher(f *testing.F) {
	codes := []string{"en", "es", "pt-BR"}
	match := Basic.Matcher(codes)
	f.Add("es-MX;q=0.8, en")
	f.Add("pt;q=1.0, *;q=0.1")
	f.Fuzz(func(t *testing.T, accept string) {
		if i := match(accept); i < -1 || i >= len(codes) {
			t.Fatalf("%q: index %d", accept, i)
		}
	})
}
