// Package signed signs and verifies cookie values for a site with
// github.com/gorilla/securecookie. Keys are derived from the site's
// secrets and its name, so a value signed for one site never verifies on
// another even when the sites share a secret; the cookie's name is part of
// what is signed, so a value moved to another cookie does not verify
// either. What is signed (the user, guests' signed cookies) is its
// callers' business.
package signed

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/gorilla/securecookie"
)

// MaxLength caps an encoded signed cookie, as browsers cap cookies.
const MaxLength = 4096

// Signer signs and verifies one site's values. Safe for concurrent use.
type Signer struct {
	codecs []securecookie.Codec
	maxAge time.Duration
}

// Errors of Verify.
var (
	ErrInvalid = errors.New("signed: value does not verify (tampered, expired, or signed for another site or name)")
	ErrTooLong = errors.New("signed: value too long for a cookie")
)

// New returns a signer for site. The first secret signs; every secret
// verifies, so a key can be rotated by putting the new one first and
// removing the old one once its cookies have expired. With no secrets a
// random one is made: values then do not survive a restart. encrypt adds
// AES encryption (securecookie's), so the browser cannot read the value.
func New(site string, secrets []string, maxAge time.Duration, encrypt bool) (*Signer, error) {
	if maxAge <= 0 {
		return nil, errors.New("signed: a signed value needs a lifetime")
	}
	if len(secrets) == 0 {
		b := make([]byte, 32)
		rand.Read(b)
		secrets = []string{string(b)}
	}
	s := &Signer{maxAge: maxAge}
	for i, secret := range secrets {
		if len(secret) < 16 {
			return nil, fmt.Errorf("signed: secret %d is %d bytes; use at least 16 (32 random bytes is best)", i, len(secret))
		}
		hashKey := derive(secret, "wasmweb signed cookie hash", site)
		var blockKey []byte
		if encrypt {
			blockKey = derive(secret, "wasmweb signed cookie block", site)
		}
		sc := securecookie.New(hashKey, blockKey).
			MaxAge(int(maxAge / time.Second)).
			MaxLength(MaxLength).
			SetSerializer(securecookie.NopEncoder{})
		s.codecs = append(s.codecs, sc)
	}
	return s, nil
}

// derive makes a 32-byte key for one purpose and site from a secret.
func derive(secret, purpose, site string) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(purpose + "\x00" + site))
	return m.Sum(nil)
}

// MaxAge returns how long a signed value stays valid.
func (s *Signer) MaxAge() time.Duration { return s.maxAge }

// Sign returns the cookie value that carries value for the cookie name.
func (s *Signer) Sign(name string, value []byte) (string, error) {
	enc, err := securecookie.EncodeMulti(name, value, s.codecs[0])
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrTooLong, err)
	}
	if len(enc) > MaxLength {
		return "", ErrTooLong
	}
	return enc, nil
}

// Verify returns the value a cookie named name carries, or ErrInvalid.
func (s *Signer) Verify(name, cookie string) ([]byte, error) {
	if len(cookie) > MaxLength {
		return nil, ErrInvalid
	}
	var v []byte
	if err := securecookie.DecodeMulti(name, cookie, &v, s.codecs...); err != nil {
		return nil, ErrInvalid
	}
	return v, nil
}
