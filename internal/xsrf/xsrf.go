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
func Decode(v string) ([]byte, bool) { return appendToken(nil, v) }

// appendToken is Decode appending to dst: the token is the slice it
// returns, within dst's array when it fits, so that Match, run on every
// request a check admits (a wake's thousands of resumed long polls
// among them), allocates nothing.
func appendToken(dst []byte, v string) ([]byte, bool) {
	start := len(dst)
	if rest, ok := strings.CutPrefix(v, "2|"); ok {
		maskHex, rest, ok1 := strings.Cut(rest, "|")
		xHex, stamp, ok2 := strings.Cut(rest, "|")
		if !ok1 || !ok2 || strings.IndexByte(stamp, '|') >= 0 {
			return nil, false
		}
		dst, ok1 = appendHex(dst, maskHex)
		mid := len(dst)
		dst, ok2 = appendHex(dst, xHex)
		mask, x := dst[start:mid], dst[mid:]
		if !ok1 || !ok2 || len(mask) != len(x) || len(x) == 0 {
			return nil, false
		}
		for i := range x {
			x[i] ^= mask[i]
		}
		return x, true
	}
	dst, ok := appendHex(dst, v)
	if !ok || len(dst) == start {
		return nil, false
	}
	return dst[start:], true
}

// appendHex appends the bytes s encodes in hex, either case, to dst; it
// reports false for an odd length or a byte that is no hex digit, as
// hex.DecodeString fails for them.
func appendHex(dst []byte, s string) ([]byte, bool) {
	if len(s)%2 != 0 {
		return dst, false
	}
	for i := 0; i < len(s); i += 2 {
		hi, ok1 := fromHex(s[i])
		lo, ok2 := fromHex(s[i+1])
		if !ok1 || !ok2 {
			return dst, false
		}
		dst = append(dst, hi<<4|lo)
	}
	return dst, true
}

func fromHex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Match reports whether a submitted value carries the cookie's token,
// comparing in constant time.
func Match(cookie, submitted string) bool {
	var a, b [2 * tokenLen]byte
	want, ok1 := appendToken(a[:0], cookie)
	got, ok2 := appendToken(b[:0], submitted)
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
