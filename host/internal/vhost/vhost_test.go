package vhost

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// refTable is the table as it was before lookups went by map: exact
// names in a map, patterns in a list scanned longest first. The
// differential test holds Table to its answers.
type refTable struct {
	exact    map[string]string
	suffixes []refSuffix
	fallback string
}

type refSuffix struct{ suffix, site string }

func (t *refTable) add(name, site string) {
	name = strings.ToLower(name)
	switch {
	case name == "*":
		t.fallback = site
	case strings.HasPrefix(name, "*."):
		t.suffixes = append(t.suffixes, refSuffix{name[1:], site})
	default:
		if t.exact == nil {
			t.exact = map[string]string{}
		}
		t.exact[name] = site
	}
}

func (t *refTable) sort() {
	slices.SortStableFunc(t.suffixes, func(a, b refSuffix) int { return len(b.suffix) - len(a.suffix) })
}

func (t *refTable) listed(name string) string {
	if s, ok := t.exact[name]; ok {
		return s
	}
	for _, hs := range t.suffixes {
		if strings.HasSuffix(name, hs.suffix) {
			return hs.site
		}
	}
	return ""
}

func (t *refTable) lookup(host string) string {
	if s := t.listed(Name([]byte(host))); s != "" {
		return s
	}
	return t.fallback
}

func (t *refTable) ownsCookieDomain(s, reqHost, domain string) bool {
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
			return false
		}
	}
	for _, hs := range t.suffixes {
		if strings.HasSuffix(within, hs.suffix) {
			return hs.site == s
		}
	}
	return true
}

func name(s string) string { return s }

// TestDifferential builds random tables of names from a few labels and
// compares every lookup and cookie-domain answer with refTable's.
func TestDifferential(t *testing.T) {
	labels := []string{"a", "b", "example", "com", "x", "EXAMPLE"}
	rnd := rand.New(rand.NewPCG(1, 2))
	randName := func() string {
		n := 1 + rnd.IntN(4)
		parts := make([]string, n)
		for i := range parts {
			parts[i] = labels[rnd.IntN(len(labels))]
		}
		return strings.Join(parts, ".")
	}
	sites := []string{"s0", "s1", "s2", "s3"}
	for round := range 2000 {
		var tab Table[string]
		ref := &refTable{}
		taken := map[string]bool{}
		for range 1 + rnd.IntN(8) {
			site := sites[rnd.IntN(len(sites))]
			h := randName()
			switch rnd.IntN(4) {
			case 0:
				h = "*." + h
			case 1:
				if rnd.IntN(4) == 0 {
					h = "*"
				}
			}
			if taken[strings.ToLower(h)] {
				if tab.Add(h, site, name) == nil {
					t.Fatalf("round %d: %q added twice", round, h)
				}
				continue
			}
			taken[strings.ToLower(h)] = true
			if err := tab.Add(h, site, name); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			ref.add(h, site)
		}
		tab.Sort()
		ref.sort()
		for range 20 {
			host := randName()
			if rnd.IntN(3) == 0 {
				host += ":8080"
			}
			if got, want := tab.Lookup([]byte(host)), ref.lookup(host); got != want {
				t.Fatalf("round %d: Lookup(%q) = %q, want %q", round, host, got, want)
			}
			s, req, dom := sites[rnd.IntN(len(sites))], strings.ToLower(randName()), strings.ToLower(randName())
			if rnd.IntN(2) == 0 {
				dom = req
			}
			if got, want := tab.OwnsCookieDomain(s, req, dom), ref.ownsCookieDomain(s, req, dom); got != want {
				t.Fatalf("round %d: OwnsCookieDomain(%q, %q, %q) = %v, want %v (table %+v)", round, s, req, dom, got, want, ref)
			}
		}
	}
}

// TestManySites: 10,000 sites, each with an exact name and a pattern,
// and every name goes to its site.
func TestManySites(t *testing.T) {
	const n = 10_000
	var tab Table[string]
	for i := range n {
		site := fmt.Sprint("s", i)
		if err := tab.Add(fmt.Sprintf("site%d.example.com", i), site, name); err != nil {
			t.Fatal(err)
		}
		if err := tab.Add(fmt.Sprintf("*.site%d.example.net", i), site, name); err != nil {
			t.Fatal(err)
		}
	}
	tab.Add("*.example.net", "apex", name)
	tab.Sort()
	for i := range n {
		want := fmt.Sprint("s", i)
		for _, h := range []string{fmt.Sprintf("site%d.example.com", i), fmt.Sprintf("WWW.site%d.example.net:443", i), fmt.Sprintf("a.b.site%d.example.net", i)} {
			if got := tab.Lookup([]byte(h)); got != want {
				t.Fatalf("Lookup(%q) = %q, want %q", h, got, want)
			}
		}
	}
	if got := tab.Lookup([]byte("other.example.net")); got != "apex" {
		t.Errorf("other.example.net: %q, want the *.example.net site", got)
	}
	if got := tab.Lookup([]byte("site1.example.org")); got != "" {
		t.Errorf("an unlisted name: %q", got)
	}
	if tab.OwnsCookieDomain("s1", "site1.example.com", "example.com") {
		t.Error("site s1 owns example.com, under which 9,999 other sites have names")
	}
	if !tab.OwnsCookieDomain("s7", "a.b.site7.example.net", "b.site7.example.net") {
		t.Error("site s7 does not own its own domain")
	}
}

// BenchmarkLookup looks up a pattern's name among 10 and 10,000 sites:
// the cost does not grow with the sites.
func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{10, 10_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			var tab Table[string]
			for i := range n {
				tab.Add(fmt.Sprintf("*.site%d.example.net", i), fmt.Sprint(i), name)
			}
			host := []byte(fmt.Sprintf("www.site%d.example.net", n/2))
			for b.Loop() {
				tab.Lookup(host)
			}
		})
	}
}
