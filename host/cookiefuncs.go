package host

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/abi"
)

func cookieGet(ctx context.Context, mod api.Module, stack []uint64) {
	name := string(read(mod, arg(stack, 0), arg(stack, 1)))
	c := mustCall(ctx, stack)
	if c == nil {
		read(mod, arg(stack, 2), arg(stack, 3))
		return
	}
	if v, ok := c.cookie(name); ok {
		outputString(mod, stack, 2, v)
		return
	}
	read(mod, arg(stack, 2), arg(stack, 3))
	ret(stack, abi.ErrNotFound)
}

// cookie returns the request's first cookie named name. Malformed cookies
// in a Cookie field are skipped, not fatal: browsers send what others set.
func (c *call) cookie(name string) (string, bool) {
	for _, f := range c.req.Fields() {
		if !strings.EqualFold(string(f.Name), "cookie") {
			continue
		}
		for _, part := range strings.Split(string(f.Value), ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
			if ok && k == name {
				if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
					v = v[1 : len(v)-1]
				}
				return v, true
			}
		}
	}
	return "", false
}

func cookieSet(ctx context.Context, mod api.Module, stack []uint64) {
	name := string(read(mod, arg(stack, 0), arg(stack, 1)))
	value := string(read(mod, arg(stack, 2), arg(stack, 3)))
	attrs := string(read(mod, arg(stack, 4), arg(stack, 5)))
	c := mustCall(ctx, stack)
	if c == nil {
		return
	}
	if c.finished || c.w.Sent() {
		ret(stack, abi.ErrFinished)
		return
	}
	ck, err := buildCookie(name, value, attrs)
	if err != nil {
		c.fail("cookie_set: " + err.Error())
		ret(stack, abi.ErrInvalid)
		return
	}
	if fields, size := c.w.HeaderFields(); fields >= abi.MaxResponseHeaders || size+len(ck)+14 > abi.MaxResponseHeaderBytes {
		c.fail("too many response headers")
		ret(stack, abi.ErrTooLarge)
		return
	}
	if err := c.w.AddHeader("Set-Cookie", ck); err != nil {
		c.fail("cookie_set: " + err.Error())
		ret(stack, abi.ErrInvalid)
		return
	}
	ret(stack, 0)
}

// buildCookie checks a cookie and its attributes (abi/ABI.md section 7.6)
// and returns the Set-Cookie value, with the defaults applied.
func buildCookie(name, value, attrs string) (string, error) {
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
