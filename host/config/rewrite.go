package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// ErrRewrite: a config file could not be rewritten so that it provably
// says what was asked; the file is left as it was.
var ErrRewrite = errors.New("config: the file cannot be rewritten safely")

// RewriteSite returns src, the text of the config file named name whose
// relative paths are relative to dir, with the [[site]] table of the
// site named site replaced by table (one [[site]] table, as ParseSite
// takes it), or appended when src has no such site; with table nil,
// with that site's table removed.
//
// Everything outside the site's table is kept byte for byte, comments
// included; the table's own lines (its [site.*] sub-tables, and
// comments between them) go with it, and table brings its own. The
// result is checked before it is returned: it must parse to src's
// configuration with only that one site replaced, added or removed,
// else the error wraps ErrRewrite (a file whose layout the line scanner
// misreads, such as a multi-line string holding a table header).
func RewriteSite(name string, src []byte, dir, site string, table []byte) ([]byte, error) {
	before, err := Parse(name, src, dir)
	if err != nil {
		return nil, err
	}
	idx := -1
	for i, s := range before.Sites {
		if s.Name == site {
			idx = i
		}
	}
	var want Site
	if table != nil {
		c, err := ParseSite(name, table, dir)
		if err != nil {
			return nil, err
		}
		if c.Sites[0].Name != site {
			return nil, fmt.Errorf("%w: the table names site %q, not %q", ErrRewrite, c.Sites[0].Name, site)
		}
		want = c.Sites[0]
	}
	if idx < 0 && table == nil {
		return nil, fmt.Errorf("%w: %s has no site %q", ErrRewrite, name, site)
	}

	lines := strings.SplitAfter(string(src), "\n")
	var out strings.Builder
	if idx < 0 {
		out.Write(src)
		if len(src) > 0 && !bytes.HasSuffix(src, []byte("\n")) {
			out.WriteByte('\n')
		}
		if len(src) > 0 {
			out.WriteByte('\n')
		}
		writeTable(&out, table)
	} else {
		spans := siteSpans(lines)
		if len(spans) != len(before.Sites) {
			return nil, fmt.Errorf("%w: found %d [[site]] headers for %d sites", ErrRewrite, len(spans), len(before.Sites))
		}
		written := false
		for i := 0; i < len(lines); i++ {
			r, in := spans[idx].at(i)
			if !in {
				out.WriteString(lines[i])
				continue
			}
			if table != nil && !written {
				writeTable(&out, table)
				written = true
			}
			i = r.end - 1
		}
	}
	res := []byte(out.String())

	after, err := Parse(name, res, dir)
	if err != nil {
		return nil, fmt.Errorf("%w: the rewritten file does not parse: %v", ErrRewrite, err)
	}
	expect := append([]Site(nil), before.Sites...)
	switch {
	case table == nil:
		expect = append(expect[:idx], expect[idx+1:]...)
	case idx < 0:
		expect = append(expect, want)
	default:
		expect[idx] = want
	}
	if len(expect) == 0 {
		expect = nil
	}
	got := after.Sites
	if len(got) == 0 {
		got = nil
	}
	if !reflect.DeepEqual(got, expect) || !reflect.DeepEqual(after.Server, before.Server) || !reflect.DeepEqual(after.PubSub, before.PubSub) {
		return nil, fmt.Errorf("%w: the rewritten file would not say what was asked", ErrRewrite)
	}
	return res, nil
}

// writeTable writes table, ending it with a newline.
func writeTable(out *strings.Builder, table []byte) {
	out.Write(table)
	if len(table) > 0 && table[len(table)-1] != '\n' {
		out.WriteByte('\n')
	}
}

// lineRange is lines [start, end) of a file.
type lineRange struct{ start, end int }

// span is the lines of one [[site]] element: the [[site]] header's
// range and those of [site.*] tables that come back to it after another
// table. Each range ends after its last line that is not blank or a
// comment, so that comments above the next table stay with it.
type span []lineRange

func (s span) at(i int) (lineRange, bool) {
	for _, r := range s {
		if i >= r.start && i < r.end {
			return r, true
		}
	}
	return lineRange{}, false
}

// siteSpans finds the [[site]] elements of a config file's lines, in
// order. It follows table headers; lines inside multi-line strings are
// skipped as content, which is all the scan needs of them.
func siteSpans(lines []string) []span {
	var spans []span
	cur := -1         // the span the lines belong to; -1 outside any
	lastContent := -1 // last line of the open range that is not blank or a comment
	start := -1
	closeRange := func() {
		if cur >= 0 && start >= 0 {
			spans[cur] = append(spans[cur], lineRange{start, lastContent + 1})
		}
		start = -1
	}
	multi := "" // the delimiter of the multi-line string the scan is in
	for i, raw := range lines {
		l := strings.TrimSpace(raw)
		if multi != "" {
			if strings.Count(l, multi)%2 == 1 {
				multi = ""
			}
			lastContent = i
			continue
		}
		for _, d := range []string{`"""`, `'''`} {
			if strings.Count(l, d)%2 == 1 {
				multi = d
			}
		}
		switch {
		case l == "" || l[0] == '#':
			continue
		case l[0] == '[':
			head := l
			if j := strings.IndexByte(head, '#'); j >= 0 {
				head = strings.TrimSpace(head[:j])
			}
			double := strings.HasPrefix(head, "[[")
			path := unquoteKey(strings.Trim(head, "[] \t"))
			switch {
			case double && path == "site":
				closeRange()
				spans = append(spans, nil)
				cur, start = len(spans)-1, i
			case strings.HasPrefix(path, "site."):
				if start < 0 && cur >= 0 {
					start = i // back in the last site after another table
				}
			default:
				closeRange()
			}
		}
		if start >= 0 {
			lastContent = i
		}
	}
	closeRange()
	return spans
}
