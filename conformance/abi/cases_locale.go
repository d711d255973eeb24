package abikit

import (
	"net/http"
	"strings"
	"testing"
)

// LocaleInfo is the body of the locale handler.
type LocaleInfo struct {
	Locale   string            `json:"locale"`
	Set      *int32            `json:"set,omitempty"`
	After    string            `json:"after"`
	SignIn   string            `json:"sign_in"`
	Notes    map[string]string `json:"notes"`
	Relative string            `json:"relative"`
	Date     string            `json:"date"`
	Day      string            `json:"day"`
	Number   string            `json:"number"`
	Decimal  string            `json:"decimal"`
}

// locale asks the locale handler with the query q and the header
// fields given as name, value pairs.
func (k *kit) locale(t *testing.T, q string, header ...string) (*reply, LocaleInfo) {
	t.Helper()
	h := http.Header{}
	for i := 0; i+1 < len(header); i += 2 {
		h.Add(header[i], header[i+1])
	}
	r := k.do(t, request{target: "/abi/locale?" + q, header: h})
	r.want(t, 200)
	var info LocaleInfo
	r.decode(t, &info)
	return r, info
}

// localeChoice: the locale cookie names the locale when the site has it,
// else Accept-Language chooses by its q-values with a region falling back
// to its language, else the default; locale_set sets the cookie and
// switches the request, and refuses a locale the site lacks.
func localeChoice(t *testing.T, k *kit) {
	for _, tc := range []struct {
		name   string
		header []string
		want   string
	}{
		{"nothing: the default", nil, "en"},
		{"a language the site has", []string{"Accept-Language", "ru"}, "ru"},
		{"a region falls back to its language", []string{"Accept-Language", "es-MX"}, "es"},
		{"q-values", []string{"Accept-Language", "ru;q=0.3, fr, es;q=0.9"}, "es"},
		{"two fields", []string{"Accept-Language", "fr", "Accept-Language", "de;q=0.5"}, "de"},
		{"no language the site has", []string{"Accept-Language", "fr-CA, ja"}, "en"},
		{"the cookie wins", []string{"Cookie", "wasmweb_locale=ru", "Accept-Language", "es"}, "ru"},
		{"an unknown cookie is ignored", []string{"Cookie", "wasmweb_locale=fr", "Accept-Language", "es"}, "es"},
	} {
		_, info := k.locale(t, "", tc.header...)
		if info.Locale != tc.want || info.After != tc.want {
			t.Errorf("%s: locale %q then %q, want %q", tc.name, info.Locale, info.After, tc.want)
		}
	}
	r, info := k.locale(t, "set=ru", "Accept-Language", "es")
	if info.Locale != "es" || info.Set == nil || *info.Set != 0 || info.After != "ru" || info.SignIn != "Войти" {
		t.Errorf("set=ru: %+v", info)
	}
	r.wantHeader(t, "Set-Cookie", "wasmweb_locale=ru; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax")
	r, info = k.locale(t, "set=pt", "Accept-Language", "es")
	if info.Set == nil || *info.Set != -1 || info.After != "es" {
		t.Errorf("set=pt: %+v", info)
	}
	r.wantHeader(t, "Set-Cookie")
	r, info = k.locale(t, "set=", "Cookie", "wasmweb_locale=ru", "Accept-Language", "es")
	if info.Locale != "ru" || info.Set == nil || *info.Set != 0 || info.After != "es" {
		t.Errorf("set= (clear): %+v", info)
	}
	r.wantHeader(t, "Set-Cookie", "wasmweb_locale=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
}

// localeWriting: messages from a CSV and a .po file, plural forms by the
// locale's rule (three in Russian), the host's date phrases and each
// language's number format.
func localeWriting(t *testing.T, k *kit) {
	notes := func(forms ...string) map[string]string {
		return map[string]string{"0": forms[0], "1": forms[1], "2": forms[2], "5": forms[3], "21": forms[4]}
	}
	for _, tc := range []struct {
		lang string
		want LocaleInfo
	}{
		{"en", LocaleInfo{Locale: "en", After: "en", SignIn: "Sign in",
			Notes:    notes("0 notes", "1 note", "2 notes", "5 notes", "21 notes"),
			Relative: "2 minutes ago", Date: "January 5, 2024 at 3:04 PM", Day: "January 5, 2024",
			Number: "1,234,567.5", Decimal: "9.50"}},
		{"es", LocaleInfo{Locale: "es", After: "es", SignIn: "Entrar",
			Notes:    notes("0 notas", "1 nota", "2 notas", "5 notas", "21 notas"),
			Relative: "hace 2 minutos", Date: "5 de enero de 2024 a las 15:04", Day: "5 de enero de 2024",
			Number: "1.234.567,5", Decimal: "9,50"}},
		{"ru", LocaleInfo{Locale: "ru", After: "ru", SignIn: "Войти",
			Notes:    notes("0 заметок", "1 заметка", "2 заметки", "5 заметок", "21 заметка"),
			Relative: "2 minutes ago", Date: "January 5, 2024 at 15:04", Day: "January 5, 2024",
			Number: "1\u00a0234\u00a0567,5", Decimal: "9,50"}},
		{"de", LocaleInfo{Locale: "de", After: "de", SignIn: "Sign in",
			Notes:    notes("0 notes", "1 note", "2 notes", "5 notes", "21 notes"),
			Relative: "vor 2 Minuten", Date: "5. Januar 2024 um 15:04", Day: "5. Januar 2024",
			Number: "1.234.567,5", Decimal: "9,50"}},
	} {
		_, got := k.locale(t, "", "Accept-Language", tc.lang)
		equalJSON(t, tc.lang, got, tc.want)
	}
}

// localeTemplates: translate, number and date write in the request's
// locale.
func localeTemplates(t *testing.T, k *kit) {
	for lang, want := range map[string]string{
		"es": "<!DOCTYPE html><title>Entrar</title><p>3 notas, 1.234.567,5, 5 de enero de 2024</p>",
		"ru": "<!DOCTYPE html><title>Войти</title><p>3 заметки, 1\u00a0234\u00a0567,5, January 5, 2024</p>",
		"en": "<!DOCTYPE html><title>Sign in</title><p>3 notes, 1,234,567.5, January 5, 2024</p>",
	} {
		r := k.do(t, request{target: "/abi/locale?render=1", header: http.Header{"Accept-Language": {lang}}})
		r.want(t, 200)
		if got := strings.TrimSpace(string(r.body)); got != want {
			t.Errorf("%s: rendered\n%s\nwant\n%s", lang, got, want)
		}
	}
}

// rawLocale is the body of the raw-locale handler.
type rawLocale struct {
	Locale      rawOutput `json:"locale"`
	SignIn      rawOutput `json:"sign_in"`
	NotesMin    rawOutput `json:"notes_min"`
	Empty       rawOutput `json:"empty"`
	Date        rawOutput `json:"date"`
	DateOffset  rawOutput `json:"date_offset"`
	DateYear1   rawOutput `json:"date_year_1"`
	DateFlags4  int32     `json:"date_flags_4"`
	DateOffset2 int32     `json:"date_offset_2"`
	DateYear0   int32     `json:"date_year_0"`
	DateYear10k int32     `json:"date_year_10k"`
	Number      rawOutput `json:"number"`
	Number20    rawOutput `json:"number_20"`
	NumberNaN   rawOutput `json:"number_nan"`
	NumberInf   rawOutput `json:"number_inf"`
	Number21    int32     `json:"number_21"`
	NumberNeg2  int32     `json:"number_neg2"`
}

// rawLocaleOutputs: the localization functions keep the output rule, and
// arguments out of range are ERR_INVALID without failing the response.
func rawLocaleOutputs(t *testing.T, k *kit) {
	r := k.do(t, request{target: "/abi/raw-locale", header: http.Header{"Accept-Language": {"es"}}})
	r.want(t, 200)
	var got rawLocale
	r.decode(t, &got)
	want := rawLocale{
		Locale: out("es"), SignIn: out("Entrar"), NotesMin: out("-2147483648 notas"), Empty: out(""),
		Date: out("5 de enero de 2024 a las 15:04"), DateOffset: out("5 de enero de 2024"),
		DateYear1:  out("1 de enero de 1 a las 0:00"),
		DateFlags4: -2, DateOffset2: -2, DateYear0: -2, DateYear10k: -2,
		Number: out("-1.234,5"), Number20: out("1,00000000000000000000"), NumberNaN: out("NaN"), NumberInf: out("-∞"),
		Number21: -2, NumberNeg2: -2,
	}
	equalJSON(t, "raw locale", got, want)
}
