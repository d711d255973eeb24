package abi_test

import (
	"testing"

	"github.com/wasmweb/wasmweb/abi"
)

// Every method number names its method and back, and nothing else has
// a number.
func TestMethodNumbers(t *testing.T) {
	want := map[string]int32{"GET": 1, "HEAD": 2, "POST": 3, "PUT": 4, "DELETE": 5, "PATCH": 6, "OPTIONS": 7}
	for m, n := range want {
		if got := abi.MethodNumber(m); got != n {
			t.Errorf("MethodNumber(%q) = %d, want %d", m, got, n)
		}
		if got := abi.MethodName(n); got != m {
			t.Errorf("MethodName(%d) = %q, want %q", n, got, m)
		}
	}
	for _, m := range []string{"", "get", "Get", "GETS", "PROPFIND", "CONNECT", "TRACE", "GET "} {
		if got := abi.MethodNumber(m); got != abi.MethodOther {
			t.Errorf("MethodNumber(%q) = %d, want MethodOther", m, got)
		}
	}
	for _, n := range []int32{abi.MethodOther, 8, -1, 1 << 30} {
		if got := abi.MethodName(n); got != "" {
			t.Errorf("MethodName(%d) = %q, want \"\"", n, got)
		}
	}
}
