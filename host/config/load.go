package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Error is a problem in a config file, located by file, line and key.
type Error struct {
	File string
	Line int    // 0 when unknown
	Key  string // dotted key, "" when the file does not parse
	Err  error
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if loc != "" {
		loc = " " + loc
	}
	if e.Key != "" {
		return fmt.Sprintf("config%s: key %s: %v", loc, e.Key, e.Err)
	}
	return fmt.Sprintf("config%s: %v", loc, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Load reads and checks the config file at path. Unknown keys and bad
// values are errors of type *Error.
func Load(path string) (Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return Parse(path, src, filepath.Dir(path))
}

// Parse parses src, the contents of the file named name: it decodes it,
// resolves its relative paths against dir, checks it and applies the
// defaults. Unknown keys and bad values are errors of type *Error.
func Parse(name string, src []byte, dir string) (Config, error) {
	return parse(name, src, dir, false)
}

// parse is Parse; inlineOnly refuses secrets from the environment or
// files.
func parse(name string, src []byte, dir string, inlineOnly bool) (Config, error) {
	cfg := Config{inlineOnly: inlineOnly}
	md, err := toml.Decode(string(src), &cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			line := pe.Position.Line
			if strings.Contains(pe.Message, `got '\n'`) && line > 1 {
				line-- // the parser counts the offending newline as the next line
			}
			return Config{}, &Error{File: name, Line: line, Key: pe.LastKey, Err: errors.New(pe.Message)}
		}
		if m := decodeErr.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			return Config{}, &Error{File: name, Line: line, Key: m[2], Err: errors.New(m[3])}
		}
		return Config{}, &Error{File: name, Err: err}
	}
	if keys := md.Undecoded(); len(keys) > 0 {
		return Config{}, unknownKey(name, src, keys[0])
	}
	cfg.resolvePaths(dir)
	if err := cfg.check(); err != nil {
		var ce *Error
		if errors.As(err, &ce) {
			ce.File = name
			ce.Line, _ = keyLine(src, splitKey(ce.Key))
		}
		return Config{}, err
	}
	cfg.applyDefaults()
	cfg.src = &source{name: name, text: src}
	return cfg, nil
}

// source is a config file as Parse read it, for Locate.
type source struct {
	name string
	text []byte
}

// Locate returns an error about key (such as "site[0].route[5].handler"),
// found wrong after Parse by whoever uses c: with the file, and the line
// that defines key (or its closest parent), when c came from Parse.
func (c *Config) Locate(key string, err error) *Error {
	e := &Error{Key: key, Err: err}
	if c.src != nil {
		e.File = c.src.name
		e.Line, _ = keyLine(c.src.text, splitKey(key))
	}
	return e
}

// decodeErr matches the toml package's type errors, which carry the line
// and key only in their text.
var decodeErr = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]+)"\): (.*)$`)

// resolvePaths makes the sites' relative paths (plugins, static files,
// templates, translations) relative to dir, the config file's directory.
func (c *Config) resolvePaths(dir string) {
	resolve := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) && dir != "" {
			*p = filepath.Join(dir, *p)
		}
	}
	resolve(&c.Server.DataDir)
	for i := range c.Sites {
		s := &c.Sites[i]
		resolve(&s.Static.Dir)
		resolve(&s.Templates.Dir)
		resolve(&s.Locale.Dir)
		for j := range s.Cookies.Secrets {
			s.Cookies.Secrets[j].resolvePath(dir)
		}
		for k, v := range s.Vars {
			v.resolvePath(dir)
			s.Vars[k] = v
		}
		for name, p := range s.Auth.Providers {
			p.ClientSecret.resolvePath(dir)
			s.Auth.Providers[name] = p
		}
		for name, p := range s.Plugins {
			resolve(&p)
			s.Plugins[name] = p
		}
	}
}

// BuildPlugins replaces each plugin path that names a source directory
// with the .wasm file ensure returns for it (building it when needed);
// .wasm paths stay as they are.
func (c *Config) BuildPlugins(ensure func(dir string) (string, error)) error {
	for _, site := range c.Sites {
		for name, p := range site.Plugins {
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				wasm, err := ensure(p)
				if err != nil {
					return fmt.Errorf("site %q plugin %q: %w", site.Name, name, err)
				}
				site.Plugins[name] = wasm
			}
		}
	}
	return nil
}

