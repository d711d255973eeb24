package signed

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

const secretA = "0123456789abcdef0123456789abcdef"
const secretB = "fedcba9876543210fedcba9876543210"

func mustNew(t *testing.T, site string, secrets []string, maxAge time.Duration, encrypt bool) *Signer {
	t.Helper()
	s, err := New(site, secrets, maxAge, encrypt)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoundTripAndRejections(t *testing.T) {
	for _, encrypt := range []bool{false, true} {
		s := mustNew(t, "blog", []string{secretA}, time.Hour, encrypt)
		c, err := s.Sign("user", []byte("ada"))
		if err != nil {
			t.Fatal(err)
		}
		if v, err := s.Verify("user", c); err != nil || string(v) != "ada" {
			t.Fatalf("round trip: %q %v", v, err)
		}
		if encrypt && strings.Contains(c, base64.URLEncoding.EncodeToString([]byte("ada"))) {
			t.Error("an encrypted value shows its payload")
		}
		raw, _ := base64.URLEncoding.DecodeString(c)
		flip := func(i int) string {
			b := append([]byte(nil), raw...)
			b[i] ^= 1
			return base64.URLEncoding.EncodeToString(b)
		}
		other := mustNew(t, "shop", []string{secretA}, time.Hour, encrypt)
		cases := map[string]func() error{
			"tampered timestamp": func() error { _, err := s.Verify("user", flip(0)); return err },
			"tampered payload":   func() error { _, err := s.Verify("user", flip(len(raw)/2)); return err },
			"tampered signature": func() error { _, err := s.Verify("user", flip(len(raw)-1)); return err },
			"another name":       func() error { _, err := s.Verify("admin", c); return err },
			"another site":       func() error { _, err := other.Verify("user", c); return err },
			"garbage":            func() error { _, err := s.Verify("user", "not|a|cookie"); return err },
			"oversized":          func() error { _, err := s.Verify("user", strings.Repeat("A", MaxLength+1)); return err },
		}
		for name, f := range cases {
			if err := f(); !errors.Is(err, ErrInvalid) {
				t.Errorf("encrypt=%v %s: %v, want ErrInvalid", encrypt, name, err)
			}
		}
		if _, err := s.Sign("user", make([]byte, MaxLength)); !errors.Is(err, ErrTooLong) {
			t.Errorf("oversized Sign: %v", err)
		}
	}
}

func TestRotation(t *testing.T) {
	old := mustNew(t, "blog", []string{secretA}, time.Hour, false)
	c, _ := old.Sign("user", []byte("ada"))
	rotated := mustNew(t, "blog", []string{secretB, secretA}, time.Hour, false)
	if v, err := rotated.Verify("user", c); err != nil || string(v) != "ada" {
		t.Fatalf("old key during rotation: %q %v", v, err)
	}
	fresh, _ := rotated.Sign("user", []byte("bob"))
	if _, err := old.Verify("user", fresh); err == nil {
		t.Error("a value signed with the new key verified with the old one alone")
	}
	done := mustNew(t, "blog", []string{secretB}, time.Hour, false)
	if _, err := done.Verify("user", c); !errors.Is(err, ErrInvalid) {
		t.Errorf("old key removed: %v, want ErrInvalid", err)
	}
}

// A value past its max age is refused. securecookie counts whole seconds,
// so the test lets two of them pass.
func TestExpired(t *testing.T) {
	if testing.Short() {
		t.Skip("waits two seconds")
	}
	s := mustNew(t, "blog", []string{secretA}, time.Second, false)
	c, _ := s.Sign("user", []byte("ada"))
	time.Sleep(2100 * time.Millisecond)
	if _, err := s.Verify("user", c); !errors.Is(err, ErrInvalid) {
		t.Fatalf("expired value: %v, want ErrInvalid", err)
	}
}

func TestWeakSecret(t *testing.T) {
	if _, err := New("blog", []string{"short"}, 0, false); err == nil {
		t.Error("a 5-byte secret was accepted")
	}
}
