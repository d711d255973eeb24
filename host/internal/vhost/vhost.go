// Package vhost is a server's table of sites by host name: which site
// answers a request's Host (exact names, "*.example.com" patterns, and
// the "*" site), and which cookie domains a site owns alone (abi/ABI.md
// section 7.6). The sites themselves are its caller's: the table holds
// them as values of any comparable type.
package vhost

import (
	"fmt"
	"slices"
	"strings"
	"unsafe"
)

// Table maps host names to sites of type S. Build it with Add, then
// Sort; it is immutable after, and then safe for concurrent use.
type Table[S comparable] struct {
	exact    map[string]S // lower-case host → site
	suffixes []suffix[S]  // "*.example.com" entries, longest first
	fallback S            // the "*" site, or the zero S
}

type suffix[S comparable] struct {
	suffix string // ".example.com"
	site   S
}

// Add lists name, one of site's hosts: an exact name, "*.domain" or
// "*". It fails when another site lists the same name; nameOf names
// sites in the error.
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
		t.suffixes = append(t.suffixes, suffix[S]{name[1:], site})
	default:
		if t.exact == nil {
			t.exact = map[string]S{}
		}
		if other, ok := t.exact[name]; ok {
			return fmt.Errorf("host: sites %q and %q both claim host %q", nameOf(other), nameOf(site), name)
		}
		t.exact[name] = site
	}
	return nil
}

// Sort orders the patterns so that the most specific wins, whatever the
// config's order. Call it once every name is added.
func (t *Table[S]) Sort() {
	slices.SortStableFunc(t.suffixes, func(a, b suffix[S]) int { return len(b.suffix) - len(a.suffix) })
}

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
	within := "." + domain
	for name, site := range t.exact {
		if site != s && (name == domain || strings.HasSuffix(name, within)) {
			return false
		}
	}
	for _, hs := range t.suffixes {
		if site := hs.site; site != s && strings.HasSuffix(hs.suffix, within) {
			return false // another site's pattern at or within domain
		}
	}
	for _, hs := range t.suffixes { // longest first: the first above domain answers the rest
		if strings.HasSuffix(within, hs.suffix) {
			return hs.site == s
		}
	}
	return true
}

// listed returns the site whose hosts list name, exactly or by a "*."
// pattern, or the zero S; the "*" site lists no name.
func (t *Table[S]) listed(name string) S {
	if s, ok := t.exact[name]; ok {
		return s
	}
	for _, hs := range t.suffixes {
		if strings.HasSuffix(name, hs.suffix) {
			return hs.site
		}
	}
	var zero S
	return zero
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
