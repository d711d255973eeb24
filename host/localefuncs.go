package host

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/locale"
)

// The times format_date accepts: the years 1 to 9999.
var (
	minDate = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC).Unix()
	maxDate = time.Date(9999, time.December, 31, 23, 59, 59, 0, time.UTC).Unix()
)

// localeCookieAge is how long the user's choice of locale is kept.
const localeCookieAge = 365 * 24 * time.Hour

// locale returns the request's locale, choosing it on first use: the
// user's cookie, else Accept-Language, else the site's default.
func (c *call) locale() *locale.Locale {
	if c.loc == nil {
		b := c.site.locales.Bundle()
		if b.Len() == 1 {
			c.loc = b.Default()
		} else {
			choice, _ := c.cookie(c.site.localeCookie)
			c.loc = b.Choose(choice, c.acceptLanguage())
		}
	}
	return c.loc
}

// acceptLanguage returns the request's Accept-Language fields, joined.
func (c *call) acceptLanguage() string {
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

// localeFor returns the site's locale code names, or its default; the
// templates call it for the locale a page is rendered in.
func (s *Site) localeFor(code string) *locale.Locale {
	b := s.locales.Bundle()
	if l, ok := b.Locale(code); ok {
		return l
	}
	return b.Default()
}

func localeGet(ctx context.Context, mod api.Module, stack []uint64) {
	c := mustCall(ctx, stack)
	if c == nil {
		read(mod, arg(stack, 0), arg(stack, 1))
		return
	}
	outputString(mod, stack, 0, c.locale().Code())
}

func localeSet(ctx context.Context, mod api.Module, stack []uint64) {
	code := string(read(mod, arg(stack, 0), arg(stack, 1)))
	c := mustCall(ctx, stack)
	if c == nil {
		return
	}
	if c.finished || c.w.Sent() {
		ret(stack, abi.ErrFinished)
		return
	}
	b := c.site.locales.Bundle()
	if code == "" {
		r := c.setCookie(abi.FuncLocaleSet, c.site.localeCookie, "", "Max-Age=0")
		if r == 0 {
			c.loc = b.Choose("", c.acceptLanguage())
		}
		ret(stack, r)
		return
	}
	l, ok := b.Locale(code)
	if !ok {
		ret(stack, abi.ErrNotFound)
		return
	}
	r := c.setCookie(abi.FuncLocaleSet, c.site.localeCookie, l.Code(), "Max-Age="+strconv.Itoa(int(localeCookieAge/time.Second)))
	if r == 0 {
		c.loc = l
	}
	ret(stack, r)
}

func translate(ctx context.Context, mod api.Module, stack []uint64) {
	msg := string(read(mod, arg(stack, 0), arg(stack, 1)))
	plural := read(mod, arg(stack, 2), arg(stack, 3))
	count := int(api.DecodeI32(stack[4]))
	c := mustCall(ctx, stack)
	if c == nil {
		read(mod, arg(stack, 5), arg(stack, 6))
		return
	}
	if len(plural) == 0 {
		outputString(mod, stack, 5, c.locale().Translate(msg))
		return
	}
	outputString(mod, stack, 5, c.locale().TranslatePlural(msg, string(plural), count))
}

func formatDate(ctx context.Context, mod api.Module, stack []uint64) {
	secs := int64(stack[0])
	offset, flags := api.DecodeI32(stack[1]), arg(stack, 2)
	c := mustCall(ctx, stack)
	if c == nil {
		read(mod, arg(stack, 3), arg(stack, 4))
		return
	}
	if flags&^(abi.DateRelative|abi.DateNoTime) != 0 || offset < -1440 || offset > 1440 || secs < minDate || secs > maxDate {
		read(mod, arg(stack, 3), arg(stack, 4))
		ret(stack, abi.ErrInvalid)
		return
	}
	t := time.Unix(secs, 0).In(time.FixedZone("", int(offset)*60))
	outputString(mod, stack, 3, c.locale().FormatDate(t, time.Now(), locale.DateFlags(flags)))
}

func formatNumber(ctx context.Context, mod api.Module, stack []uint64) {
	value, digits := api.DecodeF64(stack[0]), api.DecodeI32(stack[1])
	c := mustCall(ctx, stack)
	if c == nil {
		read(mod, arg(stack, 2), arg(stack, 3))
		return
	}
	if digits < -1 || digits > abi.MaxFractionDigits {
		read(mod, arg(stack, 2), arg(stack, 3))
		ret(stack, abi.ErrInvalid)
		return
	}
	outputString(mod, stack, 2, c.locale().FormatNumber(value, int(digits)))
}
