package host

import (
	"context"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/internal/xsrf"
	"github.com/wasmweb/wasmweb/netloop"
)

func xsrfToken(ctx context.Context, mod api.Module, stack []uint64) {
	c := mustCall(ctx, stack)
	if c == nil {
		read(mod, arg(stack, 0), arg(stack, 1))
		return
	}
	outputString(mod, stack, 0, c.xsrfToken())
}

// xsrfToken returns the request's token, masked afresh; the first call
// in a request without a valid cookie makes a token and sets the cookie.
func (c *call) xsrfToken() string {
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

// xsrfPasses reports whether a request may reach the guest on a site
// that checks XSRF tokens: safe methods always, others when the browser
// does not say they come from another origin, and with the cookie's token
// in the _xsrf argument or an X-XSRFToken or X-CSRFToken header.
func (s *Site) xsrfPasses(r *netloop.Request) bool {
	if !s.xsrf || xsrf.Safe(string(r.Method)) {
		return true
	}
	if !xsrf.SameOrigin(string(r.Method), string(r.Host), string(r.Header("Sec-Fetch-Site")), string(r.Header("Origin"))) {
		return false
	}
	cookie, ok := requestCookie(r, xsrf.CookieName)
	if !ok {
		return false
	}
	for _, h := range xsrf.Headers {
		if v := r.Header(h); v != nil {
			return xsrf.Match(cookie, string(v))
		}
	}
	a := parseArguments(r)
	if v := a.Body[xsrf.FieldName]; len(v) > 0 {
		return xsrf.Match(cookie, v[0])
	}
	if v := a.Query[xsrf.FieldName]; len(v) > 0 {
		return xsrf.Match(cookie, v[0])
	}
	return false
}

// requestCookie returns the first cookie named name in r's Cookie fields.
func requestCookie(r *netloop.Request, name string) (string, bool) {
	for _, f := range r.Fields() {
		if !strings.EqualFold(string(f.Name), "cookie") {
			continue
		}
		for _, part := range strings.Split(string(f.Value), ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok && k == name {
				return v, true
			}
		}
	}
	return "", false
}
