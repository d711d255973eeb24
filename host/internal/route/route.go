// Package route owns a site's routes: their patterns ("/posts/{id}",
// "/static/{path...}"), which it parses and matches request paths
// against, capturing path parameters, and what each route names (its
// methods, plugin and handler, its checks, and its counts). It calls no
// guest: the host dispatches a matched request.
package route

import (
	"fmt"
	"net/url"
	"strings"
)

// Pattern is a parsed route pattern. Immutable.
type Pattern struct {
	text string
	segs []segment
}

// Param is a path parameter a pattern captured, percent-decoded.
type Param struct{ Name, Value string }

// String returns the pattern as written.
func (p Pattern) String() string { return p.text }

// segment is one path segment of a pattern: a literal, a {name} that
// matches one segment, or a {name...} that matches the rest.
type segment struct {
	literal string
	param   string
	rest    bool
}

// Parse parses a route pattern such as "/posts/{id}" or
// "/static/{path...}".
func Parse(p string) (Pattern, error) {
	segs, err := parse(p)
	if err != nil {
		return Pattern{}, err
	}
	return Pattern{text: p, segs: segs}, nil
}

func parse(p string) ([]segment, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, fmt.Errorf("pattern %q must start with /", p)
	}
	if p == "/" {
		return nil, nil
	}
	parts := strings.Split(p[1:], "/")
	segs := make([]segment, 0, len(parts))
	seen := map[string]bool{}
	for i, part := range parts {
		if !strings.HasPrefix(part, "{") {
			if strings.ContainsAny(part, "{}") {
				return nil, fmt.Errorf("pattern %q: segment %q mixes text and a {parameter}", p, part)
			}
			segs = append(segs, segment{literal: part})
			continue
		}
		if !strings.HasSuffix(part, "}") {
			return nil, fmt.Errorf("pattern %q: unclosed { in %q", p, part)
		}
		name := part[1 : len(part)-1]
		rest := strings.HasSuffix(name, "...")
		name = strings.TrimSuffix(name, "...")
		if rest && i != len(parts)-1 {
			return nil, fmt.Errorf("pattern %q: {%s...} must be the last segment", p, name)
		}
		if name == "" || strings.ContainsAny(name, "{}./") {
			return nil, fmt.Errorf("pattern %q: bad parameter name %q", p, name)
		}
		if seen[name] {
			return nil, fmt.Errorf("pattern %q: parameter %q appears twice", p, name)
		}
		seen[name] = true
		segs = append(segs, segment{param: name, rest: rest})
	}
	return segs, nil
}

// Match matches a request path against the pattern, appending the
// parameters it captures to params. A parameter with a bad
// percent-escape fails the match with bad=true.
func (r Pattern) Match(path string, params []Param) (_ []Param, ok, bad bool) {
	if !strings.HasPrefix(path, "/") {
		return params, false, false
	}
	if len(r.segs) == 0 {
		return params, path == "/", false
	}
	rest := path[1:]
	for i, s := range r.segs {
		if s.rest {
			v, err := url.PathUnescape(rest)
			if err != nil {
				return params, false, true
			}
			return append(params, Param{s.param, v}), true, false
		}
		seg, more := rest, false
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			seg, rest, more = rest[:j], rest[j+1:], true
		} else {
			rest = ""
		}
		last := i == len(r.segs)-1
		if last == more {
			return params, false, false // the path is longer or shorter than the pattern
		}
		if s.param == "" {
			if seg != s.literal {
				return params, false, false
			}
			continue
		}
		if seg == "" {
			return params, false, false
		}
		v, err := url.PathUnescape(seg)
		if err != nil {
			return params, false, true
		}
		params = append(params, Param{s.param, v})
	}
	return params, true, false
}

// Route is one configured route of a site. Immutable once the site is
// built; safe for concurrent use.
type Route struct {
	Pattern Pattern
	Methods map[string]bool // nil: any method
	Allow   string          // the Allow header of a 405: Methods, sorted
	Plugin  string
	Handler string // the name the plugin registered the handler under
	Key     string // the route's config key, such as "site[0].route[5]", for logs
	ID      int32  // the route's number among its plugin's routes, from 0, passed to wasmweb_handle or wasmweb_serve
	Auth    bool   // auth = "required": no signed-in user, no call
	NoXSRF  bool   // xsrf = false: exempt from the site's XSRF check
	Answers Counter
}

// Counter counts a route's answers by status code.
type Counter interface{ Count(status int) }
