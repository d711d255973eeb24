package sdktest

import (
	"crypto/subtle"

	"github.com/wasmweb/wasmweb/abi"
)

// WithAccount gives the request's site a local account: user name with
// password, which Context.Login accepts. The fake keeps passwords as
// given; the host keeps bcrypt hashes ([site.accounts] in the config,
// made with wasmweb passwd). A site given no account has none, and Login
// returns sdk.ErrNotFound there.
//
// The fake does not count failed attempts: the host's lock after 5
// failures within a minute (abi/ABI.md section 7.11) is not reproduced.
func (r *Request) WithAccount(name, password string) *Request {
	c := r.clone()
	if c.accounts == nil {
		c.accounts = map[string]string{}
	}
	c.accounts[name] = password
	return c
}

// UserLogin checks a password against the request's accounts (see
// WithAccount) and signs the user in as UserSet does when it matches.
func (h *fakeHost) UserLogin(name, password string) int32 {
	var r int32
	switch want, ok := h.req.accounts[name]; {
	case len(h.req.accounts) == 0:
		r = abi.ErrNotFound
	case h.finished:
		r = abi.ErrFinished
	case len(password) > 72:
		r = abi.ErrInvalid
	case !ok || subtle.ConstantTimeCompare([]byte(want), []byte(password)) != 1:
		r = abi.ErrDenied
	default:
		r = h.setUser(abi.FuncUserLogin, name)
	}
	return h.call(r, abi.FuncUserLogin, "name=%q, password_len=%d", name, len(password))
}
