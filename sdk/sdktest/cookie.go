package sdktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/internal/cookie"
	"github.com/wasmweb/wasmweb/internal/xsrf"
)

// This file holds the fake host's cookies: their scope and the fake's
// signatures, the cookie, signed cookie and user calls, and the XSRF
// token, with the helpers that make a test request's Cookie header.

// setCookie builds the Set-Cookie value of one of the host's own
// cookies, as the host does.
func setCookie(name, value, attrs string) (string, error) { return cookie.Build(name, value, attrs) }

// cookieScope is what the guest may do with the response's cookies, as
// on the host (abi/ABI.md section 7.6): name the request's host, or a
// parent of it that the site's hosts list, and leave the host's cookies
// alone. The fake knows no other sites, so none can serve a name within
// a domain, as on a server that serves one site. It has no Public Suffix
// List: a domain's public suffix is its last label (cookie.LastLabel), so
// it refuses Domain=com as the host does but lets Domain=co.uk or
// Domain=github.io through when the site's hosts include them, which the
// host refuses.
func (h *fakeHost) cookieScope() cookie.Scope {
	reqHost := requestHost(h.firstHeader("Host"))
	hosts := h.req.hosts
	return cookie.Scope{
		Host:         reqHost,
		PublicSuffix: cookie.LastLabel,
		Owns: func(domain string) bool {
			if domain == reqHost {
				return true
			}
			for _, name := range hosts {
				name = strings.ToLower(name)
				if name == domain || strings.HasPrefix(name, "*.") && strings.HasSuffix(domain, name[1:]) {
					return true
				}
			}
			return false
		},
		Reserved: []string{xsrf.CookieName, abi.UserCookie, abi.SignInCookie, abi.ClaimsCookie, abi.LocaleCookie},
	}
}

// requestHost is a Host header's name as browsers compare it: lower case,
// without the port.
func requestHost(hostport string) string {
	if strings.HasPrefix(hostport, "[") {
		if i := strings.IndexByte(hostport, ']'); i > 0 {
			return strings.ToLower(hostport[:i+1])
		}
	} else if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
		hostport = hostport[:i]
	}
	return strings.ToLower(hostport)
}

// fakeKey signs the fake's signed cookies. Tests may read and forge them:
// the fake only checks that handlers treat a bad signature as one.
var fakeKey = []byte("sdktest signed cookie key")

