// Package kv keeps each site's key-value store (abi/ABI.md section
// 7.13): an embedded bbolt file per site, or a NATS JetStream key-value
// bucket per site shared by every node. Both implement Store with the
// same answers; Stores opens a site's store on first use and keeps it
// across reloads. It knows nothing of guests: package hostfuncs maps its
// errors to the ABI's codes.
package kv

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/wasmweb/wasmweb/abi"
)

// Entry is a key's value and version.
type Entry struct {
	Value   []byte
	Version uint64
}

// Expect values of Store.Set and Store.Delete, as the ABI's.
const (
	// Any writes whatever the key holds.
	Any int64 = abi.KVAny
	// Absent writes only when the key has no value.
	Absent int64 = abi.KVAbsent
)

// Store is one site's keys. Keys, values and TTLs reaching it have been
// checked by CheckKey, CheckValue and CheckTTL (Limits.Check does all);
// it enforces the key count and byte quotas. Implementations are safe
// for concurrent use.
type Store interface {
	// Get returns the key's entry, or ErrNotFound.
	Get(key string) (Entry, error)
	// Set stores value under key when expect allows (Any, Absent or a
	// version; else ErrConflict) and returns the new version. ttl > 0
	// makes the key expire after it.
	Set(key string, value []byte, ttl time.Duration, expect int64) (uint64, error)
	// Delete removes key when expect allows: ErrNotFound when it has no
	// value and expect is Any or Absent, ErrConflict otherwise.
	Delete(key string, expect int64) error
	// Incr adds delta to the decimal integer key holds (0 when none) and
	// returns the sum; ttl applies when it creates the key. ErrNotInteger
	// for another value or an overflow.
	Incr(key string, delta int64, ttl time.Duration) (int64, error)
	// List returns at most limit keys that start with prefix and sort
	// after after, in byte order.
	List(prefix, after string, limit int) ([]string, error)
	// SetLimits changes the quotas for the writes that follow.
	SetLimits(Limits) error
	// Close releases the store; it must not be used after.
	Close() error
}

// Limits are a site's quotas. Every field must be positive: the
// site's config gives them their defaults.
type Limits struct {
	// MaxKeys caps the keys.
	MaxKeys int
	// MaxBytes caps the keys' and values' bytes together.
	MaxBytes int64
	// MaxKeyBytes caps a key; at most abi.MaxKVKey.
	MaxKeyBytes int
	// MaxValueBytes caps a value.
	MaxValueBytes int
}

// Errors of Store methods and of the checks.
var (
	ErrNotFound = errors.New("kv: no such key")
	ErrConflict = errors.New("kv: version conflict")
	// ErrInvalid: a key outside the alphabet, a negative TTL, a bad
	// expect or limit.
	ErrInvalid = errors.New("kv: invalid argument")
	// ErrTooLarge: a key or value past its cap, or a write past the
	// site's keys or bytes.
	ErrTooLarge = errors.New("kv: quota exceeded")
	// ErrNotInteger: Incr found a value that is no decimal integer, or
	// the sum overflows.
	ErrNotInteger = errors.New("kv: not a 64-bit decimal integer")
	// ErrUnavailable wraps a backend's failure: a file that cannot be
	// opened or written, a NATS server out of reach.
	ErrUnavailable = errors.New("kv: store unavailable")
)

func unavailable(err error) error { return fmt.Errorf("%w: %v", ErrUnavailable, err) }

// CheckKey checks a key against the ABI's rules and the cap: ErrTooLarge
// past MaxKeyBytes (checked first), ErrInvalid outside the alphabet.
func (l Limits) CheckKey(key string) error {
	if len(key) > l.MaxKeyBytes {
		return fmt.Errorf("%w: key of %d bytes, the site's max_key_bytes is %d", ErrTooLarge, len(key), l.MaxKeyBytes)
	}
	if !abi.ValidKVKey(key) {
		return fmt.Errorf("%w: key %q", ErrInvalid, key)
	}
	return nil
}

// CheckWrite checks a write's key, value size, TTL and expect.
func (l Limits) CheckWrite(key string, valueLen int, ttl time.Duration, expect int64) error {
	if err := l.CheckKey(key); err != nil {
		return err
	}
	if valueLen > l.MaxValueBytes {
		return fmt.Errorf("%w: value of %d bytes, the site's max_value_bytes is %d", ErrTooLarge, valueLen, l.MaxValueBytes)
	}
	if ttl < 0 || expect < Any {
		return ErrInvalid
	}
	return nil
}

// CheckList checks a list's arguments.
func CheckList(prefix, after string, limit int) error {
	if limit < 1 || limit > abi.MaxKVList || !validPart(prefix) || !validPart(after) {
		return ErrInvalid
	}
	return nil
}

// validPart reports whether s could start a key: at most abi.MaxKVKey
// bytes of the key alphabet.
func validPart(s string) bool {
	if len(s) > abi.MaxKVKey {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '/' || c == '=' || c == '.') {
			return false
		}
	}
	return true
}

// add returns the integer value holds (0 for none) plus delta, as
// Incr stores it.
func add(value []byte, found bool, delta int64) (int64, []byte, error) {
	var n int64
	if found {
		if len(value) == 0 || value[0] == '+' {
			return 0, nil, ErrNotInteger
		}
		var err error
		if n, err = strconv.ParseInt(string(value), 10, 64); err != nil {
			return 0, nil, ErrNotInteger
		}
	}
	sum := n + delta
	if (delta > 0 && sum < n) || (delta < 0 && sum > n) {
		return 0, nil, ErrNotInteger
	}
	return sum, strconv.AppendInt(nil, sum, 10), nil
}

// TTL turns an ABI ttl_seconds into a duration.
func TTL(seconds int32) time.Duration { return time.Duration(seconds) * time.Second }
