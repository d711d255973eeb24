package sdk

import (
	"encoding/json"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/hostcall"
)

// Claims are what a sign-in provider said about the signed-in user
// (abi/ABI.md section 7.12): "provider" and "subject" always, and the
// claims the site exposes ([site.auth.providers.NAME] claims) that the
// provider gave, with their JSON values (strings, booleans, numbers as
// float64).
type Claims map[string]any

// Provider returns the name of the provider the user signed in with.
func (c Claims) Provider() string { return c.String("provider") }

// Subject returns the provider's id for the user.
func (c Claims) Subject() string { return c.String("subject") }

// String returns the claim name when it is a string, or "".
func (c Claims) String(name string) string {
	s, _ := c[name].(string)
	return s
}

// Bool returns the claim name when it is a boolean, or false.
func (c Claims) Bool(name string) bool {
	b, _ := c[name].(bool)
	return b
}

// UserClaims returns the claims of the current user when they signed in
// with one of the site's providers; false for a local account, a user
// set with SetCurrentUser, or no user. Tokens never reach the plugin:
// the host keeps the sign-in to itself.
func (c *Context) UserClaims() (Claims, bool) {
	b, n := c.output(false, func(buf *byte, bufLimit int32) int32 {
		return hostcall.UserClaims(buf, bufLimit)
	})
	if n < 0 {
		return nil, false
	}
	var claims Claims
	if json.Unmarshal(b, &claims) != nil || claims == nil {
		return nil, false
	}
	return claims, true
}

// Provider is one of the site's sign-in providers.
type Provider struct {
	// Name is the provider's name in the config, for LoginWith.
	Name string `json:"name"`
	// Title is its name for people, such as "GitHub".
	Title string `json:"title"`
	// LoginPath is the host's path that starts a sign-in with it; add
	// "?next=" and a path on the site to come back to.
	LoginPath string `json:"login_path"`
}

// SignInProviders returns the site's sign-in providers, in name order,
// so that a page can offer a sign-in with each; none when the site has
// none.
func (c *Context) SignInProviders() []Provider {
	b, n := c.output(false, func(buf *byte, bufLimit int32) int32 {
		return hostcall.AuthProviders(buf, bufLimit)
	})
	if n < 0 {
		return nil
	}
	var ps []Provider
	json.Unmarshal(b, &ps)
	return ps
}

// LoginWith starts a sign-in with the site's provider named provider
// and finishes the response as a redirect to it; after the provider, the
// host signs the user in and sends them to next, a path on the site (""
// means "/"). It returns ErrNotFound when the site has no such
// provider, ErrInvalid when next is not a path on the site, and
// ErrUnavailable when the provider cannot be reached; the response does
// not fail, so a handler can answer otherwise.
func (c *Context) LoginWith(provider, next string) error {
	if c.finished {
		return finishedErr(abi.FuncLoginWith)
	}
	err := c.result(abi.FuncLoginWith, hostcall.LoginWith(provider, next))
	if err == nil {
		c.finished = true
	}
	return err
}
