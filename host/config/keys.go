package config

import (
	"errors"
	"reflect"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// unknownKey returns the error for key, which the file name (holding src)
// sets but no field of Config takes: located at its line, written with
// the indices of the arrays of tables it lies in (site[0].route[1].plugn,
// the style of the other errors), and naming the closest key the table
// knows when one is close enough to be a misspelling of it.
func unknownKey(name string, src []byte, key toml.Key) *Error {
	line, path := keyLine(src, key)
	shown := key.String()
	if path != "" {
		shown = bracketed(path)
	}
	msg := "unknown key"
	if s := closest(key[len(key)-1], knownKeys(key[:len(key)-1])); s != "" {
		msg += "; did you mean " + s + "?"
	}
	return &Error{File: name, Line: line, Key: shown, Err: errors.New(msg)}
}

// bracketed writes a dotted path whose array indices are parts of their
// own (site.0.route.1.path) as the checks' errors do: site[0].route[1].path.
func bracketed(path string) string {
	var b strings.Builder
	for i, p := range strings.Split(path, ".") {
		if _, err := strconv.Atoi(p); err == nil && i > 0 {
			b.WriteString("[" + p + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}

// knownKeys returns the keys of the table at path (site.route, without
// indices) that Config takes, from its fields' toml tags; nil when the
// table is not one of Config's or takes any key (site.plugins).
func knownKeys(path []string) []string {
	t := reflect.TypeFor[Config]()
	for _, part := range path {
		t = table(t)
		if t == nil {
			return nil
		}
		if t.Kind() == reflect.Map { // a table of tables by name: part is a name
			t = t.Elem()
			continue
		}
		f, ok := fieldByKey(t, part)
		if !ok {
			return nil
		}
		t = f.Type
	}
	if t = table(t); t == nil || t.Kind() == reflect.Map {
		return nil
	}
	var keys []string
	for f := range t.Fields() {
		if k := tomlKey(f); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// table returns the struct type a TOML table or array of tables decodes
// into through t, or nil.
func table(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() == reflect.Map && table(t.Elem()) != nil {
		return t // names of tables, each of one struct type
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	return t
}

func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for f := range t.Fields() {
		if tomlKey(f) == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// tomlKey is the key a field decodes from, or "" for a field that none
// does.
func tomlKey(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
	if name == "-" || !f.IsExported() {
		return ""
	}
	if name == "" {
		return f.Name
	}
	return name
}

// closest returns the candidate that key most likely misspells, or "":
// the nearest by edit distance when it is at most a third of the longer
// name's length (plugn for plugin, sever for server), or else the only one
// that starts with key or that key starts with (max_body for
// max_body_bytes).
func closest(key string, candidates []string) string {
	best, bestDist := "", 0
	for _, c := range candidates {
		d := editDistance(key, c)
		if limit := max(len(key), len(c)) / 3; d > limit || d == 0 {
			continue
		}
		if best == "" || d < bestDist {
			best, bestDist = c, d
		}
	}
	if best != "" {
		return best
	}
	var prefixed []string
	for _, c := range candidates {
		if len(key) >= 3 && (strings.HasPrefix(c, key) || strings.HasPrefix(key, c)) {
			prefixed = append(prefixed, c)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, by bytes:
// keys are ASCII.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1]
			if a[i-1] != b[j-1] {
				sub++
			}
			cur[j] = min(sub, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
