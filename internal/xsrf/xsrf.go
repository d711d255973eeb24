// Package xsrf makes and checks the tokens that protect a site's forms
// against cross-site request forgery, as Tornado's version-2 tokens do: a
// random token kept in the _xsrf cookie, handed to pages masked afresh on
// every render (so that compressed pages do not leak it, BREACH), and
// compared unmasked, in constant time. The host and the SDK's test fake
// share it, so a plugin's tests see the tokens the host makes. It sees
// no request and sets no cookie: its callers pass it the cookie's value,
// the submitted token and the request's method and headers.
package xsrf

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// CookieName is the cookie that holds a browser's token.
const CookieName = "_xsrf"

// FieldName is the form field that carries the token back.
const FieldName = "_xsrf"

// Headers that may carry the token instead of the form field.
var Headers = []string{"X-XSRFToken", "X-CSRFToken"}

const tokenLen = 16

// New returns a fresh random token.
func New() []byte {
	b := make([]byte, tokenLen)
	rand.Read(b)
	return b
}

// Mask returns token in its masked, version-2 form:
// "2|mask|token XOR mask|timestamp", all hex but the decimal timestamp. A
// new mask each time makes every rendering of the same token different.
func Mask(token []byte, now time.Time) string {
	mask := make([]byte, len(token))
	rand.Read(mask)
	x := make([]byte, len(token))
	for i := range token {
		x[i] = token[i] ^ mask[i]
	}
	return "2|" + hex.EncodeToString(mask) + "|" + hex.EncodeToString(x) + "|" + strconv.FormatInt(now.Unix(), 10)
}

// Decode returns the raw token a value carries: the masked version-2 form,
// or a bare hex token (version 1). It reports false for anything else.
func Decode(v string) ([]byte, bool) {
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

// Match reports whether a submitted value carries the cookie's token,
// comparing in constant time.
func Match(cookie, submitted string) bool {
	want, ok1 := Decode(cookie)
	got, ok2 := Decode(submitted)
	return ok1 && ok2 && subtle.ConstantTimeCompare(want, got) == 1
}

// Safe reports whether a method needs no token: GET, HEAD and OPTIONS.
func Safe(method string) bool {
	return method == "GET" || method == "HEAD" || method == "OPTIONS"
}

// crossOrigin is net/http's reading of what a browser says about a
// request's origin, with no exemptions. Safe for concurrent use.
var crossOrigin = http.NewCrossOriginProtection()

// SameOrigin reports whether a request that is not safe comes, as far as
// the browser says, from a page of host's own origin: its Sec-Fetch-Site
// is same-origin or none (typed or bookmarked); without that header (an
// older browser), its Origin is absent or names host. A page of a
// sibling site, even one that planted the _xsrf cookie, fails it.
// Requests from other clients send neither header and pass; the token
// check still applies to them.
func SameOrigin(method, host, secFetchSite, origin string) bool {
	// net/http's answer, without building a request for it, when it
	// does not depend on host: a safe method, a browser's same-origin or
	// typed request, a client that sends neither header. A wake checks
	// thousands of resumed long polls this way.
	if Safe(method) || secFetchSite == "same-origin" || secFetchSite == "none" || secFetchSite == "" && origin == "" {
		return true
	}
	h := http.Header{}
	if secFetchSite != "" {
		h.Set("Sec-Fetch-Site", secFetchSite)
	}
	if origin != "" {
		h.Set("Origin", origin)
	}
	return crossOrigin.Check(&http.Request{Method: method, Host: host, Header: h}) == nil
}
