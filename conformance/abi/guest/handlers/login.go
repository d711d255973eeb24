package handlers

import (
	"errors"

	"github.com/wasmweb/wasmweb/sdk"
)

// login calls Login with the arguments name and password and answers,
// always with 200, what it returned: "ok", "denied", "invalid",
// "not-found", or the error's text.
func login(c *sdk.Context) {
	err := c.Login(c.Argument("name", ""), c.Argument("password", ""))
	switch {
	case err == nil:
		c.WriteString("ok")
	case errors.Is(err, sdk.ErrDenied):
		c.WriteString("denied")
	case errors.Is(err, sdk.ErrInvalid):
		c.WriteString("invalid")
	case errors.Is(err, sdk.ErrNotFound):
		c.WriteString("not-found")
	default:
		c.WriteString(err.Error())
	}
}
