package host

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/cookie"
	"github.com/wasmweb/wasmweb/host/internal/guard"
	"github.com/wasmweb/wasmweb/host/internal/vhost"
	"github.com/wasmweb/wasmweb/host/xsrf"
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
// Unlike the host's own checks (guard.Cookie), a guest gets the value
// without the double quotes a sender may put around it.
func (c *call) cookie(name string) (string, bool) {
	v, ok := guard.Cookie(c.req, name)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		v = v[1 : len(v)-1]
	}
	return v, ok
}

func cookieSet(ctx context.Context, mod api.Module, stack []uint64) {
	name := string(read(mod, arg(stack, 0), arg(stack, 1)))
	value := string(read(mod, arg(stack, 2), arg(stack, 3)))
	attrs := string(read(mod, arg(stack, 4), arg(stack, 5)))
	c := mustCall(ctx, stack)
	if c == nil {
		return
	}
	ret(stack, c.setGuestCookie(abi.FuncCookieSet, name, value, attrs))
}

func signedGet(ctx context.Context, mod api.Module, stack []uint64) {
	name := string(read(mod, arg(stack, 0), arg(stack, 1)))
	c := mustCall(ctx, stack)
	if c == nil {
		read(mod, arg(stack, 2), arg(stack, 3))
		return
	}
	raw, ok := c.cookie(name)
	if !ok {
		read(mod, arg(stack, 2), arg(stack, 3))
		ret(stack, abi.ErrNotFound)
		return
	}
	v, err := c.site.signer.Verify(name, raw)
	if err != nil {
		read(mod, arg(stack, 2), arg(stack, 3))
		ret(stack, abi.ErrInvalid)
		return
	}
	output(mod, stack, 2, v)
}

func signedSet(ctx context.Context, mod api.Module, stack []uint64) {
	name := string(read(mod, arg(stack, 0), arg(stack, 1)))
	value := read(mod, arg(stack, 2), arg(stack, 3))
	attrs := string(read(mod, arg(stack, 4), arg(stack, 5)))
	c := mustCall(ctx, stack)
	if c == nil {
		return
	}
	enc, err := c.site.signer.Sign(name, value)
	if err != nil {
		ret(stack, abi.ErrTooLarge)
		return
	}
	if !strings.Contains(strings.ToLower(attrs), "max-age") {
		attrs += "; Max-Age=" + strconv.Itoa(int(c.site.signer.MaxAge()/time.Second))
	}
	ret(stack, c.setGuestCookie(abi.FuncSignedSet, name, enc, attrs))
}

// setCookie adds one of the host's own cookies for fn after checking it,
// and returns the ABI result.
func (c *call) setCookie(fn, name, value, attrs string) int {
	return c.addCookie(fn, cookie.Scope{}, name, value, attrs)
}

// setGuestCookie adds a cookie the guest asked for with fn, within the
// guest's scope, and returns the ABI result.
func (c *call) setGuestCookie(fn, name, value, attrs string) int {
	return c.addCookie(fn, c.cookieScope(), name, value, attrs)
}

// cookieScope is what the guest may do with the response's cookies: name
// the request's host or a parent the site owns alone, and leave the
// host's cookies alone.
func (c *call) cookieScope() cookie.Scope {
	reqHost := strings.Clone(vhost.Name(c.req.Host))
	s, h := c.site, c.site.h
	return cookie.Scope{
		Host:     reqHost,
		Owns:     func(domain string) bool { return h.table.OwnsCookieDomain(s, reqHost, domain) },
		Reserved: []string{xsrf.CookieName, abi.UserCookie, s.localeCookie},
	}
}

// addCookie adds a Set-Cookie for fn after checking it within scope, and
// returns the ABI result.
func (c *call) addCookie(fn string, scope cookie.Scope, name, value, attrs string) int {
	if c.finished || c.w.Sent() {
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

func userGet(ctx context.Context, mod api.Module, stack []uint64) {
	c := mustCall(ctx, stack)
	if c == nil {
		read(mod, arg(stack, 0), arg(stack, 1))
		return
	}
	u, ok := c.site.guard.User(c.cookie)
	if !ok {
		read(mod, arg(stack, 0), arg(stack, 1))
		ret(stack, abi.ErrNotFound)
		return
	}
	outputString(mod, stack, 0, u)
}

func userSet(ctx context.Context, mod api.Module, stack []uint64) {
	value := read(mod, arg(stack, 0), arg(stack, 1))
	c := mustCall(ctx, stack)
	if c == nil {
		return
	}
	ret(stack, c.setUser(abi.FuncUserSet, value))
}

// setUser signs value in as the current user, or out when it is empty,
// for host function fn, and returns the ABI result.
func (c *call) setUser(fn string, value []byte) int {
	if len(value) == 0 {
		return c.setCookie(fn, abi.UserCookie, "", "Max-Age=0")
	}
	enc, err := c.site.signer.Sign(abi.UserCookie, value)
	if err != nil {
		return abi.ErrTooLarge
	}
	return c.setCookie(fn, abi.UserCookie, enc, "Max-Age="+strconv.Itoa(int(c.site.signer.MaxAge()/time.Second)))
}
