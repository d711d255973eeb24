package accounts

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// hash makes a bcrypt hash at the lowest cost, to keep tests fast.
func hash(t testing.TB, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

// clock is a settable time for the limiter.
type clock struct{ t atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.t.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *clock) now() time.Time                  { return time.Unix(0, c.t.Load()) }
func (c *clock) advance(d time.Duration)         { c.t.Add(int64(d)) }
func (l *limiter) setClock(now func() time.Time) { l.now = now }

func testAccounts(t *testing.T) (*Accounts, *clock) {
	t.Helper()
	long := strings.Repeat("p", MaxPasswordLen)
	a, err := New(map[string]string{"alice": hash(t, "wonderland"), "Bob Smith": hash(t, long)})
	if err != nil {
		t.Fatal(err)
	}
	c := newClock()
	a.lim.setClock(c.now)
	return a, c
}

func TestLogin(t *testing.T) {
	a, _ := testAccounts(t)
	for _, tc := range []struct {
		name, user, password string
		want                 error
	}{
		{"right password", "alice", "wonderland", nil},
		{"wrong password", "alice", "wonderlanD", ErrDenied},
		{"empty password", "alice", "", ErrDenied},
		{"unknown user", "mallory", "wonderland", ErrDenied},
		{"names are case-sensitive", "Alice", "wonderland", ErrDenied},
		{"name with a space", "Bob Smith", strings.Repeat("p", MaxPasswordLen), nil},
		{"73-byte password", "Bob Smith", strings.Repeat("p", MaxPasswordLen+1), ErrPasswordTooLong},
		{"73-byte password, unknown user", "nobody", strings.Repeat("p", MaxPasswordLen+1), ErrPasswordTooLong},
		{"empty name", "", "x", ErrDenied},
		{"control character in name", "ali\nce", "wonderland", ErrDenied},
		{"name too long", strings.Repeat("a", MaxNameLen+1), "x", ErrDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := a.Login(tc.user, []byte(tc.password)); err != tc.want {
				t.Errorf("Login(%q, %q) = %v, want %v", tc.user, tc.password, err, tc.want)
			}
		})
	}
}

// A name that fails MaxFailures times within Window is locked for
// LockFor, even against the right password; the lock then expires.
func TestLockout(t *testing.T) {
	a, c := testAccounts(t)
	for i := range MaxFailures {
		if err := a.Login("alice", []byte("guess"+strconv.Itoa(i))); err != ErrDenied {
			t.Fatalf("guess %d: %v", i, err)
		}
	}
	if err := a.Login("alice", []byte("wonderland")); err != ErrDenied {
		t.Fatalf("right password while locked: %v, want ErrDenied", err)
	}
	c.advance(LockFor - time.Second)
	if err := a.Login("alice", []byte("wonderland")); err != ErrDenied {
		t.Fatalf("right password a second before the lock ends: %v, want ErrDenied", err)
	}
	c.advance(time.Second)
	if err := a.Login("alice", []byte("wonderland")); err != nil {
		t.Fatalf("right password after the lock: %v", err)
	}
}

// Names without an account lock too, so that the lock tells nothing.
func TestLockoutUnknownName(t *testing.T) {
	a, _ := testAccounts(t)
	for range MaxFailures {
		a.Login("mallory", []byte("x"))
	}
	if a.lim.begin("mallory") {
		t.Error("an unknown name that failed MaxFailures times is not locked")
	}
}

// Failures further apart than Window, or cleared by a success, do not
// add up.
func TestLockoutCountResets(t *testing.T) {
	a, c := testAccounts(t)
	fail := func(n int) {
		for range n {
			if err := a.Login("alice", []byte("guess")); err != ErrDenied {
				t.Fatalf("guess: %v", err)
			}
		}
	}
	fail(MaxFailures - 1)
	c.advance(Window)
	fail(MaxFailures - 1)
	if err := a.Login("alice", []byte("wonderland")); err != nil {
		t.Fatalf("after failures in two windows: %v", err)
	}
	fail(MaxFailures - 1)
	if err := a.Login("alice", []byte("wonderland")); err != nil {
		t.Fatalf("after a success and more failures: %v", err)
	}
}

// Concurrent attempts for one name are counted as they start: no more
// than MaxFailures get checked, however many arrive at once.
func TestLimiterHammer(t *testing.T) {
	l := newLimiter(newClock().now)
	var admitted atomic.Int32
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			if l.begin("alice") {
				admitted.Add(1)
			}
		})
	}
	wg.Wait()
	if n := admitted.Load(); n != MaxFailures {
		t.Errorf("%d concurrent attempts admitted, want %d", n, MaxFailures)
	}
}

