package cookie_test

import (
	"testing"

	"github.com/wasmweb/wasmweb/host/cookie"
)

// The host's scopes refuse the suffixes that the SDK's fake, having no
// list, lets through.
func TestPublicSuffixList(t *testing.T) {
	for _, tc := range []struct {
		host, domain string
		ok           bool
	}{
		{"user.github.io", "github.io", false},
		{"user.github.io", "user.github.io", true},
		{"www.example.co.uk", "co.uk", false},
		{"www.example.co.uk", "example.co.uk", true},
		{"a.example.com", "com", false},
		{"a.example.com", "example.com", true},
		{"host.unknowntld", "unknowntld", false},
	} {
		s := cookie.Scope{Host: tc.host, Owns: func(string) bool { return true }, PublicSuffix: cookie.PublicSuffix}
		got, err := s.Build("n", "v", "Domain="+tc.domain)
		if (err == nil) != tc.ok {
			t.Errorf("on %s, Domain=%s: %q, %v; want accepted %v", tc.host, tc.domain, got, err, tc.ok)
		}
	}
}
