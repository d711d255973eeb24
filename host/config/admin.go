package config

import (
	"errors"
	"os"
)

// AdminTokenEnv names the environment variable that, when set, holds
// the admin API's token in place of [server] admin_token: a secret kept
// out of the config file.
const AdminTokenEnv = "WASMWEB_ADMIN_TOKEN"

// minAdminToken is the shortest token accepted: a guessable token on a
// public address would hand the server to anyone.
const minAdminToken = 16

// AdminSecret returns the token the admin API's changes need: the
// environment's WASMWEB_ADMIN_TOKEN when set, else AdminToken; "" when
// neither is.
func (s Server) AdminSecret() string {
	if t := os.Getenv(AdminTokenEnv); t != "" {
		return t
	}
	return s.AdminToken
}

// CheckAdminToken reports why t cannot be an admin token: it must be at
// least 16 printable ASCII characters without spaces, to travel in an
// Authorization header.
func CheckAdminToken(t string) error {
	if len(t) < minAdminToken {
		return errors.New("must be at least 16 characters")
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] >= 0x7f {
			return errors.New("must be printable ASCII without spaces")
		}
	}
	return nil
}
