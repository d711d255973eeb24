package guard

import (
	"net/http"
	"testing"

	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

// Cookie finds what net/http's cookie parser finds for the first cookie
// of a name, across fields, spaces and malformed pairs, and reports a
// missing one as missing.
func TestCookie(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fields  []string
		find    string
		want    string
		present bool
	}{
		{"one", []string{"_xsrf=abc"}, "_xsrf", "abc", true},
		{"among others", []string{"a=1; _xsrf=abc; b=2"}, "_xsrf", "abc", true},
		{"no spaces", []string{"a=1;_xsrf=abc;b=2"}, "_xsrf", "abc", true},
		{"first of two", []string{"_xsrf=one; _xsrf=two"}, "_xsrf", "one", true},
		{"second field", []string{"a=1", "_xsrf=abc"}, "_xsrf", "abc", true},
		{"empty value", []string{"_xsrf=; b=2"}, "_xsrf", "", true},
		{"malformed pair skipped", []string{"junk; _xsrf=abc"}, "_xsrf", "abc", true},
		{"trailing semicolon", []string{"_xsrf=abc;"}, "_xsrf", "abc", true},
		{"a longer name is not it", []string{"_xsrfx=abc"}, "_xsrf", "", false},
		{"a prefix is not it", []string{"_xs=abc"}, "_xsrf", "", false},
		{"missing", []string{"a=1"}, "_xsrf", "", false},
		{"no field", nil, "_xsrf", "", false},
		{"value with =", []string{"_xsrf=a=b"}, "_xsrf", "a=b", true},
	} {
		var got string
		var ok bool
		h := netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
			got, ok = Cookie(r, tc.find)
		})
		srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
		c := netlooptest.Open(srv)
		req := "GET / HTTP/1.1\r\nHost: a.example.com\r\n"
		for _, f := range tc.fields {
			req += "Cookie: " + f + "\r\n"
		}
		c.Feed([]byte(req + "Connection: close\r\n\r\n"))
		if got != tc.want || ok != tc.present {
			t.Errorf("%s: %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.present)
		}
		// net/http agrees where its parser keeps the pair.
		hr := http.Request{Header: http.Header{"Cookie": tc.fields}}
		if ck, err := hr.Cookie(tc.find); err == nil && tc.present && ck.Value != tc.want {
			t.Errorf("%s: net/http reads %q", tc.name, ck.Value)
		}
	}
}
