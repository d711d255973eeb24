// Package guard holds the checks a request meets before its route's
// guest runs: the site's XSRF check (abi/ABI.md section 7.9) and the
// auth = "required" routes' signed-in user (section 7.8). The guest's
// user_get reads the same user through User. Tokens and signatures are
// made and checked by internal/xsrf and signed; guard applies them to a
// request and its route.
package guard

import (
	"bytes"
	"net/url"
	"strings"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/errorpage"
	"github.com/wasmweb/wasmweb/host/internal/route"
	"github.com/wasmweb/wasmweb/host/internal/signed"
	"github.com/wasmweb/wasmweb/internal/form"
	"github.com/wasmweb/wasmweb/internal/xsrf"
	"github.com/wasmweb/wasmweb/netloop"
)

// Guard is one site's checks. Immutable; safe for concurrent use.
type Guard struct {
	// XSRF makes the site check XSRF tokens (xsrf_cookies = true).
	XSRF bool
	// LoginURL is where auth = "required" routes send GET and HEAD
	// requests without a user; "" turns them away with 403.
	LoginURL string
	// Signer verifies the signed user cookie.
	Signer *signed.Signer
}

// Admit runs the checks rt asks for on r, in order: the XSRF check,
// unless the route is exempt, then the signed-in user of an auth =
// "required" route. It reports whether the request may reach the guest;
// when not, it has answered it: 403, or a redirect to the login page.
func (g *Guard) Admit(w *netloop.Response, r *netloop.Request, rt *route.Route) bool {
	if !rt.NoXSRF && !g.xsrfPasses(r) {
		errorpage.Write(w, 403, "")
		return false
	}
	if rt.Auth {
		if _, ok := g.User(func(name string) (string, bool) { return Cookie(r, name) }); !ok {
			g.turnAway(w, r)
			return false
		}
	}
	return true
}

// User returns the user the request's signed user cookie carries;
// lookup finds a request's cookie by name.
func (g *Guard) User(lookup func(name string) (string, bool)) (string, bool) {
	raw, ok := lookup(abi.UserCookie)
	if !ok {
		return "", false
	}
	v, err := g.Signer.Verify(abi.UserCookie, raw)
	if err != nil || len(v) == 0 {
		return "", false
	}
	return string(v), true
}

// xsrfPasses reports whether a request may reach the guest on a site
// that checks XSRF tokens: safe methods always, others when the browser
// does not say they come from another origin, and with the cookie's token
// in the _xsrf argument or an X-XSRFToken or X-CSRFToken header.
func (g *Guard) xsrfPasses(r *netloop.Request) bool {
	if !g.XSRF || xsrf.Safe(string(r.Method)) {
		return true
	}
	if !xsrf.SameOrigin(string(r.Method), string(r.Host), string(r.Header("Sec-Fetch-Site")), string(r.Header("Origin"))) {
		return false
	}
	cookie, ok := Cookie(r, xsrf.CookieName)
	if !ok {
		return false
	}
	for _, h := range xsrf.Headers {
		if v := r.Header(h); v != nil {
			return xsrf.Match(cookie, string(v))
		}
	}
	if v, ok := form.First(string(r.Query), string(r.Header("Content-Type")), r.Body, xsrf.FieldName); ok {
		return xsrf.Match(cookie, v)
	}
	return false
}

// turnAway answers a request to an auth = "required" route without a
// user: GET and HEAD go to the login page with ?next=, the rest get 403.
func (g *Guard) turnAway(w *netloop.Response, r *netloop.Request) {
	m := string(r.Method)
	if g.LoginURL == "" || m != "GET" && m != "HEAD" {
		errorpage.Write(w, 403, "")
		return
	}
	next := string(r.Path)
	if len(r.Query) > 0 {
		next += "?" + string(r.Query)
	}
	sep := "?"
	if strings.Contains(g.LoginURL, "?") {
		sep = "&"
	}
	w.Reset()
	w.SetStatus(302)
	w.SetHeader("Location", g.LoginURL+sep+"next="+url.QueryEscape(next))
}

var semicolon, equals = []byte(";"), []byte("=")

// Cookie returns the raw value of the first cookie named name in r's
// Cookie fields. Malformed cookies are skipped, not fatal: browsers send
// what others set.
func Cookie(r *netloop.Request, name string) (string, bool) {
	for _, f := range r.Fields() {
		if !strings.EqualFold(string(f.Name), "cookie") {
			continue
		}
		// Pair by pair over the field's bytes: a resumed long poll's
		// check runs once per waiter of a wake, and only the value found
		// becomes a string.
		for rest := f.Value; len(rest) > 0; {
			var part []byte
			part, rest, _ = bytes.Cut(rest, semicolon)
			if k, v, ok := bytes.Cut(bytes.TrimSpace(part), equals); ok && string(k) == name {
				return string(v), true
			}
		}
	}
	return "", false
}
