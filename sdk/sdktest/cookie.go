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
		Reserved: []string{xsrf.CookieName, abi.UserCookie, abi.LocaleCookie},
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
