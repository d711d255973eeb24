package xsrf

import (
	"encoding/hex"
	"testing"
	"time"
)

func TestMaskedTokens(t *testing.T) {
	tok := New()
	cookie := Mask(tok, time.Now())
	seen := map[string]bool{}
	for i := 0; i < 20; i++ {
		m := Mask(tok, time.Now())
		if seen[m] {
			t.Fatal("two renders gave the same masked token")
		}
		seen[m] = true
		if !Match(cookie, m) {
			t.Fatalf("a fresh masking of the token did not match: %s vs %s", cookie, m)
		}
	}
	if !Match(cookie, hex.EncodeToString(tok)) {
		t.Error("the unmasked (version 1) form did not match")
	}
	other := Mask(New(), time.Now())
	for name, sub := range map[string]string{
		"missing": "", "another cookie's token": other, "garbage": "2|zz|zz|1", "short": "2|00|", "truncated hex": "2|abcd|ab|1",
	} {
		if Match(cookie, sub) {
			t.Errorf("%s matched", name)
		}
	}
	if Match("", Mask(tok, time.Now())) {
		t.Error("a token matched a missing cookie")
	}
}

func TestSafe(t *testing.T) {
	for m, want := range map[string]bool{"GET": true, "HEAD": true, "OPTIONS": true, "POST": false, "PUT": false, "DELETE": false, "PATCH": false} {
		if Safe(m) != want {
			t.Errorf("Safe(%s) = %v", m, !want)
		}
	}
}
