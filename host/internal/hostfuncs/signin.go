package hostfuncs

import (
	"errors"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/oauth"
)

// The sign-in functions (abi/ABI.md section 7.12): the host runs the
// flow; a guest reads the claims and may start a sign-in.

// maxProviderName caps a provider's name, as the config does.
const maxProviderName = 64

func userClaims(c *Call) (string, int32) {
	if c.site.Auth == nil {
		return "", abi.ErrNotFound
	}
	u, ok := c.site.Guard.User(c.cookie)
	if !ok {
		return "", abi.ErrNotFound
	}
	claims, ok := c.site.Auth.Claims(u, c.cookie)
	if !ok {
		return "", abi.ErrNotFound
	}
	return view(claims), 0
}

func authProviders(c *Call) (string, int32) {
	if c.site.Auth == nil {
		return "[]", 0
	}
	return c.site.Auth.ProvidersJSON(), 0
}

// loginWith starts a sign-in with provider and finishes the response as
// the redirect to it. provider and next are views of guest memory, copied
// once their lengths are known to be acceptable.
func loginWith(c *Call, provider, next []byte) int32 {
	switch {
	case c.site.Auth == nil || len(provider) > maxProviderName || !c.site.Auth.Has(string(provider)):
		return abi.ErrNotFound
	case len(next) > oauth.MaxNext:
		return abi.ErrInvalid
	case c.done():
		return abi.ErrFinished
	}
	n := string(next)
	if n == "" {
		n = "/"
	}
	if !oauth.SafeNext(n) {
		return abi.ErrInvalid
	}
	loc, ck, err := c.site.Auth.Start(string(c.req.Host), string(provider), n)
	switch {
	case errors.Is(err, oauth.ErrUnknownProvider):
		return abi.ErrNotFound
	case errors.Is(err, oauth.ErrBadHost):
		return abi.ErrInvalid
	case err != nil: // Start has logged it
		return abi.ErrUnavailable
	}
	if fields, size := c.w.HeaderFields(); fields+3 > abi.MaxResponseHeaders || size+len(ck)+len(loc)+64 > abi.MaxResponseHeaderBytes {
		c.fail("too many response headers")
		return abi.ErrTooLarge
	}
	c.w.ResetBody()
	c.w.SetStatus(302)
	c.w.SetHeader("Cache-Control", "no-store")
	c.w.AddHeader("Set-Cookie", ck)
	c.w.SetHeader("Location", loc)
	c.finished = true
	return 0
}
