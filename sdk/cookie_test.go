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