// fakeSign returns value and its MAC over name and value, base64-encoded.
func fakeSign(name, value string) string {
	m := hmac.New(sha256.New, fakeKey)
	m.Write([]byte(name + "|" + value))
	return base64.RawURLEncoding.EncodeToString([]byte(value)) + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// fakeVerify checks a value made by fakeSign for name.
func fakeVerify(name, cookie string) (string, bool) {
	v64, mac64, ok := strings.Cut(cookie, ".")
	if !ok {
		return "", false
	}
	v, err1 := base64.RawURLEncoding.DecodeString(v64)
	mac, err2 := base64.RawURLEncoding.DecodeString(mac64)
	if err1 != nil || err2 != nil {
		return "", false
	}
	m := hmac.New(sha256.New, fakeKey)
	m.Write([]byte(name + "|" + string(v)))
	return string(v), hmac.Equal(mac, m.Sum(nil))
}

// SignedCookie returns the Cookie header value that carries value in a
// cookie named name as the fake signs it, for requests in tests.
func SignedCookie(name, value string) string {
	return name + "=" + fakeSign(name, value)
}

// User returns the Cookie header value of a request made by the signed-in
// user name, as the fake signs it.
func User(name string) string {
	return SignedCookie(abi.UserCookie, name)
}

// FakeXSRFToken is the token Context.XSRFToken returns under the fake.
const FakeXSRFToken = "00112233445566778899aabbccddeeff"

// CookieGet returns the request's first cookie named name.
func (h *fakeHost) CookieGet(name string, buf []byte) int32 {
	r := int32(abi.ErrNotFound)
	if v, ok := h.cookieValue(name); ok {
		r = output(buf, v)
	}
	return h.call(r, abi.FuncCookieGet, "name=%q, buf_limit=%d", name, len(buf))
}

// CookieSet adds a Set-Cookie as the host does (abi/ABI.md section 7.6),
// refusing what it refuses.
func (h *fakeHost) CookieSet(name, value, attrs string) int32 {
	r := int32(0)
	switch v, err := h.cookieScope().Build(name, value, attrs); {
	case h.finished:
		r = abi.ErrFinished
	case err != nil:
		r = h.fail(abi.FuncCookieSet, "%v", err)
	default:
		h.respHeader.Add("Set-Cookie", v)
	}
	return h.call(r, abi.FuncCookieSet, "name=%q, value=%q, attrs=%q", name, value, attrs)
}

// SignedCookieGet verifies a cookie signed by SignedCookieSet (the fake's
// own format, with a fixed test key; the host uses securecookie).
func (h *fakeHost) SignedCookieGet(name string, buf []byte) int32 {
	r := int32(abi.ErrNotFound)
	if raw, ok := h.cookieValue(name); ok {
		if v, ok := fakeVerify(name, raw); ok {
			r = output(buf, v)
		} else {
			r = abi.ErrInvalid
		}
	}
	return h.call(r, abi.FuncSignedGet, "name=%q, buf_limit=%d", name, len(buf))
}

// SignedCookieSet signs value with the fake's key and sets it as
// CookieSet does.
func (h *fakeHost) SignedCookieSet(name, value, attrs string) int32 {
	enc := fakeSign(name, value)
	r := int32(0)
	if !strings.Contains(strings.ToLower(attrs), "max-age") {
		attrs += "; Max-Age=2678400"
	}
	switch v, err := h.cookieScope().Build(name, enc, attrs); {
	case h.finished:
		r = abi.ErrFinished
	case len(enc) > 4096:
		r = abi.ErrTooLarge
	case err != nil:
		r = h.fail(abi.FuncSignedSet, "%v", err)
	default:
		h.respHeader.Add("Set-Cookie", v)
	}
	return h.call(r, abi.FuncSignedSet, "name=%q, value_len=%d, attrs=%q", name, len(value), attrs)
}

// UserGet returns the user in the fake-signed user cookie (see
// SignedCookie; sdktest.User makes one).
func (h *fakeHost) UserGet(buf []byte) int32 {
	r := int32(abi.ErrNotFound)
	if raw, ok := h.cookieValue(abi.UserCookie); ok {
		if v, ok := fakeVerify(abi.UserCookie, raw); ok && v != "" {
			r = output(buf, v)
		}
	}
	return h.call(r, abi.FuncUserGet, "buf_limit=%d", len(buf))
}

// UserSet signs a user in (or out, for an empty value) as the host does.
func (h *fakeHost) UserSet(value string) int32 {
	return h.call(h.setUser(abi.FuncUserSet, value), abi.FuncUserSet, "value_len=%d", len(value))
}

// setUser signs value in, or out when it is empty, for host function fn
// and returns the ABI result.
func (h *fakeHost) setUser(fn, value string) int32 {
	attrs, enc := "Max-Age=2678400", fakeSign(abi.UserCookie, value)
	if value == "" {
		attrs, enc = "Max-Age=0", ""
	}
	r := int32(0)
	switch v, err := setCookie(abi.UserCookie, enc, attrs); {
	case h.finished:
		r = abi.ErrFinished
	case err != nil:
		r = h.fail(fn, "%v", err)
	default:
		h.respHeader.Add("Set-Cookie", v)
		if value == "" && len(h.req.providers) > 0 {
			// Signing out drops a provider's claims (abi/ABI.md 7.12).
			ck, _ := setCookie(abi.ClaimsCookie, "", "Max-Age=0")
			h.respHeader.Add("Set-Cookie", ck)
		}
	}
	return r
}

// XSRFToken returns a token for forms. The fake's token is fixed
// (FakeXSRFToken) and it does not check tokens: the host does, before the
// handler runs, on sites with xsrf_cookies = true.
func (h *fakeHost) XSRFToken(buf []byte) int32 {
	return h.call(output(buf, FakeXSRFToken), abi.FuncXSRFToken, "buf_limit=%d", len(buf))
}
