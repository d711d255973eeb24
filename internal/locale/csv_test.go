package locale

import (
	"errors"
	"strings"
	"testing"
)

const spanishCSV = "\ufeff" + `"Sign in","Entrar"
"%d note","%d nota","singular"
"%d notes","%d notas","plural"
"  Padded ","  Con espacios "
"Unknown kind","Tipo desconocido","unknown"
"Quote ""and"" comma, here","Comillas ""y"" coma, aquí"
"Multi
line","Varias
líneas"
"Empty",""
`

func TestParseCSV(t *testing.T) {
	c, err := parseCSV([]byte(spanishCSV))
	if err != nil {
		t.Fatal(err)
	}
	for msg, want := range map[string]string{
		"Sign in":                 "Entrar",
		"Padded":                  "Con espacios",
		"Unknown kind":            "Tipo desconocido",
		`Quote "and" comma, here`: `Comillas "y" coma, aquí`,
		"Multi\nline":             "Varias\nlíneas",
		"%d note":                 "%d nota",
	} {
		if got, ok := c.lookup(msg); !ok || got != want {
			t.Errorf("%q: %q %v, want %q", msg, got, ok, want)
		}
	}
	if _, ok := c.lookup("Empty"); ok {
		t.Error("an empty translation is a translation")
	}
	// Tornado's rule: the plural row when the count is not 1.
	for n, want := range map[uint64]string{0: "%d notas", 1: "%d nota", 2: "%d notas"} {
		if got, _ := c.lookupPlural("%d note", "%d notes", n); got != want {
			t.Errorf("n=%d: %q, want %q", n, got, want)
		}
	}
}

func TestParseCSVErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		line      int
		want      string
	}{
		{"one field", "\"a\",\"b\"\n\"lonely\"\n", 2, "1 fields"},
		{"four fields", "\"a\",\"b\",\"plural\",\"x\"\n", 1, "4 fields"},
		{"bad kind", "\"a\",\"b\"\n\"c\",\"d\",\"dual\"\n", 2, `third field "dual"`},
		{"bare quote", "\"a\",\"b\"\n\"c\",d\"e\n", 2, "bare \""},
		{"duplicate", "\"a\",\"b\"\n\"a\",\"c\",\"unknown\"\n", 2, `message "a" again (first at line 1)`},
		{"invalid utf-8", "\"a\",\"\xff\"\n", 1, "not UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseCSV([]byte(tc.src))
			var le *lineError
			if !errors.As(err, &le) {
				t.Fatalf("error %v, want a lineError", err)
			}
			if le.line != tc.line || !strings.Contains(le.msg, tc.want) {
				t.Errorf("error at line %d: %s; want line %d and %q", le.line, le.msg, tc.line, tc.want)
			}
		})
	}
}

// FuzzParseCSV: no input panics.
func FuzzParseCSV(f *testing.F) {
	f.Add(spanishCSV)
	f.Add("\"a\",\"b\",\"plural\"\n\"a\n")
	f.Fuzz(func(t *testing.T, src string) {
		c, err := parseCSV([]byte(src))
		if err == nil {
			c.lookupPlural("a", "b", 2)
		}
	})
}
