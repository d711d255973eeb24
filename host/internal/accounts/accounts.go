// Package accounts checks passwords against a site's local accounts: user
// names with bcrypt hashes from the config's [site.accounts] table. It
// counts failed attempts per name and locks a name that fails too often
// (abi/ABI.md section 7.11). Guests never see the hashes; the host's
// user_login is the only way in. Who is signed in afterwards is not
// kept here but in the site's signed user cookie.
package accounts

import (
	"crypto/rand"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Limits of names, passwords and hashes.
const (
	// MaxNameLen caps a user name, in bytes.
	MaxNameLen = 128
	// MaxPasswordLen is the longest password bcrypt checks in full; it
	// ignores the bytes after it, so longer ones are refused.
	MaxPasswordLen = 72
	// MinCost and MaxCost bound a hash's bcrypt cost. Each step doubles
	// the time of a check: at 14 one takes about a second, and a
	// sign-in holds its plugin instance that long.
	MinCost = bcrypt.MinCost
	MaxCost = 14
)

// Errors of Login.
var (
	// ErrDenied: no account has that name and password, or the name is
	// locked after failed attempts.
	ErrDenied = errors.New("accounts: denied")
	// ErrPasswordTooLong: the password is longer than MaxPasswordLen
	// bytes, which bcrypt cannot check.
	ErrPasswordTooLong = errors.New("accounts: password longer than 72 bytes")
)

// Accounts are one site's accounts and its count of failed attempts.
// Immutable but for the count; safe for concurrent use.
type Accounts struct {
	hashes map[string][]byte
	// dummy is checked for names without an account, so that they take
	// as long as names with one; its cost is the highest of hashes'.
	dummy []byte
	lim   *limiter
}

// New returns the accounts that hashes (user name → bcrypt hash) define.
// It checks each name and hash as CheckName and CheckHash do.
func New(hashes map[string]string) (*Accounts, error) {
	a := &Accounts{hashes: make(map[string][]byte, len(hashes)), lim: newLimiter(time.Now)}
	cost := MinCost
	for name, h := range hashes {
		if err := CheckName(name); err != nil {
			return nil, fmt.Errorf("accounts: user %q: %w", name, err)
		}
		c, err := CheckHash(h)
		if err != nil {
			return nil, fmt.Errorf("accounts: user %q: %w", name, err)
		}
		cost = max(cost, c)
		a.hashes[name] = []byte(h)
	}
	// A password no one can send: the dummy never matches.
	secret := make([]byte, MaxPasswordLen)
	rand.Read(secret)
	dummy, err := bcrypt.GenerateFromPassword(secret, cost)
	if err != nil {
		return nil, fmt.Errorf("accounts: dummy hash: %w", err)
	}
	a.dummy = dummy
	return a, nil
}

// Login checks password against the account name. It returns nil when
// they match; ErrDenied when there is no such account, the password is
// wrong or the name is locked; ErrPasswordTooLong, without counting an
// attempt, for a password bcrypt cannot check.
func (a *Accounts) Login(name string, password []byte) error {
	if len(password) > MaxPasswordLen {
		return ErrPasswordTooLong
	}
	if CheckName(name) != nil {
		// No account can have it, and the rule is public: nothing to
		// hide by taking time, nor to count.
		return ErrDenied
	}
	if !a.lim.begin(name) {
		return ErrDenied
	}
	hash, ok := a.hashes[name]
	if !ok {
		bcrypt.CompareHashAndPassword(a.dummy, password)
		return ErrDenied
	}
	if bcrypt.CompareHashAndPassword(hash, password) != nil {
		return ErrDenied
	}
	a.lim.succeed(name)
	return nil
}

// CheckName reports why name cannot be a user name: it must be valid
// UTF-8 of 1 to MaxNameLen bytes, without control characters or leading
// or trailing white space.
func CheckName(name string) error {
	switch {
	case name == "":
		return errors.New("a user name must not be empty")
	case len(name) > MaxNameLen:
		return fmt.Errorf("a user name of %d bytes is too long (at most %d)", len(name), MaxNameLen)
	case !utf8.ValidString(name):
		return errors.New("a user name must be UTF-8")
	case strings.TrimSpace(name) != name:
		return errors.New("a user name must not start or end with white space")
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return errors.New("a user name must not hold control characters")
	}
	return nil
}

// bcryptHash is a hash in the modular crypt format bcrypt writes:
// version, two-digit cost, then 22 characters of salt and 31 of hash in
// bcrypt's base64 alphabet.
var bcryptHash = regexp.MustCompile(`^\$2[aby]\$([0-9]{2})\$[./A-Za-z0-9]{53}$`)

// CheckHash returns the cost of a bcrypt hash, or why the host does not
// accept it: it is not one, or its cost is outside MinCost to MaxCost.
func CheckHash(hash string) (int, error) {
	m := bcryptHash.FindStringSubmatch(hash)
	if m == nil {
		return 0, errors.New(`not a bcrypt hash ("$2a$10$" and 53 characters); make one with wasmweb passwd`)
	}
	cost, _ := strconv.Atoi(m[1])
	switch {
	case cost < MinCost:
		return 0, fmt.Errorf("bcrypt cost %d is below the minimum, %d", cost, MinCost)
	case cost > MaxCost:
		return 0, fmt.Errorf("bcrypt cost %d is above %d: each sign-in would take seconds", cost, MaxCost)
	}
	if _, err := bcrypt.Cost([]byte(hash)); err != nil {
		return 0, fmt.Errorf("not a bcrypt hash: %w", err)
	}
	return cost, nil
}
