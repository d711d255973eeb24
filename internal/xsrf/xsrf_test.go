package xsrf

import (
	"bytes"
	"encoding/hex"
	"net/http"
	"strings"
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

// decodeBefore is Decode as it was written with encoding/hex, the
// reference the allocation-free one must agree with.
func decodeBefore(v string) ([]byte, bool) {
	if strings.HasPrefix(v, "2|") {
		parts := strings.Split(v, "|")
		if len(parts) != 4 {
			return nil, false
		}
		mask, err1 := hex.DecodeString(parts[1])
		x, err2 := hex.DecodeString(parts[2])
		if err1 != nil || err2 != nil || len(mask) != len(x) || len(x) == 0 {
			return nil, false
		}
		for i := range x {
			x[i] ^= mask[i]
		}
		return x, true
	}
	b, err := hex.DecodeString(v)
	if err != nil || len(b) == 0 {
		return nil, false
	}
	return b, true
}

// Decode takes and refuses what the encoding/hex version did, and Match
// allocates nothing.
func TestDecodeAgrees(t *testing.T) {
	tok := New()
	vals := []string{
		"", "2|", "2||", "2|||", "2||||", "0", "00", "0g", "ABCDEF", "abcdef", "aBcD", "0123456789abcdef0123456789abcdef",
		"2|00|00|1", "2|00|00|", "2|0000|00|1", "2|zz|zz|1", "2|ab|ab|1|2", "2|ab|ab", "2|AB|cd|x", "2|abc|abc|1",
		"1|ab|ab|1", "2|ab|ab|1\n", " 2|ab|ab|1", Mask(tok, time.Now()), hex.EncodeToString(tok), hex.EncodeToString(tok) + "0",
	}
	for _, v := range vals {
		got, ok := Decode(v)
		want, wantOK := decodeBefore(v)
		if ok != wantOK || !bytes.Equal(got, want) {
			t.Errorf("Decode(%q) = %x, %v; encoding/hex gives %x, %v", v, got, ok, want, wantOK)
		}
	}
	cookie, sub := Mask(tok, time.Now()), Mask(tok, time.Now())
	if n := testing.AllocsPerRun(100, func() { Match(cookie, sub) }); n != 0 {
		t.Errorf("Match allocates %v times", n)
	}
}
