// Package cookie builds Set-Cookie values from what a guest asks for,
// refusing anything that is not a well-formed cookie. The host and the
// SDK's test fake share it, so the fake refuses what the host refuses.
package cookie

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Build checks a cookie and its attributes (abi/ABI.md section 7.6) and
// returns the Set-Cookie value, with the defaults applied: Path=/,
// HttpOnly and SameSite=Lax unless attrs say otherwise. Names must be
// tokens and values cookie-octets, so nothing can be injected.
func Build(name, value, attrs string) (string, error) {
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
			ck.MaxAge = n
			if n <= 0 {
				ck.MaxAge = -1 // net/http writes Max-Age=0: delete
			}
		case "secure":
			if hasValue {
				return "", fmt.Errorf("attribute %q takes no value", a)
			}
			ck.Secure = true
		case "httponly":
			switch {
			case !hasValue || strings.EqualFold(v, "true"):
				ck.HttpOnly = true
			case strings.EqualFold(v, "false"):
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
	// Valid accepts values with spaces and commas, which it would quote;
	// the ABI allows only cookie-octets.
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
