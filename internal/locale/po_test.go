package locale

import (
	"errors"
	"strings"
	"testing"
)

const russianPO = `# Russian translations for a test site.
msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\n"
"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : "
"n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\n"

#: notes.html:3
msgid "Sign in"
msgstr "Войти"

msgid "%d note"
msgid_plural "%d notes"
msgstr[0] "%d заметка"
msgstr[1] "%d заметки"
msgstr[2] "%d заметок"

msgid ""
"Two "
"lines"
msgstr "Две\n"
"строки\t\"в кавычках\" \\ \x41\101"

#, fuzzy
msgid "Draft"
msgstr "Черновик"

msgctxt "menu"
msgid "File"
msgstr "Файл в меню"

msgid "Untranslated"
msgstr ""

#~ msgid "Old"
#~ msgstr "Старое"
`

func TestParsePO(t *testing.T) {
	c, err := parsePO([]byte(russianPO))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		msg, want string
		ok        bool
	}{
		{"Sign in", "Войти", true},
		{"Two lines", "Две\nстроки\t\"в кавычках\" \\ AA", true},
		{"Draft", "", false},        // fuzzy
		{"File", "", false},         // has a context
		{"Untranslated", "", false}, // empty msgstr
		{"Old", "", false},          // obsolete
		{"%d note", "%d заметка", true},
	} {
		got, ok := c.lookup(tc.msg)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q: got %q %v, want %q %v", tc.msg, got, ok, tc.want, tc.ok)
		}
	}
	for n, want := range map[uint64]string{1: "%d заметка", 3: "%d заметки", 5: "%d заметок", 11: "%d заметок", 21: "%d заметка", 0: "%d заметок"} {
		if got, _ := c.lookupPlural("%d note", "%d notes", n); got != want {
			t.Errorf("n=%d: %q, want %q", n, got, want)
		}
	}
	if c.size() != 3 {
		t.Errorf("%d messages, want 3", c.size())
	}
}

func TestParsePOErrors(t *testing.T) {
	header3 := "msgid \"\"\nmsgstr \"Plural-Forms: nplurals=3; plural=n%3;\\n\"\n\n"
	for _, tc := range []struct {
		name, src string
		line      int
		want      string
	}{
		{"msgstr first", "msgstr \"x\"\n", 1, "msgstr before msgid"},
		{"two msgids", "msgid \"a\"\nmsgid \"b\"\nmsgstr \"\"\n", 2, "entry at line 1 has no msgstr"},
		{"no msgstr at the end", "msgid \"a\"\nmsgstr \"b\"\n\nmsgid \"c\"\n", 4, "without msgstr"},
		{"unterminated", "msgid \"a\nmsgstr \"b\"\n", 1, "unterminated string"},
		{"bad escape", "msgid \"a\\q\"\nmsgstr \"b\"\n", 1, `unknown escape \q`},
		{"text after string", "msgid \"a\" x\nmsgstr \"b\"\n", 1, `"x" after the string`},
		{"stray string", "\n\"lost\"\n", 2, "continues nothing"},
		{"unknown keyword", "msgid \"a\"\nmsgtxt \"b\"\n", 2, `unknown keyword "msgtxt"`},
		{"no keyword", "msgid \"a\"\n= \"b\"\n", 2, "want a keyword"},
		{"plain msgstr with plural", "msgid \"a\"\nmsgid_plural \"as\"\nmsgstr \"b\"\n", 3, "want msgstr[0]"},
		{"indexed msgstr without plural", "msgid \"a\"\nmsgstr[0] \"b\"\n", 2, "want msgstr"},
		{"forms out of order", "msgid \"a\"\nmsgid_plural \"as\"\nmsgstr[0] \"b\"\nmsgstr[2] \"c\"\n", 4, "want msgstr[1]"},
		{"too few forms", header3 + "msgid \"a\"\nmsgid_plural \"as\"\nmsgstr[0] \"b\"\nmsgstr[1] \"c\"\n", 4, "2 plural forms, but Plural-Forms says nplurals=3"},
		{"duplicate", "msgid \"a\"\nmsgstr \"b\"\n\nmsgid \"a\"\nmsgstr \"c\"\n", 4, `msgid "a" again (first at line 1)`},
		{"bad plural forms", "msgid \"\"\nmsgstr \"Plural-Forms: nplurals=2; plural=n>1 ? 5 : 0;\\n\"\n", 1, "plural gives 5"},
		{"charset", "msgid \"\"\nmsgstr \"Content-Type: text/plain; charset=ISO-8859-1\\n\"\n", 1, `charset "iso-8859-1"`},
		{"invalid utf-8", "msgid \"a\"\nmsgstr \"\xff\"\n", 2, "not UTF-8"},
		{"escape to invalid utf-8", "msgid \"a\"\nmsgstr \"\\xff\"\n", 2, "invalid UTF-8"},
		{"octal past a byte", "msgid \"a\"\nmsgstr \"\\777\"\n", 2, `\777 is past`},
		{"msgid_plural after msgstr", "msgid \"a\"\nmsgstr \"b\"\nmsgid_plural \"c\"\n", 3, "msgid_plural after msgstr"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parsePO([]byte(tc.src))
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

// Without Plural-Forms a .po file has English's two forms.
func TestParsePODefaultPlural(t *testing.T) {
	c, err := parsePO([]byte("msgid \"a\"\nmsgid_plural \"as\"\nmsgstr[0] \"x\"\nmsgstr[1] \"xs\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := c.lookupPlural("a", "as", 1); got != "x" {
		t.Errorf("1: %q", got)
	}
	if got, _ := c.lookupPlural("a", "as", 2); got != "xs" {
		t.Errorf("2: %q", got)
	}
}

// FuzzParsePO: no input panics, and every error has a line within the
// input.
func FuzzParsePO(f *testing.F) {
	f.Add(russianPO)
	f.Add("msgid \"a\"\nmsgstr \"\\x4\\1\\\"\"\n")
	f.Add("msgid \"\"\nmsgstr \"Plural-Forms: nplurals=2; plural=n;\\n\"\n")
	f.Fuzz(func(t *testing.T, src string) {
		_, err := parsePO([]byte(src))
		var le *lineError
		if errors.As(err, &le) && (le.line < 1 || le.line > strings.Count(src, "\n")+1) {
			t.Fatalf("error at line %d of a %d-line input: %v", le.line, strings.Count(src, "\n")+1, err)
		}
	})
}

// size returns the number of messages.
func (c *catalog) size() int {
	return len(c.one) + len(c.forms) + len(c.singular) + len(c.plural)
}
