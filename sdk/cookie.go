package sdk

import (
	"strconv"
	"strings"
	"time"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/hostcall"
)

// CookieOptions are a cookie's attributes. The zero value is a session
// cookie for the whole site (Path=/) that scripts cannot read (HttpOnly)
// and that other sites' pages do not send (SameSite=Lax).
type CookieOptions struct {
	// Path limits the cookie to a path; default "/".
	Path string
	// Domain widens the cookie to a domain and the names within it: the
	// request's host, or a parent of it that the site serves and no other
	// site on the server shares (abi/ABI.md section 7.6); never a public
	// suffix or an IP address. Default: the request's host only.
	Domain string
	// MaxAge is the cookie's lifetime; zero makes a session cookie.
	MaxAge time.Duration
	// Secure sends the cookie over HTTPS only.
	Secure bool
	// Script lets the page's scripts read the cookie (no HttpOnly).
	Script bool
	// SameSite is "Lax" (default), "Strict" or "None" (which needs Secure).
	SameSite string
}

// attrs renders the options as cookie_set's attribute list.
func (o CookieOptions) attrs(deleting bool) string {
	var b strings.Builder
	add := func(s string) {
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(s)
	}
	if o.Path != "" {
		add("Path=" + o.Path)
	}
	if o.Domain != "" {
		add("Domain=" + o.Domain)
	}
	switch {
	case deleting:
		add("Max-Age=0")
	case o.MaxAge > 0:
		add("Max-Age=" + strconv.FormatInt(int64((o.MaxAge+time.Second-1)/time.Second), 10))
	}
	if o.Secure {
		add("Secure")
	}
	if o.Script {
		add("HttpOnly=false")
	}
	if o.SameSite != "" {
		add("SameSite=" + o.SameSite)
	}
	return b.String()
}

// valid reports whether the options can be written as attributes: no ";"
// (which would start another attribute) and no control characters.
func (o CookieOptions) valid() bool {
	for _, v := range []string{o.Path, o.Domain, o.SameSite} {
		for i := 0; i < len(v); i++ {
			if v[i] == ';' || v[i] < ' ' || v[i] == 0x7f {
				return false
			}
		}
	}
	return true
}

// Cookie returns the value of the request's cookie name, and whether it
// was sent.
func (c *Context) Cookie(name string) (string, bool) {
	v, n := c.outputString(func(buf *byte, bufLimit int32) int32 {
		return hostcall.CookieGet(name, buf, bufLimit)
	})
	return v, n >= 0
}

// SetCookie sets a cookie on the response. A name that is not a token or
// is one of the host's cookies (_xsrf, wasmweb_user, the locale cookie), a
// value with characters a cookie cannot hold (spaces, quotes, commas,
// semicolons, backslashes, control characters, non-ASCII), a Domain the
// site does not own alone, or a bad option is refused with ErrInvalid,
// and the response fails with 500. Options
// holding ";" or control characters are refused before reaching the host,
// with ErrInvalid, and the response is left to the handler.
func (c *Context) SetCookie(name, value string, opts CookieOptions) error {
	if c.finished {
		return finishedErr(abi.FuncCookieSet)
	}
	if !opts.valid() {
		return &CallError{Func: abi.FuncCookieSet, Code: abi.ErrInvalid}
	}
	return c.result(abi.FuncCookieSet, hostcall.CookieSet(name, value, opts.attrs(false)))
}

// ClearCookie tells the browser to delete a cookie. Path and Domain must
// be those it was set with.
func (c *Context) ClearCookie(name string, opts CookieOptions) error {
	if c.finished {
		return finishedErr(abi.FuncCookieSet)
	}
	if !opts.valid() {
		return &CallError{Func: abi.FuncCookieSet, Code: abi.ErrInvalid}
	}
	return c.result(abi.FuncCookieSet, hostcall.CookieSet(name, "", opts.attrs(true)))
}

// SignedCookie returns the value carried by the request's signed cookie
// name: ErrNotFound when there is none, ErrInvalid when it does not
// verify (tampered, expired, or signed for another site or name). The host
// holds the keys (abi/ABI.md section 7.7).
func (c *Context) SignedCookie(name string) (string, error) {
	v, n := c.outputString(func(buf *byte, bufLimit int32) int32 {
		return hostcall.SignedGet(name, buf, bufLimit)
	})
	if n < 0 {
		return "", callErr(abi.FuncSignedGet, n)
	}
	return v, nil
}

// SetSignedCookie sets a cookie the host signs, so that a later
// SignedCookie returns value unless the browser tampered with it. Its
// MaxAge defaults to the site's max_age (31 days). Options are
// SetCookie's.
func (c *Context) SetSignedCookie(name, value string, opts CookieOptions) error {
	if c.finished {
		return finishedErr(abi.FuncSignedSet)
	}
	if !opts.valid() {
		return &CallError{Func: abi.FuncSignedSet, Code: abi.ErrInvalid}
	}
	return c.result(abi.FuncSignedSet, hostcall.SignedSet(name, value, opts.attrs(false)))
}

// CurrentUser returns the signed-in user, as SetCurrentUser set it on an
// earlier request, and whether there is one. The host keeps it in a signed
// cookie (abi/ABI.md section 7.8).
func (c *Context) CurrentUser() (string, bool) {
	v, n := c.outputString(func(buf *byte, bufLimit int32) int32 {
		return hostcall.UserGet(buf, bufLimit)
	})
	return v, n >= 0
}

// SetCurrentUser signs user in from the next request on; an empty user
// signs out.
func (c *Context) SetCurrentUser(user string) error {
	if c.finished {
		return finishedErr(abi.FuncUserSet)
	}
	return c.result(abi.FuncUserSet, hostcall.UserSet(user))
}

// LocalPath reports whether next is a path on this site, safe to redirect
// to: it starts with "/", but not "//" (another host to browsers), and has
// no backslash (a slash to some), white space or control byte (browsers
// drop tabs and line feeds, so "/\t/evil" is "//evil" to them).
func LocalPath(next string) bool {
	return strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") &&
		!strings.ContainsFunc(next, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' })
}

// RedirectNext redirects to the request's "next" argument when it is a
// local path, and to fallback otherwise, so that a login form cannot be
// used to send users to another site.
func (c *Context) RedirectNext(fallback string) error {
	next := c.Argument("next", "")
	if !LocalPath(next) {
		next = fallback
	}
	return c.Redirect(next)
}

// XSRFToken returns the request's XSRF token, masked afresh, for a form's
// _xsrf field or an X-XSRFToken header; the host sets the _xsrf cookie
// when the browser has none. On sites with xsrf_cookies = true the host
// refuses (403) any POST, PUT, PATCH or DELETE without it, before the
// handler runs (abi/ABI.md section 7.9).
func (c *Context) XSRFToken() string {
	v, _ := c.outputString(func(buf *byte, bufLimit int32) int32 {
		return hostcall.XSRFToken(buf, bufLimit)
	})
	return v
}

// XSRFFormHTML returns the hidden form field that carries the XSRF token,
// as Tornado's xsrf_form_html does.
func (c *Context) XSRFFormHTML() string {
	return `<input type="hidden" name="_xsrf" value="` + htmlEscape(c.XSRFToken()) + `">`
}

// htmlEscape escapes the characters that matter in an attribute value.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}
