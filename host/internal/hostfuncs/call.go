package hostfuncs

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wasmweb/wasmweb/host/internal/accounts"
	"github.com/wasmweb/wasmweb/host/internal/guard"
	"github.com/wasmweb/wasmweb/host/internal/guest"
	"github.com/wasmweb/wasmweb/host/internal/longpoll"
	"github.com/wasmweb/wasmweb/host/internal/oauth"
	"github.com/wasmweb/wasmweb/host/internal/outbound"
	"github.com/wasmweb/wasmweb/host/internal/pubsub"
	"github.com/wasmweb/wasmweb/host/internal/route"
	"github.com/wasmweb/wasmweb/host/internal/signed"
	"github.com/wasmweb/wasmweb/host/locale"
	"github.com/wasmweb/wasmweb/host/templates"
	"github.com/wasmweb/wasmweb/internal/form"
	"github.com/wasmweb/wasmweb/netloop"
)

// Site is what the host functions use of the site a call serves: its
// limits and building blocks. Immutable once built; safe for concurrent
// use.
type Site struct {
	// Debug shows a guest's resp_error message to clients.
	Debug bool
	// XSRF is the site's xsrf_cookies: render gives a page's data its
	// _xsrf token.
	XSRF bool
	// MaxResponseBytes caps a response body.
	MaxResponseBytes int64
	Guard            *guard.Guard
	Signer           *signed.Signer
	Accounts         *accounts.Accounts // nil when the site has no accounts
	Auth             *oauth.Auth        // nil when the site has no sign-in providers
	Templates        *templates.Set     // nil when the site has no templates
	// Locales are the site's languages; never nil. LocaleCookie holds
	// the user's choice.
	Locales      *locale.Dir
	LocaleCookie string
	Broker       pubsub.Broker
	Parking      *longpoll.Parking
	// OwnsCookieDomain reports whether a cookie for domain, set in reply
	// to a request for reqHost, reaches this site alone (abi/ABI.md
	// section 7.6).
	OwnsCookieDomain func(reqHost, domain string) bool
	// Vars are the site's variables, [site.vars]; never logged.
	Vars map[string]string
	// Outbound makes the site's fetches; nil when its allow list is
	// empty, so that every fetch is denied.
	Outbound *outbound.Client
	// Fetches counts the site's fetches by result (label "result").
	Fetches *prometheus.CounterVec
	// Published counts the messages guests publish.
	Published prometheus.Counter
	// WaitsRefused counts the waits max_waiters refused; nil counts
	// none.
	WaitsRefused prometheus.Counter
	// KV is the site's key-value store.
	KV KV
}

// Call is one request being served by a guest: what the host functions
// read and write. An instance has one (it is the instance's
// guest.State), used by one goroutine at a time.
type Call struct {
	req      *netloop.Request // nil between calls
	w        *netloop.Response
	route    *route.Route
	params   []route.Param
	paramBuf [4]route.Param // storage for params
	id       uint64
	idStr    string
	args     *form.Arguments // parsed on first use
	site     *Site

	timedOut bool             // resumed because its wait's deadline passed
	waited   bool             // wait was called in this call
	msgs     []pubsub.Message // what the last wait returned
	waitKey  string           // the topic of the call's wait
	waitCur  int64            // ... and its cursor
	share    bool             // resp_share: the response depends only on the messages
	waiter   *longpoll.Waiter // set when wait parked the request
	xsrf     []byte           // the request's XSRF token, once asked for
	loc      *locale.Locale   // the request's locale, once asked for

	fetched       *outbound.Response // the call's last fetched response
	fetchedHeader []byte             // its header, in the ABI's form, once asked for

	written  int64 // body bytes written by the guest
	finished bool  // a redirect or error page was sent
	failed   bool  // the guest broke a rule: the client gets 500
	reason   string
}

// NewState makes an instance's call state (guest.Config.NewState).
func NewState() guest.State { return new(Call) }

// Begin makes c the call that serves r, with the response w, for route
// rt of site s; id is the request's id. timedOut says that the request
// was parked and its wait's deadline woke it.
func (c *Call) Begin(s *Site, r *netloop.Request, w *netloop.Response, rt *route.Route, params []route.Param, id uint64, timedOut bool) {
	*c = Call{req: r, w: w, route: rt, site: s, id: id, paramBuf: c.paramBuf, timedOut: timedOut}
	c.params = append(c.paramBuf[:0], params...)
}

// End ends the call: until the next Begin, host functions find no
// request.
func (c *Call) End() { *c = Call{paramBuf: c.paramBuf} }

// RequestID implements guest.State: the id of the request being served,
// "" between calls.
func (c *Call) RequestID() string {
	if c.req == nil {
		return ""
	}
	if c.idStr == "" {
		c.idStr = formatRequestID(c.id)
	}
	return c.idStr
}

// Rejected reports whether the guest broke a rule of the ABI in its
// response, and which: the client must get 500.
func (c *Call) Rejected() (reason string, ok bool) { return c.reason, c.failed }

// Parked returns the waiter of the call's parked wait, nil when it did
// not park.
func (c *Call) Parked() *longpoll.Waiter { return c.waiter }

// Unpark undoes a wait that parked the request, when the guest answers
// it after all (or fails).
func (c *Call) Unpark() {
	if c.waiter == nil {
		return
	}
	c.site.Parking.Unpark(c.waiter, c.w)
	c.waiter = nil
}

// Share keeps the call's complete answer for the other waiters of its
// topic and cursor, when the guest declared it shareable (resp_share).
func (c *Call) Share() {
	if c.share {
		c.site.Parking.Keep(c.route, c.params, c.waitKey, c.waitCur, c.msgs, c.w, c.req)
	}
}

// ReasonResponseTooLarge is the reason a response over the site's
// max_response_bytes fails with.
const ReasonResponseTooLarge = "response body over max_response_bytes"

// fail marks the response as failed; the client will get 500.
func (c *Call) fail(reason string) {
	if !c.failed {
		c.failed, c.reason = true, reason
	}
}

// arguments returns the call's Tornado-style arguments, parsed on first
// use.
func (c *Call) arguments() *form.Arguments {
	if c.args == nil {
		c.args = form.Parse(string(c.req.Query), string(c.req.Header("Content-Type")), c.req.Body)
	}
	return c.args
}

// done reports whether the response can no longer change: finished by a
// redirect or an error page, or its head sent.
func (c *Call) done() bool { return c.finished || c.w.Sent() }

// formatRequestID renders a request id as 16 hex digits.
func formatRequestID(id uint64) string {
	const hexd = "0123456789abcdef"
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = hexd[id&15]
		id >>= 4
	}
	return string(b[:])
}
