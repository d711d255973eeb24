package sdk_test

import (
	"errors"
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
