package host

import (
	"context"
	"errors"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/accounts"
)

func userLogin(ctx context.Context, mod api.Module, stack []uint64) {
	name := read(mod, arg(stack, 0), arg(stack, 1))
	password := read(mod, arg(stack, 2), arg(stack, 3))
	c := mustCall(ctx, stack)
	if c == nil {
		return
	}
	ret(stack, c.login(name, password))
}

// login checks password against the site's account name and signs name
// in when they match (abi/ABI.md section 7.11). name and password are
// views of guest memory: login copies them only once their lengths are
// known to be acceptable, and clears its copy of the password after the
// check.
func (c *call) login(name, password []byte) int {
	switch {
	case c.site.accounts == nil:
		return abi.ErrNotFound
	case c.finished || c.w.Sent():
		return abi.ErrFinished
	case len(password) > accounts.MaxPasswordLen:
		return abi.ErrInvalid
	case len(name) > accounts.MaxNameLen:
		return abi.ErrDenied // no account has such a name
	}
	pw := append([]byte(nil), password...)
	err := c.site.accounts.Login(string(name), pw)
	clear(pw)
	switch {
	case errors.Is(err, accounts.ErrPasswordTooLong):
		return abi.ErrInvalid
	case err != nil:
		return abi.ErrDenied
	}
	return c.setUser(abi.FuncUserLogin, name)
}
