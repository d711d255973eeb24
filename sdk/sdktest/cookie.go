package sdktest

import (
	"github.com/wasmweb/wasmweb/abi"

	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// setCookie builds a Set-Cookie value with the host's defaults and rules
// (abi/ABI.md section 7.6): Path=/, HttpOnly and SameSite=Lax unless the
// attributes say otherwise; names are tokens, values cookie-octets.
func setCookie(name, value, attrs string) (string, error) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode}
	for _, a := range strings.Split(attrs, ";") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		k, v, hasValue := strings.Cut(a, "=")
		switch strings.ToLower(k) {
		case "path":
			ck.Path = v
		case "domain":
			ck.Domain = v
		case "max-age":
			n, err := strconv.Atoi(v)
			if err != nil {
				return "", fmt.Errorf("Max-Age %q is not a number of seconds", v)
			}
			ck.MaxAge = max(n, -1)
			if n == 0 {
				ck.MaxAge = -1
			}
		case "secure":
			if hasValue {
				return "", fmt.Errorf("attribute %q takes no value", a)
			}
			ck.Secure = true
		case "httponly":
			switch strings.ToLower(v) {
			case "", "true":
				ck.HttpOnly = true
			case "false":
				ck.HttpOnly = false
			default:
				return "", fmt.Errorf("HttpOnly=%q: want true or false", v)
			}
		case "samesite":
			switch strings.ToLower(v) {
			case "lax":
				ck.SameSite = http.SameSiteLaxMode
			case "strict":
				ck.SameSite = http.SameSiteStrictMode
			case "none":
				ck.SameSite = http.SameSiteNoneMode
			default:
				return "", fmt.Errorf("SameSite=%q: want Lax, Strict or None", v)
			}
		default:
			return "", fmt.Errorf("unknown cookie attribute %q", a)
		}
	}
	if ck.SameSite == http.SameSiteNoneMode && !ck.Secure {
		return "", fmt.Errorf("SameSite=None needs Secure")
	}
	if err := ck.Valid(); err != nil {
		return "", err
	}
	for i := 0; i < len(value); i++ {
		if b := value[i]; b <= ' ' || b == '"' || b == ',' || b == ';' || b == '\\' || b >= 0x7f {
			return "", fmt.Errorf("cookie value has byte %#x, which is not a cookie-octet", b)
		}
	}
	if strings.ContainsAny(ck.Path, ";\r\n") || strings.ContainsAny(ck.Domain, ";\r\n ") {
		return "", fmt.Errorf("bad Path or Domain")
	}
	return ck.String(), nil
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
