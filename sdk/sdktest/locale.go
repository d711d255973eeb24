package sdktest

import (
	"fmt"
	"maps"
	"net/http"
	"strings"
	"time"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/internal/locale"
)

// localeSpec is what a Request says of its site's languages.
type localeSpec struct {
	def      string                       // the default locale; "" is "en"
	messages map[string]map[string]string // by locale code
	now      time.Time                    // the host's clock; zero: the real one
}

func (s localeSpec) clone() localeSpec {
	if s.messages != nil {
		m := make(map[string]map[string]string, len(s.messages))
		for code, msgs := range s.messages {
			m[code] = maps.Clone(msgs)
		}
		s.messages = m
	}
	return s
}

// WithTranslations gives the request's site the locale code, with msgs
// as its translations: message to translation, read as the rows of a CSV
// translations file without a plural column, so a message with a count
// has a row for its English singular and one for its English plural (the
// fake has no .po files and their plural rules). A later call for the same
// code replaces its messages. The request's locale is then chosen as the
// host chooses it (abi/ABI.md section 7.10): the locale the cookie
// wasmweb_locale names, else the best match for Accept-Language, else the
// default. Dates are written as the host writes them. It panics if code is
// not a locale code.
//
// The fake has no CLDR data, which the host takes from golang.org/x/text
// (see internal/locale's Basic): it takes any well-formed code, matches
// Accept-Language by exact code, then by language ("es-MX" chooses "es",
// "pt" chooses "pt-BR"), without the host's close languages and scripts,
// and writes numbers as the host does in English, Spanish, German and
// French, other languages as in English.
func (r *Request) WithTranslations(code string, msgs map[string]string) *Request {
	l, err := locale.Builtin(locale.Basic, code)
	if err != nil {
		panic(fmt.Sprintf("sdktest: WithTranslations(%q): %v", code, err))
	}
	c := r.clone()
	if c.locale.messages == nil {
		c.locale.messages = map[string]map[string]string{}
	}
	c.locale.messages[l.Code()] = maps.Clone(msgs)
	return c
}

// WithDefaultLocale sets the site's default locale, "en" unless set. It
// panics if code is not a locale code.
func (r *Request) WithDefaultLocale(code string) *Request {
	if _, err := locale.Builtin(locale.Basic, code); err != nil {
		panic(fmt.Sprintf("sdktest: WithDefaultLocale(%q): %v", code, err))
	}
	c := r.clone()
	c.locale.def = code
	return c
}

// WithClock sets the host's clock, which relative dates ("2 minutes
// ago") are relative to; by default it is the time of each call.
func (r *Request) WithClock(now time.Time) *Request {
	c := r.clone()
	c.locale.now = now
	return c
}

// localeCookieAge is the host's lifetime of the locale cookie, a year.
const localeCookieAge = "Max-Age=31536000"

// bundle returns the site's locales, made on first use.
func (h *fakeHost) bundle() *locale.Bundle {
	if h.locales == nil {
		def := h.req.locale.def
		if def == "" {
			def = "en"
		}
		b, err := locale.NewBundle(locale.Basic, def, h.req.locale.messages)
		if err != nil {
			panic("sdktest: " + err.Error()) // the With methods checked the codes
		}
		h.locales = b
	}
	return h.locales
}

// locale returns the request's locale, chosen on first use.
func (h *fakeHost) locale() *locale.Locale {
	if h.loc == nil {
		choice, _ := h.cookieValue(abi.LocaleCookie)
		h.loc = h.bundle().Choose(choice, h.acceptLanguage())
	}
	return h.loc
}

func (h *fakeHost) acceptLanguage() string {
	var vs []string
	for _, f := range h.header {
		if strings.EqualFold(f.name, "Accept-Language") {
			vs = append(vs, f.value)
		}
	}
	return strings.Join(vs, ",")
}

