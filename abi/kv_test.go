package abi

import (
	"strings"
	"testing"
)

func TestValidKVKey(t *testing.T) {
	for _, tc := range []struct {
		key string
		ok  bool
	}{
		{"a", true},
		{"posts/2024/hello-world_1=x.json", true},
		{"a.b", true},
		{strings.Repeat("k", MaxKVKey), true},
		{"", false},
		{strings.Repeat("k", MaxKVKey+1), false},
		{".a", false},
		{"a.", false},
		{"a..b", false},
		{"a:b", false},
		{"a b", false},
		{"a*", false},
		{"a>", false},
		{"é", false},
		{"a\x00", false},
	} {
		if got := ValidKVKey(tc.key); got != tc.ok {
			t.Errorf("ValidKVKey(%.20q) = %v, want %v", tc.key, got, tc.ok)
		}
	}
}
