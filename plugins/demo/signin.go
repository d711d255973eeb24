package main

import (
	"errors"
	"net/url"

	"github.com/wasmweb/wasmweb/sdk"
)

// Sign-in with the site's providers ([site.auth.providers] in the
// config): the login page offers one link per provider, and signIn
// starts the sign-in with LoginWith. The host runs the rest; once back,
// the user is signed in as provider:subject and UserClaims names them.

const msgNoProvider = "The site has no such sign-in."

// providerLink is a provider as the login page offers it.
type providerLink struct {
	Title string `json:"title"`
	URL   string `json:"url"` // signIn's, with next
}

// providerLinks returns a link for each of the site's providers, which
// come back to next (a local path, or "" for the account page).
func providerLinks(c *sdk.Context, next string) []providerLink {
	var links []providerLink
	for _, p := range c.SignInProviders() {
		u := "/demo/signin/" + url.PathEscape(p.Name)
		if next != "" {
			u += "?next=" + url.QueryEscape(next)
		}
		links = append(links, providerLink{Title: p.Title, URL: u})
	}
	return links
}

// signIn starts a sign-in with a provider, GET /demo/signin/{provider}:
// the response becomes the host's redirect to the provider, and the
// provider's answer comes back to next, or to the account page.
type signIn struct{}

func (signIn) Get(c *sdk.Context) {
	to := next(c)
	if to == "" {
		to = accountPath
	}
	switch err := c.LoginWith(c.Param("provider"), to); {
	case err == nil:
	case errors.Is(err, sdk.ErrNotFound):
		c.Error(404, c.Translate(msgNoProvider))
	case errors.Is(err, sdk.ErrUnavailable):
		c.Error(503, err.Error())
	default:
		c.Errorf("demo: sign-in: %v", err)
		c.Error(500, err.Error())
	}
}

// displayName is how the pages name the signed-in user: a provider's
// user by the name, login or address the provider gave, a local one by
// the account's name; "" when no one is signed in.
func displayName(c *sdk.Context) string {
	user, _ := c.CurrentUser()
	if claims, ok := c.UserClaims(); ok {
		for _, k := range []string{"name", "preferred_username", "email"} {
			if v := claims.String(k); v != "" {
				return v
			}
		}
	}
	return user
}
