package locale

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A poEntry is one message of a .po file as written.
type poEntry struct {
	line       int // of its first keyword
	fuzzy      bool
	hasCtx     bool
	id, plural string
	hasID      bool
	hasPlural  bool
	str        []string // msgstr, or msgstr[0..]
	strLine    []int
	hasStr     bool // plain msgstr seen
	hasStrN    bool // msgstr[N] seen
}

// lineError is a problem at a line of a translations file; loading adds
// the file's name.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return strconv.Itoa(e.line) + ": " + e.msg }

// parsePO reads a gettext .po file into a catalog: entries without a
// translation, marked fuzzy or with a msgctxt are left out, as msgfmt
// leaves them out of what programs see. Errors are *lineError.
func parsePO(src []byte) (*catalog, error) {
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	var entries []*poEntry
	var cur *poEntry
	fuzzyNext := false
	// target is where continuation strings go.
	var target *string
	perr := func(line int, format string, args ...any) error {
		return &lineError{line, fmt.Sprintf(format, args...)}
	}
	start := func(line int) {
		if cur != nil {
			entries = append(entries, cur)
		}
		cur = &poEntry{line: line, fuzzy: fuzzyNext}
		fuzzyNext = false
	}
	lines := bytes.Split(src, []byte("\n"))
	for i, raw := range lines {
		ln := i + 1
		if !utf8.Valid(raw) {
			return nil, perr(ln, "not UTF-8")
		}
		l := strings.TrimSpace(string(raw))
		switch {
		case l == "":
			target = nil
			continue
		case strings.HasPrefix(l, "#"):
			if strings.HasPrefix(l, "#,") {
				for _, f := range strings.Split(l[2:], ",") {
					if strings.TrimSpace(f) == "fuzzy" {
						fuzzyNext = true
					}
				}
			}
			target = nil // #~ obsolete entries and other comments
			continue
		case l[0] == '"':
			if target == nil {
				return nil, perr(ln, "a string that continues nothing")
			}
			s, err := poString(l)
			if err != nil {
				return nil, perr(ln, "%v", err)
			}
			*target += s
			continue
		}
		k := 0
		for k < len(l) && (l[k] == '_' || l[k] == '[' || l[k] == ']' || 'a' <= l[k] && l[k] <= 'z' || '0' <= l[k] && l[k] <= '9') {
			k++
		}
		kw, rest := l[:k], strings.TrimSpace(l[k:])
		if kw == "" {
			return nil, perr(ln, "want a keyword (msgid, msgstr, ...), a string or a comment")
		}
		s, err := poString(rest)
		if err != nil {
			return nil, perr(ln, "%s: %v", kw, err)
		}
		switch {
		case kw == "msgctxt":
			if cur == nil || cur.hasID {
				if cur != nil && !cur.hasStr && !cur.hasStrN {
					return nil, perr(ln, "msgctxt, but the entry at line %d has no msgstr", cur.line)
				}
				start(ln)
			} else if cur.hasCtx {
				return nil, perr(ln, "a second msgctxt")
			}
			cur.hasCtx = true
			target = new(string) // the context is not kept
			*target = s
		case kw == "msgid":
			if cur == nil || cur.hasID {
				if cur != nil && !cur.hasStr && !cur.hasStrN {
					return nil, perr(ln, "msgid, but the entry at line %d has no msgstr", cur.line)
				}
				start(ln)
			}
			cur.hasID, cur.id = true, s
			target = &cur.id
		case kw == "msgid_plural":
			switch {
			case cur == nil || !cur.hasID:
				return nil, perr(ln, "msgid_plural before msgid")
			case cur.hasPlural:
				return nil, perr(ln, "a second msgid_plural")
			case cur.hasStr || cur.hasStrN:
				return nil, perr(ln, "msgid_plural after msgstr")
			}
			cur.hasPlural, cur.plural = true, s
			target = &cur.plural
		case kw == "msgstr":
			switch {
			case cur == nil || !cur.hasID:
				return nil, perr(ln, "msgstr before msgid")
			case cur.hasStr || cur.hasStrN:
				return nil, perr(ln, "a second msgstr")
			case cur.hasPlural:
				return nil, perr(ln, "msgstr in an entry with msgid_plural: want msgstr[0], msgstr[1], ...")
			}
			cur.hasStr = true
			cur.str, cur.strLine = []string{s}, []int{ln}
			target = &cur.str[0]
		case strings.HasPrefix(kw, "msgstr[") && strings.HasSuffix(kw, "]"):
			n, err := strconv.Atoi(kw[len("msgstr[") : len(kw)-1])
			switch {
			case cur == nil || !cur.hasID:
				return nil, perr(ln, "%s before msgid", kw)
			case !cur.hasPlural:
				return nil, perr(ln, "%s in an entry without msgid_plural: want msgstr", kw)
			case cur.hasStr:
				return nil, perr(ln, "%s after msgstr", kw)
			case err != nil || n != len(cur.str):
				return nil, perr(ln, "%s out of order: want msgstr[%d]", kw, len(cur.str))
			case n >= maxPluralForms:
				return nil, perr(ln, "%s: more than %d forms", kw, maxPluralForms)
			}
			cur.hasStrN = true
			cur.str, cur.strLine = append(cur.str, s), append(cur.strLine, ln)
			target = &cur.str[n]
		default:
			return nil, perr(ln, "unknown keyword %q", kw)
		}
	}
	if cur != nil {
		entries = append(entries, cur)
	}
	return buildPO(entries)
}

