package handlers

import (
	"encoding/json"
	"errors"

	"github.com/wasmweb/wasmweb/sdk"
)

// signIn calls LoginWith with the arguments provider and next and, when
// it fails, answers with 200 and "not-found", "invalid", "unavailable",
// "finished" or the error's text. With finish=1 it redirects to / first.
// On success the host's redirect to the provider is the answer.
func signIn(c *sdk.Context) {
	if c.Argument("finish", "") != "" {
		c.Redirect("/")
	}
	err := c.LoginWith(c.Argument("provider", ""), c.Argument("next", ""))
	switch {
	case err == nil:
	case errors.Is(err, sdk.ErrNotFound):
		c.WriteString("not-found")
	case errors.Is(err, sdk.ErrInvalid):
		c.WriteString("invalid")
	case errors.Is(err, sdk.ErrUnavailable):
		c.WriteString("unavailable")
	case errors.Is(err, sdk.ErrFinished):
		c.WriteString("finished")
	default:
		c.WriteString(err.Error())
	}
}

// claims answers the current user's UserClaims as JSON, or "not-found".
func claims(c *sdk.Context) {
	cl, ok := c.UserClaims()
	if !ok {
		c.WriteString("not-found")
		return
	}
	b, _ := json.Marshal(cl)
	c.Write(b)
}

// providers answers SignInProviders as JSON.
func providers(c *sdk.Context) {
	b, _ := json.Marshal(c.SignInProviders())
	c.Write(b)
}

func init() {
	sdk.Handle("signin", signIn)
	sdk.Handle("claims", claims)
	sdk.Handle("providers", providers)
}
