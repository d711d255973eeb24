package sdk_test

import (
	"errors"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

func init() {
	sdk.Handle("test-locale", func(c *sdk.Context) {
		c.WriteString(c.Locale())
		if err := c.SetLocale("xx"); !errors.Is(err, sdk.ErrNotFound) {
			c.Errorf("SetLocale(xx): %v", err)
		}
		if err := c.SetLocale("de"); err != nil {
			c.Errorf("SetLocale(de): %v", err)
		}
		c.WriteString(" " + c.Locale() + " " + c.Translate("yesterday"))
		if err := c.SetLocale(""); err != nil {
			c.Errorf("SetLocale(\"\"): %v", err)
		}
		c.WriteString(" " + c.Locale())
	})
	sdk.Handle("test-formats", func(c *sdk.Context) {
		now := time.Date(2024, time.March, 13, 15, 4, 0, 0, time.UTC)
		berlin := time.FixedZone("CET", 3600)
		for _, s := range []string{
			c.FormatDate(now.Add(-time.Hour), true),
			c.FormatDate(now.Add(-26*time.Hour).In(berlin), true),
			c.FormatDay(now.Add(-26*time.Hour), true),
			c.FormatDay(now, false),
			c.FormatDate(now.In(berlin), false),
			c.FormatDate(time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), false),
			c.FormatNumber(-1234567.25),
			c.FormatDecimal(2.5, 2),
			c.FormatDecimal(2.5, 99),
			c.TranslatePlural("%d file", "%d files", 1),
			c.TranslatePlural("%d file", "%d files", 1<<40),
		} {
			c.WriteString(s + "|")
		}
	})
}

func TestLocale(t *testing.T) {
	site := sdktest.NewRequest("GET", "/").WithTranslations("de", nil).WithTranslations("es", nil)
	for _, tc := range []struct {
		req  *sdktest.Request
		want string
	}{
		{site, "en de gestern en"},
		{site.WithHeader("Accept-Language", "es"), "es de gestern es"},
		{site.WithHeader("Cookie", "wasmweb_locale=es").WithHeader("Accept-Language", "de"), "es de gestern de"},
		{site.WithDefaultLocale("es"), "es de gestern es"},
	} {
		resp := sdktest.Serve("test-locale", tc.req)
		if string(resp.Body) != tc.want || len(resp.Logs) != 0 {
			t.Errorf("%q (logs %q), want %q", resp.Body, resp.Logs, tc.want)
		}
		want := []string{"wasmweb_locale=de; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax", "wasmweb_locale=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"}
		if got := resp.Header.Values("Set-Cookie"); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("Set-Cookie %q, want %q", got, want)
		}
	}
}

func TestFormats(t *testing.T) {
	req := sdktest.NewRequest("GET", "/").WithClock(time.Date(2024, time.March, 13, 15, 4, 0, 0, time.UTC))
	for _, tc := range []struct {
		req  *sdktest.Request
		want string
	}{
		{req, "1 hour ago|yesterday at 2:04 PM|yesterday|March 13, 2024|March 13, 2024 at 4:04 PM|10000-01-01T00:00:00Z|-1,234,567.25|2.50|2.50000000000000000000|1 file|2147483647 files|"},
		{req.WithDefaultLocale("es"), "hace 1 hora|ayer a las 14:04|ayer|13 de marzo de 2024|13 de marzo de 2024 a las 16:04|10000-01-01T00:00:00Z|-1.234.567,25|2,50|2,50000000000000000000|1 file|2147483647 files|"},
	} {
		resp := sdktest.Serve("test-formats", tc.req)
		if string(resp.Body) != tc.want {
			t.Errorf("got  %s\nwant %s", resp.Body, tc.want)
		}
	}
}

// escaped is the Context test-locale-escape's handler let out of its
// request.
var escaped *sdk.Context

func init() {
	sdk.Handle("test-locale-escape", func(ctx *sdk.Context) { escaped = ctx })
}

// Outside a request the locale methods answer as in English.
func TestLocaleOutsideRequest(t *testing.T) {
	sdktest.Serve("test-locale-escape", nil)
	c := escaped
	if got := c.Translate("yesterday"); got != "yesterday" {
		t.Errorf("Translate: %q", got)
	}
	if got := c.TranslatePlural("%d file", "%d files", 2); got != "2 files" {
		t.Errorf("TranslatePlural: %q", got)
	}
	if got := c.FormatNumber(1.5); got != "1.5" {
		t.Errorf("FormatNumber: %q", got)
	}
	if err := c.SetLocale("en"); !errors.Is(err, sdk.ErrNoRequest) {
		t.Errorf("SetLocale: %v", err)
	}
}
