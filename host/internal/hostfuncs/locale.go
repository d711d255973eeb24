package hostfuncs

import (
	"strconv"
	"strings"
	"time"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/locale"
)

// The localization functions (abi/ABI.md section 7.10).

// The times format_date accepts: the years 1 to 9999.
var (
	minDate = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC).Unix()
	maxDate = time.Date(9999, time.December, 31, 23, 59, 59, 0, time.UTC).Unix()
)

// localeCookieAge is how long the user's choice of locale is kept.
const localeCookieAge = 365 * 24 * time.Hour

// locale returns the request's locale, choosing it on first use: the
// user's cookie, else Accept-Language, else the site's default.
func (c *Call) locale() *locale.Locale {
	if c.loc == nil {
		b := c.site.Locales.Bundle()
		if b.Len() == 1 {
			c.loc = b.Default()
		} else {
			choice, _ := c.cookie(c.site.LocaleCookie)
			c.loc = b.Choose(choice, c.acceptLanguage())
		}
	}
	return c.loc
}

// acceptLanguage returns the request's Accept-Language fields, joined.
func (c *Call) acceptLanguage() string {
	var v string
	for _, f := range c.req.Fields() {
		if strings.EqualFold(string(f.Name), "accept-language") {
			if v != "" {
				v += ","
			}
			v += string(f.Value)
		}
	}
	return v
}

// Locale returns the site's locale code names, or its default; the
// templates call it for the locale a page is rendered in.
func (s *Site) Locale(code string) *locale.Locale {
	b := s.Locales.Bundle()
	if l, ok := b.Locale(code); ok {
		return l
	}
	return b.Default()
}

func localeGet(c *Call) (string, int32) { return c.locale().Code(), 0 }

func localeSet(c *Call, code string) int32 {
	if c.done() {
		return abi.ErrFinished
	}
	b := c.site.Locales.Bundle()
	if code == "" {
		r := c.setCookie(abi.FuncLocaleSet, c.site.LocaleCookie, "", "Max-Age=0")
		if r == 0 {
			c.loc = b.Choose("", c.acceptLanguage())
		}
		return r
	}
	l, ok := b.Locale(code)
	if !ok {
		return abi.ErrNotFound
	}
	r := c.setCookie(abi.FuncLocaleSet, c.site.LocaleCookie, l.Code(), "Max-Age="+strconv.Itoa(int(localeCookieAge/time.Second)))
	if r == 0 {
		c.loc = l
	}
	return r
}

func translate(c *Call, msg string, plural []byte, count int32) (string, int32) {
	if len(plural) == 0 {
		return c.locale().Translate(msg), 0
	}
	return c.locale().TranslatePlural(msg, string(plural), int(count)), 0
}

func formatDate(c *Call, secs int64, offset, flags int32) (string, int32) {
	if uint32(flags)&^(abi.DateRelative|abi.DateNoTime) != 0 || offset < -1440 || offset > 1440 || secs < minDate || secs > maxDate {
		return "", abi.ErrInvalid
	}
	t := time.Unix(secs, 0).In(time.FixedZone("", int(offset)*60))
	return c.locale().FormatDate(t, time.Now(), locale.DateFlags(flags)), 0
}

func formatNumber(c *Call, value float64, digits int32) (string, int32) {
	if digits < -1 || digits > abi.MaxFractionDigits {
		return "", abi.ErrInvalid
	}
	return c.locale().FormatNumber(value, int(digits)), 0
}