// buildPO checks the entries against each other and the header's
// Plural-Forms, and makes the catalog.
func buildPO(entries []*poEntry) (*catalog, error) {
	rule, nplurals := pluralRule(englishRule), 2
	seen := map[string]int{}
	for _, e := range entries {
		if !e.hasStr && !e.hasStrN {
			return nil, &lineError{e.line, "an entry without msgstr"}
		}
		if e.hasCtx || e.id != "" {
			continue
		}
		if _, dup := seen[""]; dup {
			return nil, &lineError{e.line, fmt.Sprintf("a second header (the first is at line %d)", seen[""])}
		}
		seen[""] = e.line
		for _, h := range strings.Split(e.str[0], "\n") {
			name, v, ok := strings.Cut(h, ":")
			if !ok {
				continue
			}
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "plural-forms":
				r, n, err := parsePluralForms(v)
				if err != nil {
					return nil, &lineError{e.line, err.Error()}
				}
				rule, nplurals = r, n
			case "content-type":
				if _, cs, ok := strings.Cut(strings.ToLower(v), "charset="); ok {
					cs = strings.TrimSpace(cs)
					if cs != "utf-8" && cs != "utf8" && cs != "us-ascii" && cs != "ascii" {
						return nil, &lineError{e.line, fmt.Sprintf("charset %q: only UTF-8 is read", cs)}
					}
				}
			}
		}
	}
	c := newCatalog(rule)
	for _, e := range entries {
		if e.hasCtx || e.id == "" {
			continue
		}
		if first, dup := seen[e.id]; dup {
			return nil, &lineError{e.line, fmt.Sprintf("msgid %q again (first at line %d)", e.id, first)}
		}
		seen[e.id] = e.line
		if e.hasPlural && len(e.str) != nplurals {
			return nil, &lineError{e.line, fmt.Sprintf("%d plural forms, but Plural-Forms says nplurals=%d", len(e.str), nplurals)}
		}
		if e.fuzzy {
			continue
		}
		switch {
		case e.hasPlural:
			if !allEmpty(e.str) {
				c.forms[e.id] = e.str
			}
		case e.str[0] != "":
			c.one[e.id] = e.str[0]
		}
	}
	return c, nil
}

func allEmpty(ss []string) bool {
	for _, s := range ss {
		if s != "" {
			return false
		}
	}
	return true
}

// poString decodes a quoted .po string with C escapes; only whitespace
// may follow its closing quote.
func poString(s string) (string, error) {
	if len(s) == 0 || s[0] != '"' {
		return "", errors.New("want a quoted string")
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			if rest := strings.TrimSpace(s[i+1:]); rest != "" {
				return "", fmt.Errorf("%q after the string", rest)
			}
			if !utf8.ValidString(b.String()) {
				return "", errors.New("escapes make the string invalid UTF-8")
			}
			return b.String(), nil
		case '\\':
			i++
			if i >= len(s) {
				return "", errors.New("unterminated string")
			}
			switch e := s[i]; e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'a':
				b.WriteByte('\a')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'v':
				b.WriteByte('\v')
			case '\\', '"', '\'', '?':
				b.WriteByte(e)
			case 'x':
				j := i + 1
				for j < len(s) && j < i+3 && isHex(s[j]) {
					j++
				}
				if j == i+1 {
					return "", errors.New(`\x without hex digits`)
				}
				v, _ := strconv.ParseUint(s[i+1:j], 16, 8)
				b.WriteByte(byte(v))
				i = j - 1
			case '0', '1', '2', '3', '4', '5', '6', '7':
				j := i
				for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
					j++
				}
				v, _ := strconv.ParseUint(s[i:j], 8, 16)
				if v > 0xff {
					return "", fmt.Errorf(`\%s is past \377`, s[i:j])
				}
				b.WriteByte(byte(v))
				i = j - 1
			default:
				return "", fmt.Errorf(`unknown escape \%c`, e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", errors.New("unterminated string")
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