// splitKey splits "site[0].route[1].path" into its parts, indices as
// their own parts: site 0 route 1 path. A part may be quoted, as a
// table's name that is not a bare key: site[0].auth.providers."a b".
func splitKey(key string) []string {
	var parts []string
	for _, p := range strings.Split(key, ".") {
		for {
			i := strings.IndexByte(p, '[')
			if i < 0 {
				break
			}
			j := strings.IndexByte(p, ']')
			if j < i {
				break
			}
			if i > 0 {
				parts = append(parts, p[:i])
			}
			parts = append(parts, p[i+1:j])
			p = p[j+1:]
		}
		if p != "" {
			parts = append(parts, strings.Trim(p, `"`)) // a quoted table name
		}
	}
	return parts
}

// keyLine finds the line that defines key in src, or 0, and the key's
// path there with the indices of the arrays of tables it lies in
// (site.route.path becomes site.0.route.1.path), or "". Parts of key
// that are numbers index arrays of tables ([[site]], [[site.route]]); a
// key without them, as the toml package reports unknown keys, is found at
// its first definition. It follows table headers and dotted keys; it
// does not look inside multi-line strings.
func keyLine(src []byte, key []string) (int, string) {
	want := strings.Join(key, ".")
	counts := map[string]int{} // array-of-tables path (with indices) -> elements seen
	table := ""                // current table path, with indices
	// indexed turns a header path like site.route into site.0.route.1,
	// using the latest element of each array of tables it passes through.
	indexed := func(path string) string {
		parts := strings.Split(path, ".")
		out := ""
		for _, p := range parts {
			if out != "" {
				out += "."
			}
			out += p
			if n, ok := counts[out]; ok {
				out += "." + strconv.Itoa(n-1)
			}
		}
		return out
	}
	for i, line := range bytes.Split(src, []byte("\n")) {
		l := strings.TrimSpace(string(line))
		switch {
		case l == "" || l[0] == '#':
			continue
		case strings.HasPrefix(l, "[["):
			name := unquoteKey(strings.TrimSpace(strings.Trim(l[:strings.Index(l+"]]", "]]")], "[")))
			parent := ""
			if j := strings.LastIndexByte(name, '.'); j >= 0 {
				parent = indexed(name[:j]) + "."
				name = name[j+1:]
			}
			base := parent + name
			counts[base]++
			table = base + "." + strconv.Itoa(counts[base]-1)
			if table == want {
				return i + 1, table
			}
			if base == want || deindex(base) == want {
				return i + 1, base
			}
		case l[0] == '[':
			table = indexed(unquoteKey(strings.Trim(l[:strings.Index(l+"]", "]")+1], "[]")))
			if table == want || deindex(table) == want {
				return i + 1, table
			}
		default:
			eq := strings.IndexByte(l, '=')
			if eq < 0 {
				continue
			}
			k := unquoteKey(l[:eq])
			if table != "" {
				k = table + "." + k
			}
			if k == want || deindex(k) == want {
				return i + 1, k
			}
			if strings.HasPrefix(want, k+".") { // inside an inline table
				return i + 1, want
			}
		}
	}
	if len(key) > 1 {
		line, path := keyLine(src, key[:len(key)-1])
		if path != "" {
			path += "." + key[len(key)-1]
		}
		return line, path
	}
	return 0, ""
}

// deindex drops the array indices from a key path: site.0.route.1.x
// becomes site.route.x, the form the toml package reports unknown keys in.
func deindex(k string) string {
	parts := strings.Split(k, ".")
	out := parts[:0]
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

func unquoteKey(k string) string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

// ParseSite parses src, one [[site]] table as it is written in a config
// file, named name in errors: the admin API's body for a site. Relative
// paths are resolved against dir; the site is checked as Parse checks a
// file's. It returns a Config holding that one site, whose Locate names
// the body's lines. Any other table is an error.
func ParseSite(name string, src []byte, dir string) (Config, error) {
	var only struct {
		Site []toml.Primitive `toml:"site"`
	}
	md, err := toml.Decode(string(src), &only)
	if err == nil {
		for _, k := range md.Undecoded() {
			if len(k) > 0 && k[0] != "site" {
				line, _ := keyLine(src, k)
				return Config{}, &Error{File: name, Line: line, Key: k.String(), Err: errors.New("only a [[site]] table may be given here")}
			}
		}
	}
	cfg, err := parse(name, src, dir, true)
	if err != nil {
		return Config{}, err
	}
	if len(cfg.Sites) != 1 {
		return Config{}, &Error{File: name, Key: "site", Err: fmt.Errorf("want one [[site]] table, not %d", len(cfg.Sites))}
	}
	return cfg, nil
}
