package main

import (
	"html"
	"strings"
)

// linkify escapes text for HTML and makes each http or https URL in it a
// link, as Tornado's linkify does for those schemes. A URL runs from its
// scheme to the first space, control character, quote or angle bracket;
// trailing punctuation, and a closing parenthesis with no opening one in
// the URL, are left out of it, so that "(see http://x.org/a)." links
// "http://x.org/a".
func linkify(text string) string {
	var b strings.Builder
	for {
		start, end := nextURL(text)
		if start < 0 {
			b.WriteString(html.EscapeString(text))
			return b.String()
		}
		u := html.EscapeString(text[start:end])
		b.WriteString(html.EscapeString(text[:start]))
		b.WriteString(`<a href="` + u + `">` + u + `</a>`)
		text = text[end:]
	}
}

// nextURL returns the bounds of the first URL in text, or -1, -1.
func nextURL(text string) (start, end int) {
	for from := 0; from < len(text); {
		i := indexScheme(text[from:])
		if i < 0 {
			return -1, -1
		}
		start = from + i
		rest := start + strings.Index(text[start:], "://") + len("://")
		end = rest
		for end < len(text) && urlByte(text[end]) {
			end++
		}
		end = trimURL(text, rest, end)
		// A scheme inside a word ("xhttp://") or with nothing after it is
		// no URL.
		if end > rest && (start == 0 || !wordByte(text[start-1])) {
			return start, end
		}
		from = rest
	}
	return -1, -1
}

// indexScheme returns the index of the first "http://" or "https://" in s,
// in any case, or -1.
func indexScheme(s string) int {
	lower := asciiLower(s) // not strings.ToLower, which can change byte offsets
	i, j := strings.Index(lower, "http://"), strings.Index(lower, "https://")
	switch {
	case i < 0:
		return j
	case j < 0:
		return i
	}
	return min(i, j)
}

// asciiLower lower-cases the ASCII letters of s alone, keeping its length.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// urlByte reports whether c can be part of a URL in text.
func urlByte(c byte) bool {
	return c > ' ' && c != 0x7f && !strings.ContainsRune(`"'<>`+"`", rune(c))
}

func wordByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
}

// trimURL drops trailing punctuation from text[:end], and a closing
// parenthesis that opens nowhere in text[rest:end], but never goes below
// rest.
func trimURL(text string, rest, end int) int {
	for end > rest {
		switch c := text[end-1]; {
		case strings.IndexByte(".,;:!?", c) >= 0:
			end--
		case c == ')' && strings.Count(text[rest:end], "(") < strings.Count(text[rest:end], ")"):
			end--
		default:
			return end
		}
	}
	return end
}