// The limiter holds at most MaxTracked names and forgets expired ones
// before a locked one.
func TestLimiterBounded(t *testing.T) {
	c := newClock()
	l := newLimiter(c.now)
	for i := range MaxTracked - 1 {
		l.begin("user" + strconv.Itoa(i))
	}
	c.advance(Window - 10*time.Second)
	for range MaxFailures {
		l.begin("alice")
	}
	c.advance(20 * time.Second) // the others' windows are over; alice's lock is not
	for i := range 100 {
		l.begin("new" + strconv.Itoa(i))
	}
	if n := len(l.names); n > MaxTracked {
		t.Fatalf("%d names tracked, want at most %d", n, MaxTracked)
	}
	if l.begin("alice") {
		t.Error("alice's lock was forgotten while expired entries could go")
	}
	for i := range 2 * MaxTracked {
		l.begin("flood" + strconv.Itoa(i))
	}
	if n := len(l.names); n > MaxTracked {
		t.Fatalf("%d names tracked after a flood, want at most %d", n, MaxTracked)
	}
}

// Unknown names are checked against a dummy of the highest cost, so they
// take as long as the slowest account.
func TestDummyCost(t *testing.T) {
	h, err := bcrypt.GenerateFromPassword([]byte("x"), bcrypt.MinCost+1)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(map[string]string{"a": hash(t, "x"), "b": string(h)})
	if err != nil {
		t.Fatal(err)
	}
	if cost, _ := bcrypt.Cost(a.dummy); cost != bcrypt.MinCost+1 {
		t.Errorf("dummy cost %d, want %d", cost, bcrypt.MinCost+1)
	}
}

func TestCheckHash(t *testing.T) {
	good := hash(t, "x")
	salt := strings.Repeat("a", 53)
	for _, tc := range []struct {
		name, hash, err string
	}{
		{"made by bcrypt", good, ""},
		{"2b", "$2b$10$" + salt, ""},
		{"2y", "$2y$14$" + salt, ""},
		{"plain text", "wonderland", "not a bcrypt hash"},
		{"empty", "", "not a bcrypt hash"},
		{"truncated", good[:59], "not a bcrypt hash"},
		{"one character more", good + "a", "not a bcrypt hash"},
		{"md5-crypt", "$1$10$" + salt, "not a bcrypt hash"},
		{"unknown minor version", "$2x$10$" + salt, "not a bcrypt hash"},
		{"character outside the alphabet", "$2a$10$" + salt[:52] + "+", "not a bcrypt hash"},
		{"one-digit cost", "$2a$9$" + salt + "a", "not a bcrypt hash"},
		{"cost 3", "$2a$03$" + salt, "below the minimum"},
		{"cost 15", "$2a$15$" + salt, "above 14"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckHash(tc.hash)
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("CheckHash(%q) = %v, want %q", tc.hash, err, tc.err)
			}
		})
	}
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"alice", true}, {"alice@example.com", true}, {"Zoë", true}, {"Bob Smith", true},
		{strings.Repeat("a", MaxNameLen), true},
		{"", false}, {strings.Repeat("a", MaxNameLen+1), false}, {" alice", false}, {"alice\t", false},
		{"al\x00ice", false}, {"al\x7fice", false}, {"al\u0085ice", false}, {"al\xffice", false},
	} {
		if err := CheckName(tc.name); (err == nil) != tc.ok {
			t.Errorf("CheckName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestNewRefusesBadAccounts(t *testing.T) {
	for _, hashes := range []map[string]string{
		{"alice": "wonderland"},
		{"": hash(t, "x")},
	} {
		if _, err := New(hashes); err == nil {
			t.Errorf("New(%v) succeeded", hashes)
		}
	}
}

// FuzzCheckHash: CheckHash never panics, and what it accepts bcrypt
// reads with the same cost and can check a password against.
func FuzzCheckHash(f *testing.F) {
	f.Add("$2a$04$abcdefghijklmnopqrstuuAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$2b$10$" + strings.Repeat(".", 53))
	f.Add("$2y$99$" + strings.Repeat("/", 53))
	f.Add("")
	f.Fuzz(func(t *testing.T, h string) {
		cost, err := CheckHash(h)
		if err != nil {
			return
		}
		if got, err := bcrypt.Cost([]byte(h)); err != nil || got != cost {
			t.Fatalf("CheckHash(%q) = %d, but bcrypt.Cost = %d, %v", h, cost, got, err)
		}
		if cost > MinCost+2 {
			return // keep the fuzzer fast
		}
		if err := bcrypt.CompareHashAndPassword([]byte(h), []byte("x")); err != nil && !errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			t.Fatalf("accepted %q, but bcrypt fails on it: %v", h, err)
		}
	})
}
