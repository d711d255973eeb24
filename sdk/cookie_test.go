package sdk_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

func init() {
	sdk.Handle("test-cookies", func(c *sdk.Context) {
		v, ok := c.Cookie("in")
		if ok {
			c.SetCookie("echo", v, sdk.CookieOptions{MaxAge: 90 * time.Minute, Secure: true, SameSite: "Strict"})
		}
		c.ClearCookie("old", sdk.CookieOptions{Path: "/app"})
		if err := c.SetCookie("x", "y", sdk.CookieOptions{Path: "/a;HttpOnly=false"}); !errors.Is(err, sdk.ErrInvalid) {
			c.Errorf("option with a semicolon: %v", err)
		}
	})
}

func TestCookies(t *testing.T) {
	resp := sdktest.Serve("test-cookies", sdktest.NewRequest("GET", "/").WithHeader("Cookie", "a=1; in=hello; z=2"))
	got := resp.Header.Values("Set-Cookie")
	want := []string{
		"echo=hello; Path=/; Max-Age=5400; HttpOnly; Secure; SameSite=Strict",
		"old=; Path=/app; Max-Age=0; HttpOnly; SameSite=Lax",
	}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Set-Cookie %q, want %q", got, want)
	}
	if len(resp.Logs) != 0 {
		t.Errorf("logs: %q", resp.Logs)
	}
	resp = sdktest.Serve("test-cookies", sdktest.NewRequest("GET", "/"))
	if n := len(resp.Header.Values("Set-Cookie")); n != 1 {
		t.Errorf("without the cookie: %d Set-Cookie fields, want 1", n)
	}
}

func init() {
	sdk.Handle("test-signed", func(c *sdk.Context) {
		if v, err := c.SignedCookie("user"); err == nil {
			c.WriteString("user=" + v)
			return
		} else if errors.Is(err, sdk.ErrInvalid) {
			c.WriteString("invalid")
			return
		}
		c.SetSignedCookie("user", "ada", sdk.CookieOptions{})
		c.WriteString("signed in")
	})
}

func TestSignedCookies(t *testing.T) {
	resp := sdktest.Serve("test-signed", sdktest.NewRequest("GET", "/"))
	if string(resp.Body) != "signed in" || len(resp.Header.Values("Set-Cookie")) != 1 {
		t.Fatalf("first visit: %q %v", resp.Body, resp.Header)
	}
	resp = sdktest.Serve("test-signed", sdktest.NewRequest("GET", "/").WithHeader("Cookie", sdktest.SignedCookie("user", "ada")))
	if string(resp.Body) != "user=ada" {
		t.Fatalf("signed cookie: %q", resp.Body)
	}
	for _, forged := range []string{"user=YWRh.AAAA", sdktest.SignedCookie("other", "ada")[len("other="):]} {
		if !strings.HasPrefix(forged, "user=") {
			forged = "user=" + forged
		}
		resp = sdktest.Serve("test-signed", sdktest.NewRequest("GET", "/").WithHeader("Cookie", forged))
		if string(resp.Body) != "invalid" {
			t.Errorf("forged %q: %q", forged, resp.Body)
		}
	}
}

func init() {
	sdk.Handle("test-login", func(c *sdk.Context) {
		if u, ok := c.CurrentUser(); ok {
			c.WriteString("hello " + u)
			return
		}
		c.SetCurrentUser(c.Argument("user", "ada"))
		c.RedirectNext("/")
	})
}

func TestCurrentUserAndNext(t *testing.T) {
	resp := sdktest.Serve("test-login", sdktest.NewRequest("GET", "/login?next=/private"))
	if resp.Status != 302 || resp.Location != "/private" || !strings.HasPrefix(resp.Header.Get("Set-Cookie"), "wasmweb_user=") {
		t.Fatalf("login: %d %q %v", resp.Status, resp.Location, resp.Header)
	}
	for _, evil := range []string{"//evil.test/x", "https://evil.test/", `/\evil.test`, "javascript:alert(1)"} {
		resp = sdktest.Serve("test-login", sdktest.NewRequest("GET", "/login?next="+url.QueryEscape(evil)))
		if resp.Location != "/" {
			t.Errorf("next=%q redirected to %q, want /", evil, resp.Location)
		}
	}
	resp = sdktest.Serve("test-login", sdktest.NewRequest("GET", "/").WithHeader("Cookie", sdktest.User("bob")))
	if string(resp.Body) != "hello bob" {
		t.Errorf("signed-in request: %q", resp.Body)
	}
}

func init() {
	sdk.Handle("test-cookie-domain", func(c *sdk.Context) {
		err := c.SetCookie(c.QueryArgument("name", "c"), "1", sdk.CookieOptions{Domain: c.QueryArgument("domain", "")})
		if err != nil && !errors.Is(err, sdk.ErrInvalid) {
			c.Errorf("SetCookie: %v", err)
		}
	})
}

// Under the fake, as on the host, a cookie's Domain is the request's host
// or a parent of it that the site's hosts list, and the host's own
// cookies are not the guest's to set: anything else fails the response.
func TestCookieDomainAndHostCookies(t *testing.T) {
	req := func(host, query string) *sdktest.Request {
		return sdktest.NewRequest("GET", "/?"+query).WithHeader("Host", host)
	}
	for _, tc := range []struct {
		name string
		req  *sdktest.Request
		ok   bool
	}{
		{"own host", req("a.example.com", "domain=a.example.com"), true},
		{"own host with port", req("A.example.com:8080", "domain=a.example.com"), true},
		{"listed parent", req("www.a.example.com", "domain=a.example.com").WithHosts("*.a.example.com", "a.example.com"), true},
		{"unlisted parent", req("www.a.example.com", "domain=a.example.com"), false},
		{"parent of a wildcard", req("www.a.example.com", "domain=example.com").WithHosts("*.a.example.com", "a.example.com"), false},
		{"public suffix", req("a.example.com", "domain=com").WithHosts("*"), false},
		{"sibling", req("a.example.com", "domain=b.example.com").WithHosts("*.example.com"), false},
		{"address", req("127.0.0.1:80", "domain=127.0.0.1"), false},
		{"xsrf cookie", req("a.example.com", "name=_xsrf"), false},
		{"user cookie", req("a.example.com", "name=wasmweb_user"), false},
		{"locale cookie", req("a.example.com", "name=wasmweb_locale"), false},
		{"prefixed xsrf cookie", req("a.example.com", "name=__Host-_xsrf"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := sdktest.Serve("test-cookie-domain", tc.req)
			sc := resp.Header.Values("Set-Cookie")
			if ok := resp.Status == 200 && len(sc) == 1; ok != tc.ok || !tc.ok && (resp.Status != 500 || len(sc) != 0) {
				t.Errorf("status %d, Set-Cookie %q (failure %q); want set %v", resp.Status, sc, resp.Failure, tc.ok)
			}
		})
	}
}
