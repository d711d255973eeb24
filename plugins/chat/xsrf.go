package main

import (
	"crypto/subtle"
	"strings"

	"github.com/wasmweb/wasmweb/sdk"
)

// XSRF protection as Tornado's, in its simplest form until the host has
// cookies and XSRF tokens of its own: the page sets a random token in a
// cookie, and every POST must carry the same token in the _xsrf argument
// or the X-XSRFToken header. Another site can make a browser post, with
// its cookies, but cannot read the cookie to copy it into the form.

// xsrfName is the cookie's and the argument's name.
const xsrfName = "_xsrf"

// maxToken caps the length of a token taken from a cookie.
const maxToken = 64

// xsrfCookie returns the browser's token from the request's _xsrf cookie,
// or "" when it has none or one that is not a token this plugin could
// have set.
func xsrfCookie(c *sdk.Context) string {
	for _, h := range c.Headers("Cookie") {
		for pair := range strings.SplitSeq(h, ";") {
			name, value, ok := strings.Cut(strings.TrimSpace(pair), "=")
			if ok && name == xsrfName {
				value = strings.Trim(value, `"`)
				if validToken(value) {
					return value
				}
				return ""
			}
		}
	}
	return ""
}

// validToken reports whether v is 1–64 letters and digits, which every
// token rand.Text makes is.
func validToken(v string) bool {
	if v == "" || len(v) > maxToken {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// checkXSRF answers 403, finishing the response, unless the request's
// _xsrf argument or X-XSRFToken header equals its _xsrf cookie.
func checkXSRF(c *sdk.Context) {
	token := c.Argument(xsrfName, "")
	if token == "" {
		token = c.Header("X-XSRFToken")
	}
	if token == "" {
		c.Error(403, "'_xsrf' argument missing from POST")
		return
	}
	cookie := xsrfCookie(c)
	if cookie == "" || subtle.ConstantTimeCompare([]byte(token), []byte(cookie)) != 1 {
		c.Error(403, "XSRF cookie does not match POST argument")
	}
}
