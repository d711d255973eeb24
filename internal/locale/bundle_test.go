package locale

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

const polishPO = `msgid ""
msgstr "Plural-Forms: nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\n"

msgid "%d note"
msgid_plural "%d notes"
msgstr[0] "%d notatka"
msgstr[1] "%d notatki"
msgstr[2] "%d notatek"
`

// siteDir writes a translations directory with files name, text, ...
func siteDir(t *testing.T, files ...string) string {
	t.Helper()
	dir := t.TempDir()
	for i := 0; i+1 < len(files); i += 2 {
		if err := os.WriteFile(filepath.Join(dir, files[i]), []byte(files[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func testBundle(t *testing.T) *Bundle {
	t.Helper()
	dir := siteDir(t,
		"es.csv", spanishCSV,
		"ru.po", russianPO,
		"pl.po", polishPO,
		"pt_BR.csv", "\"Sign in\",\"Entrar (BR)\"\n",
		"README.txt", "not a translations file",
	)
	os.Mkdir(filepath.Join(dir, "de.po"), 0o755) // a directory is not a file
	b, err := Load(Basic, dir, "en")
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
}

func TestTranslate(t *testing.T) {
	b := testBundle(t)
	loc := func(code string) *Locale {
		l, ok := b.Locale(code)
		if !ok {
			t.Fatalf("no locale %s", code)
		}
		return l
	}
	for _, tc := range []struct {
		code, msg, plural string
		n                 int
		want              string
	}{
		{"es", "Sign in", "", 0, "Entrar"},
		{"pt-BR", "Sign in", "", 0, "Entrar (BR)"},
		{"ru", "Sign in", "", 0, "Войти"},
		{"en", "Sign in", "", 0, "Sign in"},
		{"es", "Not translated", "", 0, "Not translated"},
		{"es", "yesterday", "", 0, "ayer"}, // a built-in phrase
		{"es", "%d note", "%d notes", 1, "1 nota"},
		{"es", "%d note", "%d notes", 0, "0 notas"},
		{"es", "%d note", "%d notes", 7, "7 notas"},
		{"es", "%d note", "%d notes", -1, "-1 nota"},
		{"ru", "%d note", "%d notes", 1, "1 заметка"},
		{"ru", "%d note", "%d notes", 3, "3 заметки"},
		{"ru", "%d note", "%d notes", 5, "5 заметок"},
		{"ru", "%d note", "%d notes", 21, "21 заметка"},
		{"pl", "%d note", "%d notes", 1, "1 notatka"},
		{"pl", "%d note", "%d notes", 22, "22 notatki"},
		{"pl", "%d note", "%d notes", 25, "25 notatek"},
		{"pl", "%d note", "%d notes", 21, "21 notatek"},
		{"en", "%d note", "%d notes", 1, "1 note"},
		{"en", "%d note", "%d notes", 2, "2 notes"},
		{"pl", "%d apple", "%d apples", 2, "2 apples"}, // untranslated: English's rule
		{"en", "one item", "%d items", 1, "one item"},
		{"en", "%d%% of %d", "%d%% of %d", 3, "3%% of 3"}, // only %d is replaced
		{"en", "%d", "%d", -2147483648, "-2147483648"},
	} {
		l := loc(tc.code)
		var got string
		if tc.plural == "" {
			got = l.Translate(tc.msg)
		} else {
			got = l.TranslatePlural(tc.msg, tc.plural, tc.n)
		}
		if got != tc.want {
			t.Errorf("%s %q/%q n=%d: %q, want %q", tc.code, tc.msg, tc.plural, tc.n, got, tc.want)
		}
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
			// And again, from the cache.
			if got := b.Choose(tc.cookie, tc.accept).Code(); got != tc.want {
				t.Errorf("second Choose(%q, %q) = %s, want %s", tc.cookie, tc.accept, got, tc.want)
			}
		})
	}
}

// The cache of Accept-Language values stays bounded.
func TestChooseCacheBounded(t *testing.T) {
	b := testBundle(t)
	for i := range maxAcceptCache + 100 {
		b.Choose("", "es;q=0."+strings.Repeat("1", i%3+1)+", x-"+string(rune('a'+i%26))+strings.Repeat("b", i/26%8+1)+";q=0.1"+strings.Repeat(" ", i/200))
	}
	if n := b.nAccepted.Load(); n > maxAcceptCache {
		t.Errorf("%d cached values, more than %d", n, maxAcceptCache)
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files []string
		def   string
		want  string
	}{
		{"po error names file and line", []string{"ru.po", "msgid \"a\"\nmsgstr \"b\"\nmsgstr \"c\"\n"}, "en", "ru.po:3: a second msgstr"},
		{"csv error names file and line", []string{"es.csv", "\"a\",\"b\"\n\"c\"\n"}, "en", "es.csv:2: 1 fields"},
		{"two files for one locale", []string{"es.csv", "", "es.po", ""}, "en", "both translate es"},
		{"two spellings of one locale", []string{"pt_BR.csv", "", "pt-BR.csv", ""}, "en", "both translate pt-BR"},
		{"a name that is no locale", []string{"notes.csv", ""}, "en", "notes.csv: the name is not a locale code"},
		{"a bad default", nil, "!!", `default "!!"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := siteDir(t, tc.files...)
			_, err := Load(Basic, dir, tc.def)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := Load(Basic, filepath.Join(t.TempDir(), "nope"), "en"); err == nil {
		t.Error("a missing directory loaded")
	}
}

// With no directory, the site speaks its default locale only, with the
// host's phrases.
func TestLoadNoDir(t *testing.T) {
	b, err := Load(Basic, "", "es")
	if err != nil {
		t.Fatal(err)
	}
	if got := b.Choose("", "fr, en").Code(); got != "es" {
		t.Errorf("chose %s", got)
	}
	if got := b.Default().Translate("yesterday"); got != "ayer" {
		t.Errorf("yesterday in es: %q", got)
	}
}

// A Dir loads again when a file changes; a broken file keeps the
// previous translations and is reported once.
func TestDirReload(t *testing.T) {
	dir := siteDir(t, "es.csv", "\"Sign in\",\"Entrar\"\n")
	var mu sync.Mutex
	var reported []error
	d, err := Open(Basic, dir, "en", func(err error) { mu.Lock(); reported = append(reported, err); mu.Unlock() })
	if err != nil {
		t.Fatal(err)
	}
	tr := func() string {
		d.checked.Store(0) // as if a second had passed
		l, _ := d.Bundle().Locale("es")
		return l.Translate("Sign in")
	}
	if got := tr(); got != "Entrar" {
		t.Fatalf("%q", got)
	}
	os.WriteFile(filepath.Join(dir, "es.csv"), []byte("\"Sign in\",\"Iniciar sesión\"\n"), 0o644)
	if got := tr(); got != "Iniciar sesión" {
		t.Fatalf("after the change: %q", got)
	}
	os.WriteFile(filepath.Join(dir, "es.csv"), []byte("\"Sign in\"\n"), 0o644)
	if got := tr(); got != "Iniciar sesión" {
		t.Fatalf("after a broken change: %q", got)
	}
	tr()
	mu.Lock()
	if len(reported) != 1 || !strings.Contains(reported[0].Error(), "es.csv:1") {
		t.Errorf("reported %v, want one error naming es.csv:1", reported)
	}
	mu.Unlock()
	os.WriteFile(filepath.Join(dir, "fr.csv"), []byte("\"Sign in\",\"Se connecter\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "es.csv"), []byte("\"Sign in\",\"Entrar\"\n"), 0o644)
	tr()
	if l, ok := d.Bundle().Locale("fr"); !ok || l.Translate("Sign in") != "Se connecter" {
		t.Error("a new file was not loaded")
	}
}

// Bundle is called from every request; one goroutine reloads while the
// others keep the Bundle they have.
func TestDirHammer(t *testing.T) {
	dir := siteDir(t, "es.csv", "\"a\",\"b\"\n")
	d, err := Open(Basic, dir, "en", nil)
	if err != nil {
		t.Fatal(err)
	}
	d.period = 0
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				if g == 0 && i%20 == 0 {
					// Replaced whole, as an editor saves, so that no load sees
					// a half-written file.
					tmp := filepath.Join(dir, "es.csv.tmp")
					os.WriteFile(tmp, []byte("\"a\",\"b"+strings.Repeat("!", i)+"\"\n"), 0o644)
					os.Rename(tmp, filepath.Join(dir, "es.csv"))
				}
				l := d.Bundle().Choose("", "es")
				if !strings.HasPrefix(l.Translate("a"), "b") {
					t.Errorf("translation %q", l.Translate("a"))
					return
				}
			}
		})
	}
	wg.Wait()
}

func FuzzChoose(f *testing.F) {
	dir := f.TempDir()
	os.WriteFile(filepath.Join(dir, "es.csv"), []byte("\"a\",\"b\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "pt_BR.csv"), []byte("\"a\",\"c\"\n"), 0o644)
	b, err := Load(Basic, dir, "en")
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
