// Package vhost is a server's table of sites by host name: which site
// answers a request's Host (exact names, "*.example.com" patterns, and
// the "*" site), and which cookie domains a site owns alone (abi/ABI.md
// section 7.6). The sites themselves are its caller's: the table holds
// them as values of any comparable type.
package vhost

import (
	"fmt"
	"strings"
	"unsafe"
)

// Table maps host names to sites of type S. Build it with Add, then
// Sort; it is immutable after, and then safe for concurrent use.
//
// Every lookup costs map lookups by the name's labels, however many
// sites there are: exact names in one map, "*." patterns in another by
// their suffix, tried longest first by walking the name's dots.
type Table[S comparable] struct {
	exact    map[string]S // lower-case host → site
	suffixes map[string]S // "*.example.com" entries by suffix, ".example.com"
	fallback S            // the "*" site, or the zero S

	// within holds, for each domain with a dot before it
	// (".example.com"), the site whose names or patterns lie within it,
	// and whether more than one site's do: what OwnsCookieDomain asks.
	within map[string]owner[S]
}

type owner[S comparable] struct {
	site    S
	several bool
}

// Add lists name, one of site's hosts: an exact name, "*.domain" or
// "*". It fails when another site lists the same name or pattern;
// nameOf names sites in the error.
func (t *Table[S]) Add(name string, site S, nameOf func(S) string) error {
	var zero S
	name = strings.ToLower(name)
	switch {
	case name == "*":
		if t.fallback != zero {
			return fmt.Errorf("host: sites %q and %q both claim every host (\"*\")", nameOf(t.fallback), nameOf(site))
		}
		t.fallback = site
	case strings.HasPrefix(name, "*."):
		if t.suffixes == nil {
			t.suffixes = map[string]S{}
		}
		if other, ok := t.suffixes[name[1:]]; ok {
			return fmt.Errorf("host: sites %q and %q both claim hosts %q", nameOf(other), nameOf(site), name)
		}
		t.suffixes[name[1:]] = site
		t.addWithin(name[1:], site) // a pattern lies within its own domain
	default:
		if t.exact == nil {
			t.exact = map[string]S{}
		}
		if other, ok := t.exact[name]; ok {
			return fmt.Errorf("host: sites %q and %q both claim host %q", nameOf(other), nameOf(site), name)
		}
		t.exact[name] = site
		if i := strings.IndexByte(name, '.'); i >= 0 {
			t.addWithin(name[i:], site)
		}
	}
	return nil
}

// addWithin records that site has a name within d and each domain
// above it (d is ".b.example.com": also ".example.com", ".com").
func (t *Table[S]) addWithin(d string, site S) {
	if t.within == nil {
		t.within = map[string]owner[S]{}
	}
	for {
		o, ok := t.within[d]
		switch {
		case !ok:
			t.within[d] = owner[S]{site: site}
		case o.site != site && !o.several:
			o.several = true
			t.within[d] = o
		}
		i := strings.IndexByte(d[1:], '.')
		if i < 0 {
			return
		}
		d = d[1+i:]
	}
}

// Sort finishes the table once every name is added. Lookups need no
// order (the longest pattern wins by construction); it stays so that
// building a table reads the same as before.
func (t *Table[S]) Sort() {}

// Lookup returns the site that answers host (which may carry a port),
// or the zero S.
func (t *Table[S]) Lookup(host []byte) S {
	var zero S
	if s := t.listed(Name(host)); s != zero {
		return s
	}
	return t.fallback
}

// OwnsCookieDomain reports whether a cookie for domain, set by site s in
// reply to a request for reqHost, reaches s alone: domain is reqHost or
// a name s lists, no other site lists domain or a name within it, and
// the "*." pattern that answers the other names within it, if any, is
// s's. Names that only the "*" site answers are not counted: they reach
// this server because whoever holds domain's DNS sends them here.
func (t *Table[S]) OwnsCookieDomain(s S, reqHost, domain string) bool {
	if domain != reqHost && t.listed(domain) != s {
		return false
	}
	if other, ok := t.exact[domain]; ok && other != s {
		return false
	}
	within := "." + domain
	if o, ok := t.within[within]; ok && (o.several || o.site != s) {
		return false // another site's name or pattern at or within domain
	}
	if site, ok := t.longestSuffix(within); ok { // the pattern above domain answers the rest
		return site == s
	}
	return true
}

// listed returns the site whose hosts list name, exactly or by a "*."
// pattern, or the zero S; the "*" site lists no name.
func (t *Table[S]) listed(name string) S {
	if s, ok := t.exact[name]; ok {
		return s
	}
	s, _ := t.longestSuffix(name)
	return s
}

// longestSuffix returns the site of the longest "*." pattern whose
// suffix name ends with, trying each of name's dots from the left.
func (t *Table[S]) longestSuffix(name string) (S, bool) {
	if len(t.suffixes) > 0 {
		for i := 0; i < len(name); i++ {
			if name[i] != '.' {
				continue
			}
			if s, ok := t.suffixes[name[i:]]; ok {
				return s, true
			}
		}
	}
	var zero S
	return zero, false
}

// Name returns the host name of a Host header's value: without its
// port, lower-cased. It does not allocate when the name is already
// lower-case, and then the result is a view of b, valid while b is.
func Name(b []byte) string {
	if len(b) > 0 && b[0] == '[' {
		if i := strings.IndexByte(string(b), ']'); i > 0 {
			b = b[:i+1]
		}
	} else if i := lastColon(b); i >= 0 {
		b = b[:i]
	}
	for _, c := range b {
		if 'A' <= c && c <= 'Z' {
			return strings.ToLower(string(b))
		}
	}
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

func lastColon(b []byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == ':' {
			return i
		}
	}
	return -1
}
