package sdk

import (
	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/hostcall"
)

// MaxPasswordLen is the longest password Login accepts, in bytes: bcrypt
// checks no more.
const MaxPasswordLen = 72

// Login checks name and password against the site's local accounts
// ([site.accounts] in the config, whose bcrypt hashes only the host
// sees) and, when they match, signs name in as SetCurrentUser does: from
// the next request on, CurrentUser returns it.
//
// It returns ErrDenied when no account has that name and password, or
// when the name is locked after 5 failed attempts within a minute (for a
// minute, whatever the password); ErrInvalid for a password longer than
// MaxPasswordLen bytes (the response does not fail); ErrNotFound when the
// site has no accounts. A check takes bcrypt's time, tens of
// milliseconds (abi/ABI.md section 7.11).
func (c *Context) Login(name, password string) error {
	if c.finished {
		return finishedErr(abi.FuncUserLogin)
	}
	return c.result(abi.FuncUserLogin, hostcall.UserLogin(name, password))
}
