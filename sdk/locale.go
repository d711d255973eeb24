package sdk

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/hostcall"
)

// Locale returns the request's locale code, such as "es" or "pt-BR": the
// one the user chose (SetLocale), else the best match for the request's
// Accept-Language among the site's locales, else the site's default. The
// host has the site's translations (abi/ABI.md section 7.10).
func (c *Context) Locale() string {
	v, _ := c.outputString(func(buf *byte, bufLimit int32) int32 {
		return hostcall.LocaleGet(buf, bufLimit)
	})
	return v
}

// SetLocale records the user's choice of locale in a cookie, kept for a
// year, and makes it the request's locale from now on. It returns an
// error wrapping ErrNotFound, and changes nothing, when the site has no
// such locale. An empty code clears the choice: the request's locale is
// chosen from Accept-Language again.
func (c *Context) SetLocale(code string) error {
	if c.finished {
		return finishedErr(abi.FuncLocaleSet)
	}
	return c.result(abi.FuncLocaleSet, hostcall.LocaleSet(code))
}

// Translate returns msg in the request's locale: the site's translation,
// else the host's own phrase (for the words of dates), else msg.
func (c *Context) Translate(msg string) string {
	v, n := c.outputString(func(buf *byte, bufLimit int32) int32 {
		return hostcall.Translate(msg, "", 0, buf, bufLimit)
	})
	if n < 0 {
		return msg
	}
	return v
}

// TranslatePlural returns, in the request's locale, the form for count n
// of the message whose English forms are singular and plural, with every
// "%d" replaced by n; the locale's rule chooses among its forms (Russian
// has three). n is taken as at most 2³¹−1 either way.
//
//	c.TranslatePlural("%d note", "%d notes", 3) // "3 notes", or "3 notas"
func (c *Context) TranslatePlural(singular, plural string, n int) string {
	n = max(min(n, math.MaxInt32), -math.MaxInt32)
	v, r := c.outputString(func(buf *byte, bufLimit int32) int32 {
		return hostcall.Translate(singular, plural, int32(n), buf, bufLimit)
	})
	switch {
	case r < 0: // outside a request: English
		if n != 1 && plural != "" {
			singular = plural
		}
		return strings.ReplaceAll(singular, "%d", strconv.Itoa(n))
	case plural == "": // the host took it for a message without a count
		return strings.ReplaceAll(v, "%d", strconv.Itoa(n))
	}
	return v
}

// FormatDate writes t in the request's locale as a clock in t's time zone
// shows it: "January 5, 2024 at 3:04 PM", "5 de enero de 2024 a las
// 15:04". With relative, times near now are written relative to it: "just
// now", "2 minutes ago", "in 3 hours", "yesterday at 3:04 PM", "Monday at
// 9:00 AM", and "January 5 at 3:04 PM" within the year.
func (c *Context) FormatDate(t time.Time, relative bool) string {
	flags := int32(0)
	if relative {
		flags = abi.DateRelative
	}
	return c.formatDate(t, flags)
}

// FormatDay is FormatDate without the time of day: "January 5, 2024", or
// with relative "2 minutes ago", "yesterday", "Monday", "January 5".
func (c *Context) FormatDay(t time.Time, relative bool) string {
	flags := int32(abi.DateNoTime)
	if relative {
		flags |= abi.DateRelative
	}
	return c.formatDate(t, flags)
}

func (c *Context) formatDate(t time.Time, flags int32) string {
	_, offset := t.Zone()
	if offset%60 != 0 || offset < -1440*60 || offset > 1440*60 {
		t, offset = t.UTC(), 0
	}
	v, n := c.outputString(func(buf *byte, bufLimit int32) int32 {
		return hostcall.FormatDate(t.Unix(), int32(offset/60), flags, buf, bufLimit)
	})
	if n < 0 {
		return t.Format(time.RFC3339) // a year outside 1-9999
	}
	return v
}

// FormatNumber writes n in the request's locale with as many fraction
// digits as it has: 1234567.5 is "1,234,567.5" in English and
// "1.234.567,5" in German.
func (c *Context) FormatNumber(n float64) string {
	return c.formatNumber(n, -1)
}

// FormatDecimal writes n in the request's locale with digits fraction
// digits (0 to 20), rounded to nearest: FormatDecimal(9.5, 2) is "9.50"
// in English and "9,50" in Spanish.
func (c *Context) FormatDecimal(n float64, digits int) string {
	return c.formatNumber(n, max(0, min(digits, abi.MaxFractionDigits)))
}

func (c *Context) formatNumber(n float64, digits int) string {
	v, r := c.outputString(func(buf *byte, bufLimit int32) int32 {
		return hostcall.FormatNumber(n, int32(digits), buf, bufLimit)
	})
	if r < 0 {
		return strconv.FormatFloat(n, 'f', digits, 64)
	}
	return v
}
