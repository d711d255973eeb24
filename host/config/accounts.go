package config

import (
	"fmt"
	"slices"

	"github.com/wasmweb/wasmweb/host/internal/accounts"
)

// checkAccounts checks a site's [site.accounts] table, at key, in name
// order so that the first error reported is always the same. A bad name
// is reported at the table (the name itself may not print well), a bad
// hash at its name; hashes are never shown.
func checkAccounts(key string, hashes map[string]string) error {
	names := make([]string, 0, len(hashes))
	for name := range hashes {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := accounts.CheckName(name); err != nil {
			return &Error{Key: key, Err: fmt.Errorf("user %q: %w", name, err)}
		}
		if _, err := accounts.CheckHash(hashes[name]); err != nil {
			return &Error{Key: key + "." + name, Err: err}
		}
	}
	return nil
}

// The rules of a [site.accounts] line, for the tools that write one
// (wasmweb passwd): the bcrypt costs the check accepts, and the longest
// password bcrypt checks in full.
const (
	MinBcryptCost  = accounts.MinCost
	MaxBcryptCost  = accounts.MaxCost
	MaxPasswordLen = accounts.MaxPasswordLen
)

// CheckUserName reports why name cannot name an account, or nil.
func CheckUserName(name string) error { return accounts.CheckName(name) }
