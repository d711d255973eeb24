package host

import (
	"context"
	"time"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/host/xsrf"
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
