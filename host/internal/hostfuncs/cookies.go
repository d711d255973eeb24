package hostfuncs

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/cookie"
	"github.com/wasmweb/wasmweb/host/internal/accounts"
	"github.com/wasmweb/wasmweb/host/internal/guard"
	"github.com/wasmweb/wasmweb/host/internal/vhost"
	"github.com/wasmweb/wasmweb/internal/xsrf"
)

// The cookie, signed cookie, user, XSRF and account functions (abi/ABI.md
// sections 7.6 to 7.9 and 7.11).

func cookieGet(c *Call, name string) (string, int32) {
	if v, ok := c.cookie(name); ok {
		return v, 0
	}
	return "", abi.ErrNotFound
}

// cookie returns the request's first cookie named name. Unlike the
// host's own checks (guard.Cookie), a guest gets the value without the
// double quotes a sender may put around it.
func (c *Call) cookie(name string) (string, bool) {
	v, ok := guard.Cookie(c.req, name)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	return v, ok
}

func cookieSet(c *Call, name, value, attrs string) int32 {
	return c.setGuestCookie(abi.FuncCookieSet, name, value, attrs)
}

func signedGet(c *Call, name string) (string, int32) {
	raw, ok := c.cookie(name)
	if !ok {
		return "", abi.ErrNotFound
	}
	v, err := c.site.Signer.Verify(name, raw)
	if err != nil {
		return "", abi.ErrInvalid
	}
	return view(v), 0
}

func signedSet(c *Call, name string, value []byte, attrs string) int32 {
	enc, err := c.site.Signer.Sign(name, value)
	if err != nil {
		return abi.ErrTooLarge
	}
	if !strings.Contains(strings.ToLower(attrs), "max-age") {
		attrs += "; Max-Age=" + strconv.Itoa(int(c.site.Signer.MaxAge()/time.Second))
	}
	return c.setGuestCookie(abi.FuncSignedSet, name, enc, attrs)
}

// setCookie adds one of the host's own cookies for fn after checking it,
// and returns the ABI result.
func (c *Call) setCookie(fn, name, value, attrs string) int32 {
	return c.addCookie(fn, cookie.Scope{}, name, value, attrs)
}

// setGuestCookie adds a cookie the guest asked for with fn, within the
// guest's scope, and returns the ABI result.
func (c *Call) setGuestCookie(fn, name, value, attrs string) int32 {
	return c.addCookie(fn, c.cookieScope(), name, value, attrs)
}

// cookieScope is what the guest may do with the response's cookies: name
// the request's host or a parent the site owns alone, and leave the
// host's cookies alone.
func (c *Call) cookieScope() cookie.Scope {
	reqHost := strings.Clone(vhost.Name(c.req.Host))
	owns := c.site.OwnsCookieDomain
	return cookie.Scope{
		Host:         reqHost,
		Owns:         func(domain string) bool { return owns(reqHost, domain) },
		PublicSuffix: cookie.PublicSuffix,
		Reserved:     []string{xsrf.CookieName, abi.UserCookie, abi.SignInCookie, abi.ClaimsCookie, c.site.LocaleCookie},
	}
}

// addCookie adds a Set-Cookie for fn after checking it within scope, and
// returns the ABI result.
func (c *Call) addCookie(fn string, scope cookie.Scope, name, value, attrs string) int32 {
	if c.done() {
		return abi.ErrFinished
	}
	ck, err := scope.Build(name, value, attrs)
	if err != nil {
		c.fail(fn + ": " + err.Error())
		return abi.ErrInvalid
	}
	if fields, size := c.w.HeaderFields(); fields >= abi.MaxResponseHeaders || size+len(ck)+14 > abi.MaxResponseHeaderBytes {
		c.fail("too many response headers")
		return abi.ErrTooLarge
	}
	if err := c.w.AddHeader("Set-Cookie", ck); err != nil {
		c.fail(fn + ": " + err.Error())
		return abi.ErrInvalid
	}
	return 0
}

func userGet(c *Call) (string, int32) {
	u, ok := c.site.Guard.User(c.cookie)
	if !ok {
		return "", abi.ErrNotFound
	}
	return u, 0
}

func userSet(c *Call, value []byte) int32 { return c.setUser(abi.FuncUserSet, value) }

// setUser signs value in as the current user, or out when it is empty,
// for host function fn, and returns the ABI result. Signing out also
// drops the claims of a user who signed in with a provider, and the
// provider's token the host kept for this browser.
func (c *Call) setUser(fn string, value []byte) int32 {
	if len(value) == 0 {
		r := c.setCookie(fn, abi.UserCookie, "", "Max-Age=0")
		if r == 0 && c.site.Auth != nil {
			r = c.setCookie(fn, abi.ClaimsCookie, "", "Max-Age=0")
			c.site.Auth.SignOut(c.cookie)
		}
		return r
	}
	enc, err := c.site.Signer.Sign(abi.UserCookie, value)
	if err != nil {
		return abi.ErrTooLarge
	}
	return c.setCookie(fn, abi.UserCookie, enc, "Max-Age="+strconv.Itoa(int(c.site.Signer.MaxAge()/time.Second)))
}

// userLogin checks password against the site's account name and signs
// name in when they match (abi/ABI.md section 7.11). name and password
// are views of guest memory: they are copied only once their lengths are
// known to be acceptable, and the copy of the password is cleared after
// the check.
func userLogin(c *Call, name, password []byte) int32 {
	switch {
	case c.site.Accounts == nil:
		return abi.ErrNotFound
	case c.done():
		return abi.ErrFinished
	case len(password) > accounts.MaxPasswordLen:
		return abi.ErrInvalid
	case len(name) > accounts.MaxNameLen:
		return abi.ErrDenied // no account has such a name
	}
	pw := append([]byte(nil), password...)
	err := c.site.Accounts.Login(string(name), pw)
	clear(pw)
	switch {
	case errors.Is(err, accounts.ErrPasswordTooLong):
		return abi.ErrInvalid
	case err != nil:
		return abi.ErrDenied
	}
	return c.setUser(abi.FuncUserLogin, name)
}

func xsrfToken(c *Call) (string, int32) { return c.xsrfToken(), 0 }

// xsrfToken returns the request's token, masked afresh; the first call
// in a request without a valid cookie makes a token and sets the cookie.
func (c *Call) xsrfToken() string {
	if c.xsrf == nil {
		if v, ok := c.cookie(xsrf.CookieName); ok {
			if tok, ok := xsrf.Decode(v); ok {
				c.xsrf = tok
			}
		}
		if c.xsrf == nil {
			c.xsrf = xsrf.New()
			c.setCookie("xsrf_token", xsrf.CookieName, xsrf.Mask(c.xsrf, time.Now()), "HttpOnly=false")
		}
	}
	return xsrf.Mask(c.xsrf, time.Now())
}
