package xsrf

import (
	"encoding/hex"
	"net/http"
	"testing"
	"time"
)

func TestMaskedTokens(t *testing.T) {
	tok := New()
	cookie := Mask(tok, time.Now())
	seen := map[string]bool{}
	for i := 0; i < 20; i++ {
		m := Mask(tok, time.Now())
		if seen[m] {
			t.Fatal("two renders gave the same masked token")
		}
		seen[m] = true
		if !Match(cookie, m) {
			t.Fatalf("a fresh masking of the token did not match: %s vs %s", cookie, m)
		}
	}
	if !Match(cookie, hex.EncodeToString(tok)) {
		t.Error("the unmasked (version 1) form did not match")
	}
	other := Mask(New(), time.Now())
	for name, sub := range map[string]string{
		"missing": "", "another cookie's token": other, "garbage": "2|zz|zz|1", "short": "2|00|", "truncated hex": "2|abcd|ab|1",
	} {
		if Match(cookie, sub) {
			t.Errorf("%s matched", name)
		}
	}
	if Match("", Mask(tok, time.Now())) {
		t.Error("a token matched a missing cookie")
	}
}

func TestSafe(t *testing.T) {
	for m, want := range map[string]bool{"GET": true, "HEAD": true, "OPTIONS": true, "POST": false, "PUT": false, "DELETE": false, "PATCH": false} {
		if Safe(m) != want {
			t.Errorf("Safe(%s) = %v", m, !want)
		}
	}
}

// A request whose browser says it comes from another origin (a sibling
// site is same-site, not same-origin) fails; one from the site's own
// pages, typed by the user, or from a client that is no browser passes.
func TestSameOrigin(t *testing.T) {
	for _, tc := range []struct {
		name, method, site, origin string
		want                       bool
	}{
		{"same-origin", "POST", "same-origin", "http://a.example.com", true},
		{"typed or bookmarked", "POST", "none", "", true},
		{"sibling site", "POST", "same-site", "http://b.example.com", false},
		{"other site", "POST", "cross-site", "http://evil.test", false},
		{"other site, no Origin", "DELETE", "cross-site", "", false},
		{"unknown value", "POST", "elsewhere", "", false},
		{"old browser, own origin", "POST", "", "http://a.example.com", true},
		{"old browser, sibling", "POST", "", "http://b.example.com", false},
		{"old browser, other port", "POST", "", "http://a.example.com:8080", false},
		{"old browser, null origin", "PUT", "", "null", false},
		{"no browser", "POST", "", "", true},
		{"safe method from elsewhere", "GET", "cross-site", "http://evil.test", true},
	} {
		if got := SameOrigin(tc.method, "a.example.com", tc.site, tc.origin); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// SameOrigin answers as net/http's CrossOriginProtection for every mix of
// method, Sec-Fetch-Site and Origin, including those it answers without
// asking it.
func TestSameOriginAgreesWithNetHTTP(t *testing.T) {
	for _, m := range []string{"GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE", "get", "PATCH"} {
		for _, site := range []string{"", "same-origin", "none", "same-site", "cross-site", "Same-Origin", "junk"} {
			for _, origin := range []string{"", "http://a.example.com", "https://a.example.com", "http://b.example.com", "null", "http://a.example.com:8080", "::"} {
				h := http.Header{}
				if site != "" {
					h.Set("Sec-Fetch-Site", site)
				}
				if origin != "" {
					h.Set("Origin", origin)
				}
				want := http.NewCrossOriginProtection().Check(&http.Request{Method: m, Host: "a.example.com", Header: h}) == nil
				if got := SameOrigin(m, "a.example.com", site, origin); got != want {
					t.Errorf("%s, Sec-Fetch-Site %q, Origin %q: %v, net/http says %v", m, site, origin, got, want)
				}
			}
		}
	}
}
