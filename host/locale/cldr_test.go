package locale_test

import (
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/host/locale"
	core "github.com/wasmweb/wasmweb/internal/locale"
)

// siteDir writes a translations directory with files name, text, ...
func siteDir(t testing.TB, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for i := 0; i+1 < len(files); i += 2 {
		if err := os.WriteFile(filepath.Join(dir, files[i]), []byte(files[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func testBundle(t testing.TB) *locale.Bundle {
	t.Helper()
	b, err := locale.Load(siteDir(t,
		"es.csv", "\"Sign in\",\"Entrar\"\n",
		"ru.po", "msgid \"Sign in\"\nmsgstr \"Войти\"\n",
		"pl.po", "msgid \"Sign in\"\nmsgstr \"Zaloguj\"\n",
		"pt_BR.csv", "\"Sign in\",\"Entrar (BR)\"\n",
	), "en")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestLoadCodes(t *testing.T) {
	b := testBundle(t)
	if got, want := b.Codes(), []string{"en", "es", "pl", "pt-BR", "ru"}; !slices.Equal(got, want) {
		t.Errorf("codes %q, want %q", got, want)
	}
	for code, want := range map[string]string{"es": "es", "ES": "es", "pt_BR": "pt-BR", "pt-br": "pt-BR", "en": "en"} {
		if l, ok := b.Locale(code); !ok || l.Code() != want {
			t.Errorf("Locale(%q) = %v, %v; want %s", code, l, ok, want)
		}
	}
	for _, code := range []string{"fr", "pt", "", "!!", strings.Repeat("a", 100)} {
		if _, ok := b.Locale(code); ok {
			t.Errorf("Locale(%q) found", code)
		}
	}
	// CLDR knows which languages exist.
	if _, err := locale.Load(siteDir(t, "xx.csv", ""), "en"); err == nil || !strings.Contains(err.Error(), "xx.csv: the name is not a locale code") {
		t.Errorf("xx.csv: %v", err)
	}
	if _, err := locale.Builtin("und"); err == nil {
		t.Error("und taken for a language")
	}
}

func TestChoose(t *testing.T) {
	b := testBundle(t)
	for _, tc := range []struct {
		name, cookie, accept, want string
	}{
		{"nothing: the default", "", "", "en"},
		{"accept-language", "", "es", "es"},
		{"region falls back to the language", "", "es-MX", "es"},
		{"region chosen exactly", "", "pt-BR", "pt-BR"},
		{"q-values order the choices", "", "ru;q=0.5, pl;q=0.9, fr", "pl"},
		{"an unknown language is skipped", "", "fr-FR, de;q=0.9, ru;q=0.8", "ru"},
		{"no language the site has", "", "fr, de", "en"},
		{"q=0 refuses", "", "es;q=0, fr", "en"},
		{"garbage", "", ";;;===,,", "en"},
		{"the cookie wins", "ru", "es", "ru"},
		{"the cookie in another spelling", "PT_br", "es", "pt-BR"},
		{"an unknown cookie is ignored", "fr", "es", "es"},
		{"a malformed cookie is ignored", "%%%", "pl", "pl"},
		{"the default by cookie", "en", "es", "en"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := b.Choose(tc.cookie, tc.accept).Code(); got != tc.want {
				t.Errorf("Choose(%q, %q) = %s, want %s", tc.cookie, tc.accept, got, tc.want)
			}
		})
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
		{"de-CH", 1234567.5, -1, "1’234’567.5"},
		{"hi", 1234567.5, -1, "12,34,567.5"},
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
		l, err := locale.Builtin(tc.code)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.FormatNumber(tc.v, tc.digits); got != tc.want {
			t.Errorf("%s %v digits=%d: %q, want %q", tc.code, tc.v, tc.digits, got, tc.want)
		}
	}
}

func FuzzChoose(f *testing.F) {
	b, err := locale.Load(siteDir(f, "es.csv", "\"a\",\"b\"\n", "pt_BR.csv", "\"a\",\"c\"\n"), "en")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("", "es-MX;q=0.8, en")
	f.Add("pt_br", "*")
	f.Fuzz(func(t *testing.T, cookie, accept string) {
		l := b.Choose(cookie, accept)
		if _, ok := b.Locale(l.Code()); !ok {
			t.Fatalf("chose %s, which the site lacks", l.Code())
		}
	})
}

// The SDK's fake host writes numbers with internal/locale's Basic, which
// must write them as CLDR does in the languages it claims: English,
// Spanish, German and French.
func FuzzBasicNumbersMatchCLDR(f *testing.F) {
	for _, v := range []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 2.5, -2.5, 1.005, 1.015, 999.995, 1234567.5, -1234.5, 0.001, -0.001,
		1e-7, 123.456789123456789, 1e15, 1e21, 1e300, 5e-324, 123456789012345678, math.MaxInt64, math.Inf(1), math.Inf(-1), math.NaN()} {
		for _, digits := range []int{-2, -1, 0, 2, 20, 21} {
			f.Add(v, digits)
		}
	}
	// Regions whose numbers CLDR writes as their language's (not es-MX or
	// de-CH, which Basic writes as es and de).
	codes := []string{"en", "es", "de", "fr", "en-GB", "es-ES", "de-DE", "fr-FR", "fr-CA"}
	f.Fuzz(func(t *testing.T, v float64, digits int) {
		for _, code := range codes {
			host, _ := locale.Builtin(code)
			fake, _ := core.Builtin(core.Basic, code)
			if h, b := host.FormatNumber(v, digits), fake.FormatNumber(v, digits); h != b {
				t.Errorf("%s %v digits=%d: host %q, fake %q", code, v, digits, h, b)
			}
		}
	})
}

// The SDK's fake host chooses a request's locale with Basic's matcher,
// which must choose as CLDR's does among the languages of its built-in
// phrases, for the Accept-Language values browsers send.
func TestBasicChoiceMatchesCLDR(t *testing.T) {
	msgs := map[string]map[string]string{"es": nil, "de": nil, "fr": nil}
	host, err := core.NewBundle(locale.CLDR, "en", msgs)
	if err != nil {
		t.Fatal(err)
	}
	fake, err := core.NewBundle(core.Basic, "en", msgs)
	if err != nil {
		t.Fatal(err)
	}
	for _, accept := range []string{
		"", "es", "es-MX", "es-419,es;q=0.9,en;q=0.8", "es-MX, de;q=0.5", "de-DE,de;q=0.9,en-US;q=0.8,en;q=0.7",
		"fr-CA,fr;q=0.9", "fr-FR,fr;q=0.9,en-US;q=0.8,en;q=0.7", "en-US,en;q=0.9", "en-GB", "de-AT", "de-CH",
		"it, es;q=0.5", "it", "ja,en;q=0.5", "es;q=0.5, fr", "es;q=0, de", "*", "es;q=0.5, de;q=0.5", "pt-BR, de;q=0.1",
	} {
		if h, f := host.Choose("", accept).Code(), fake.Choose("", accept).Code(); h != f {
			t.Errorf("Accept-Language %q: host %s, fake %s", accept, h, f)
		}
	}
}
