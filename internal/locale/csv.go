package locale

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// parseCSV reads a translations file in Tornado's CSV layout: rows of
// message and translation, with an optional third column "singular" or
// "plural" (or "unknown", or empty, for neither). Fields are trimmed; a
// row with an empty translation is left out. Errors are *lineError, whose
// line is the row's.
func parseCSV(src []byte) (*catalog, error) {
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	r := csv.NewReader(bytes.NewReader(src))
	r.FieldsPerRecord = -1
	c := newCatalog(englishRule)
	first := map[string]int{} // "kind\x00message" -> line
	for {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &lineError{pe.Line, pe.Err.Error()}
			}
			return nil, err
		}
		line, _ := r.FieldPos(0)
		if len(row) < 2 || len(row) > 3 {
			return nil, &lineError{line, fmt.Sprintf("%d fields: want message, translation and an optional \"singular\" or \"plural\"", len(row))}
		}
		for i := range row {
			if !utf8.ValidString(row[i]) {
				return nil, &lineError{line, "not UTF-8"}
			}
			row[i] = strings.TrimSpace(row[i])
		}
		msg, tr, kind := row[0], row[1], ""
		if len(row) == 3 {
			kind = row[2]
		}
		var m map[string]string
		if kind == "unknown" {
			kind = ""
		}
		switch kind {
		case "":
			m = c.one
		case "singular":
			m = c.singular
		case "plural":
			m = c.plural
		default:
			return nil, &lineError{line, fmt.Sprintf("third field %q: want \"singular\", \"plural\" or nothing", kind)}
		}
		key := kind + "\x00" + msg
		if l, dup := first[key]; dup {
			return nil, &lineError{line, fmt.Sprintf("message %q again (first at line %d)", msg, l)}
		}
		first[key] = line
		if tr != "" {
			m[msg] = tr
		}
	}
}