// cookieValue returns the request's first cookie named name.
func (h *fakeHost) cookieValue(name string) (string, bool) {
	for _, f := range h.header {
		if !strings.EqualFold(f.name, "cookie") {
			continue
		}
		cookies, _ := http.ParseCookie(f.value)
		for _, c := range cookies {
			if c.Name == name {
				return c.Value, true
			}
		}
	}
	return "", false
}

func (h *fakeHost) LocaleGet(buf []byte) int32 {
	return h.call(output(buf, h.locale().Code()), abi.FuncLocaleGet, "buf_limit=%d", len(buf))
}

// LocaleSet sets the locale cookie as the host does, or clears it for an
// empty code.
func (h *fakeHost) LocaleSet(code string) int32 {
	var r int32
	switch l, ok := h.bundle().Locale(code); {
	case h.finished:
		r = abi.ErrFinished
	case code == "":
		r = h.setLocaleCookie("", "Max-Age=0")
		if r == 0 {
			h.loc = h.bundle().Choose("", h.acceptLanguage())
		}
	case !ok:
		r = abi.ErrNotFound
	default:
		r = h.setLocaleCookie(l.Code(), localeCookieAge)
		if r == 0 {
			h.loc = l
		}
	}
	return h.call(r, abi.FuncLocaleSet, "code=%q", code)
}

func (h *fakeHost) setLocaleCookie(value, attrs string) int32 {
	v, err := setCookie(abi.LocaleCookie, value, attrs)
	if err != nil {
		return h.fail(abi.FuncLocaleSet, "%v", err)
	}
	h.respHeader.Add("Set-Cookie", v)
	return 0
}

func (h *fakeHost) Translate(msg, plural string, count int32, buf []byte) int32 {
	var v string
	if plural == "" {
		v = h.locale().Translate(msg)
	} else {
		v = h.locale().TranslatePlural(msg, plural, int(count))
	}
	return h.call(output(buf, v), abi.FuncTranslate, "msg=%q, plural=%q, count=%d, buf_limit=%d", msg, plural, count, len(buf))
}

// The times format_date accepts: the years 1 to 9999.
var (
	minDate = time.Date(1, time.January, 1, 0, 0, 0, 0, time.UTC).Unix()
	maxDate = time.Date(9999, time.December, 31, 23, 59, 59, 0, time.UTC).Unix()
)

func (h *fakeHost) FormatDate(unixSeconds int64, offsetMin, flags int32, buf []byte) int32 {
	r := int32(abi.ErrInvalid)
	if flags&^(abi.DateRelative|abi.DateNoTime) == 0 && offsetMin >= -1440 && offsetMin <= 1440 && unixSeconds >= minDate && unixSeconds <= maxDate {
		now := h.req.locale.now
		if now.IsZero() {
			now = time.Now()
		}
		t := time.Unix(unixSeconds, 0).In(time.FixedZone("", int(offsetMin)*60))
		r = output(buf, h.locale().FormatDate(t, now, locale.DateFlags(flags)))
	}
	return h.call(r, abi.FuncFormatDate, "unix_seconds=%d, offset_min=%d, flags=%d, buf_limit=%d", unixSeconds, offsetMin, flags, len(buf))
}

func (h *fakeHost) FormatNumber(value float64, digits int32, buf []byte) int32 {
	r := int32(abi.ErrInvalid)
	if digits >= -1 && digits <= abi.MaxFractionDigits {
		r = output(buf, h.locale().FormatNumber(value, int(digits)))
	}
	return h.call(r, abi.FuncFormatNumber, "value=%v, digits=%d, buf_limit=%d", value, digits, len(buf))
}

func (noRequest) LocaleGet([]byte) int32                        { return abi.ErrNoRequest }
func (noRequest) LocaleSet(string) int32                        { return abi.ErrNoRequest }
func (noRequest) Translate(string, string, int32, []byte) int32 { return abi.ErrNoRequest }
func (noRequest) FormatDate(int64, int32, int32, []byte) int32  { return abi.ErrNoRequest }
func (noRequest) FormatNumber(float64, int32, []byte) int32     { return abi.ErrNoRequest }
