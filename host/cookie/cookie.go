// Package cookie is the host's rules for guests' cookies: those of
// internal/cookie, which the SDK's fake host shares, with the Public
// Suffix List deciding which domains are public suffixes. Building and
// checking the cookies is internal/cookie's; this package adds the list.
package cookie

import (
	"golang.org/x/net/publicsuffix"

	"github.com/wasmweb/wasmweb/internal/cookie"
)

// Scope is what a guest may do with the cookies of one response (see
// internal/cookie). The host's scopes take PublicSuffix as theirs.
type Scope = cookie.Scope

// PublicSuffix returns domain's public suffix by the Public Suffix List,
// ICANN's entries and private ones alike: "co.uk" for "a.example.co.uk",
// "github.io" for "user.github.io", and the last label for a top-level
// domain the list does not know.
func PublicSuffix(domain string) string {
	ps, _ := publicsuffix.PublicSuffix(domain)
	return ps
}
