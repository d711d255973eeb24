// Package oauth signs users in with third-party providers, the host
// running the whole flow (abi/ABI.md section 7.12): OpenID Connect
// providers found by discovery, GitHub, and generic OAuth 2.0
// authorization servers. A sign-in starts at the site's login path, which
// sends the browser to the provider with a state, a PKCE challenge (S256)
// and, for OIDC, a nonce, all kept in an encrypted cookie bound to the
// provider; the provider sends it back to the callback path, where the
// host checks the state, exchanges the code, verifies the ID token or
// reads the user-info endpoint, and signs the user in with the site's
// signed user cookie as provider:subject. The claims the site exposes
// are kept beside it in another encrypted cookie, bound to that user;
// tokens are dropped once the user is known, unless the provider
// forwards them to its API on the plugins' fetches (tokens.go), and
// never reach a guest.
//
// Lifecycle of one sign-in:
//
//	login path   Start: sign-in cookie set, 302 to the provider
//	provider     the user signs in and consents
//	callback     state checked and taken, code exchanged, identity
//	             verified, user and claims cookies set, sign-in cookie
//	             cleared, 302 to next
package oauth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/host/internal/guard"
	"github.com/wasmweb/wasmweb/host/internal/kv"
	"github.com/wasmweb/wasmweb/host/internal/outbound"
	"github.com/wasmweb/wasmweb/host/internal/signed"
	"github.com/wasmweb/wasmweb/internal/cookie"
	"github.com/wasmweb/wasmweb/netloop"
)

// Limits of a sign-in.
const (
	// StateLifetime is how long a sign-in may take, from the login path
	// to the callback.
	StateLifetime = 10 * time.Minute
	// Timeout bounds each request to a provider.
	Timeout = 10 * time.Second
	// MaxTaken caps the states a node remembers as taken; past it, while
	// none has expired, callbacks get 503.
	MaxTaken = 100_000
	// MaxClaimBytes caps one exposed claim's JSON; a longer one is left
	// out. MaxClaimsBytes caps them all, so that the claims cookie fits
	// a browser's 4 KiB.
	MaxClaimBytes  = 512
	MaxClaimsBytes = 2048
	// MaxExchanges caps the callbacks of a site that wait on their
	// provider at once; past it a callback gets 503, so that a flood of
	// callbacks neither holds the host's goroutines for the providers'
	// timeouts nor makes the host flood the providers.
	MaxExchanges = 64
	// maxUserInfo caps a user-info answer.
	maxUserInfo = 1 << 20
)

// Errors of Start.
var (
	// ErrUnknownProvider: the site has no provider of that name.
	ErrUnknownProvider = errors.New("oauth: no such provider")
	// ErrBadHost: the site has no base_url, and the request's Host is
	// not a host name to build the callback URL on.
	ErrBadHost = errors.New("oauth: the request's Host is not a host name")
)

// Config is what a site's sign-in is built from.
type Config struct {
	// Site is the site's name: keys are derived for it.
	Site string
	// Auth is the site's [site.auth], defaults applied.
	Auth config.Auth
	// Secrets are the site's cookie secrets (none: a random key).
	Secrets []string
	// User signs the site's user cookie (abi.UserCookie); its MaxAge is
	// the claims cookie's too.
	User *signed.Signer
	// Client makes the requests to providers; nil means one with Timeout.
	Client *http.Client
	// Log receives the reasons sign-ins fail; nil discards them.
	Log *slog.Logger
	// Tokens opens the host's store of forwarded tokens (the site's
	// kv.Stores.OpenHost, limited by TokenLimits); nil when none: a
	// provider with forward_token is then an error.
	Tokens func() (kv.Store, error)
}

// Auth is one site's sign-in with providers. Immutable but for its
// providers' discovered configuration and the taken states; safe for
// concurrent use.
type Auth struct {
	site       string
	login      pathPattern
	callback   pathPattern
	base       string // the site's origin, "" for the request's
	secure     bool   // cookies get Secure: base is https
	providers  map[string]*provider
	names      []string // providers in name order
	state      *signed.Signer
	claims     *signed.Signer
	user       *signed.Signer
	sealer     *signed.Signer           // seals token records
	tokens     func() (kv.Store, error) // nil when no provider forwards its token
	refreshing refreshMutexes
	taken      *used
	exchanges  chan struct{} // a slot per callback waiting on a provider
	client     *http.Client
	log        *slog.Logger
	now        func() time.Time
	listJSON   string // ProvidersJSON's answer
}

// providerJSON is a provider as auth_providers lists it.
type providerJSON struct {
	Name      string `json:"name"`
	Title     string `json:"title"`
	LoginPath string `json:"login_path"`
}

// New returns the sign-in that cfg describes; nil, without error, when
// the site has no providers.
func New(cfg Config) (*Auth, error) {
	if len(cfg.Auth.Providers) == 0 {
		return nil, nil
	}
	ac := cfg.Auth.WithDefaults()
	a := &Auth{
		site: cfg.Site, base: ac.BaseURL, secure: strings.HasPrefix(ac.BaseURL, "https:"),
		login: newPattern(ac.LoginPath), callback: newPattern(ac.CallbackPath),
		providers: map[string]*provider{}, user: cfg.User, taken: newUsed(MaxTaken), exchanges: make(chan struct{}, MaxExchanges),
		client: cfg.Client, log: cfg.Log, now: time.Now, tokens: cfg.Tokens,
	}
	if a.client == nil {
		a.client = &http.Client{Timeout: Timeout}
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	var err error
	// Keys of their own (the site's name is part of the derivation), and
	// always encrypted: the state holds the PKCE verifier, the claims an
	// e-mail address.
	if a.state, err = signed.New(cfg.Site+"\x00signin", cfg.Secrets, StateLifetime, true); err != nil {
		return nil, fmt.Errorf("oauth: %w", err)
	}
	if a.claims, err = signed.New(cfg.Site+"\x00claims", cfg.Secrets, cfg.User.MaxAge(), true); err != nil {
		return nil, fmt.Errorf("oauth: %w", err)
	}
	// Sealed records live as long as the sign-in, at most; the key is
	// the tokens' own.
	if a.sealer, err = signed.New(cfg.Site+"\x00tokens", cfg.Secrets, cfg.User.MaxAge(), true); err != nil {
		return nil, fmt.Errorf("oauth: %w", err)
	}
	for name, pc := range ac.Providers {
		p := newProvider(name, pc)
		if pc.ForwardToken {
			if cfg.Tokens == nil {
				return nil, fmt.Errorf("oauth: provider %q forwards its token, and the host has no store for it", name)
			}
			for _, s := range pc.APIPrefixes() {
				pre, err := outbound.ParsePrefix(s)
				if err != nil {
					return nil, fmt.Errorf("oauth: provider %q: api: %w", name, err)
				}
				p.api = append(p.api, pre)
			}
		}
		a.providers[name] = p
		a.names = append(a.names, name)
	}
	slices.Sort(a.names)
	list := make([]providerJSON, len(a.names))
	for i, n := range a.names {
		list[i] = providerJSON{n, a.providers[n].cfg.Title, a.login.with(n)}
	}
	b, _ := json.Marshal(list)
	a.listJSON = string(b)
	return a, nil
}

// Provider is a configured provider as a page shows it.
type Provider struct {
	// Name is the provider's name in the config and the paths.
	Name string
	// Title is its name for people ("GitHub").
	Title string
}

// Providers returns the site's providers in name order.
func (a *Auth) Providers() []Provider {
	ps := make([]Provider, len(a.names))
	for i, n := range a.names {
		ps[i] = Provider{Name: n, Title: a.providers[n].cfg.Title}
	}
	return ps
}

// ProvidersJSON returns the providers as auth_providers answers them: a
// JSON array of {"name", "title", "login_path"}, in name order. Made
// once; immutable.
func (a *Auth) ProvidersJSON() string { return a.listJSON }

// Has reports whether the site has a provider named name.
func (a *Auth) Has(name string) bool { return a.providers[name] != nil }

// LoginPath returns the path that starts a sign-in with provider name.
func (a *Auth) LoginPath(name string) string { return a.login.with(name) }

// Serve answers r when its path is the login or callback path of one of
// the site's providers, and reports whether it did.
func (a *Auth) Serve(w *netloop.Response, r *netloop.Request) bool {
	path := string(r.Path)
	name, isLogin := a.login.match(path)
	isCallback := false
	if !isLogin {
		name, isCallback = a.callback.match(path)
	}
	if !isLogin && !isCallback || a.providers[name] == nil {
		return false
	}
	if m := string(r.Method); m != "GET" && m != "HEAD" {
		a.page(w, 405, "Method not allowed", "Sign-in paths take GET.", "")
		w.SetHeader("Allow", "GET, HEAD")
		return true
	}
	q, err := url.ParseQuery(string(r.Query))
	if err != nil {
		a.page(w, 400, "Bad request", "The query does not parse.", "")
		return true
	}
	if isLogin {
		loc, ck, err := a.Start(string(r.Host), name, q.Get("next"))
		if errors.Is(err, ErrBadHost) {
			a.page(w, 400, "Bad request", "The request's Host is not a host name.", "")
			return true
		}
		if err != nil {
			a.page(w, 502, "Sign-in is unavailable", a.providers[name].cfg.Title+" cannot be reached now; try again later.", "")
			return true
		}
		w.Reset()
		w.SetStatus(302)
		w.SetHeader("Cache-Control", "no-store")
		w.AddHeader("Set-Cookie", ck)
		w.SetHeader("Location", loc)
		return true
	}
	a.finish(w, r, name, q)
	return true
}

// signIn is what the sign-in cookie carries.
type signIn struct {
	Provider string `json:"p"`
	State    string `json:"s"`
	Verifier string `json:"v"`
	Nonce    string `json:"n,omitempty"`
	Next     string `json:"x"`
}

// stateName is the name a sign-in for provider is signed under: a
// cookie made for one provider does not verify at another's callback.
func stateName(provider string) string { return abi.SignInCookie + "/" + provider }

// Start begins a sign-in with provider name, to return to next (a path
// on the site; anything else returns to "/"), for a request to host. It
// returns the provider's authorization URL to redirect to and the
// Set-Cookie value that keeps the sign-in; ErrUnknownProvider when the
// site has no such provider, ErrBadHost when the callback URL cannot be
// made, or an error, which it logs, when an OIDC provider's discovery
// fails.
func (a *Auth) Start(host, name, next string) (location, setCookie string, err error) {
	p := a.providers[name]
	if p == nil {
		return "", "", ErrUnknownProvider
	}
	if !SafeNext(next) {
		next = "/"
	}
	redirect, err := a.callbackURL(host, name)
	if err != nil {
		return "", "", err
	}
	ctx, cancel := context.WithTimeout(a.ctx(), Timeout)
	defer cancel()
	conf, err := p.oauth2Config(ctx, redirect)
	if err != nil {
		a.log.Warn("oauth: sign-in does not start", "site", a.site, "provider", name, "err", err)
		return "", "", err
	}
	st := signIn{Provider: name, State: random(), Verifier: oauth2.GenerateVerifier(), Next: next}
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(st.Verifier)}
	if p.cfg.Type == config.ProviderOIDC {
		st.Nonce = random()
		opts = append(opts, oauth2.SetAuthURLParam("nonce", st.Nonce))
	}
	raw, _ := json.Marshal(st)
	enc, err := a.state.Sign(stateName(name), raw)
	if err != nil {
		return "", "", fmt.Errorf("oauth: %w", err)
	}
	ck, err := a.cookie(abi.SignInCookie, enc, int(StateLifetime/time.Second))
	if err != nil {
		return "", "", err
	}
	return conf.AuthCodeURL(st.State, opts...), ck, nil
}

// finish is the callback: it checks the state, exchanges the code,
// learns who the user is and signs them in.
func (a *Auth) finish(w *netloop.Response, r *netloop.Request, name string, q url.Values) {
	p := a.providers[name]
	title := p.cfg.Title
	again := a.login.with(name)
	clear, _ := a.cookie(abi.SignInCookie, "", 0)
	fail := func(status int, msg string, reason error) {
		a.log.Info("oauth: sign-in refused", "site", a.site, "provider", name, "err", reason)
		a.page(w, status, "Sign-in with "+title+" failed", msg, again)
		w.AddHeader("Set-Cookie", clear)
	}
	if e := q.Get("error"); e != "" {
		msg := title + " did not sign you in: " + shorten(e)
		if d := q.Get("error_description"); d != "" {
			msg += " (" + shorten(d) + ")"
		}
		fail(403, msg+".", errors.New("provider answered error="+shorten(e)))
		return
	}
	raw, ok := guard.Cookie(r, abi.SignInCookie)
	if !ok {
		fail(400, "This sign-in was not started here or took too long; start again.", errors.New("no sign-in cookie"))
		return
	}
	v, err := a.state.Verify(stateName(name), raw)
	var st signIn
	if err == nil {
		err = json.Unmarshal(v, &st)
	}
	if err != nil || st.Provider != name {
		fail(400, "This sign-in was not started here or took too long; start again.", fmt.Errorf("sign-in cookie: %v", err))
		return
	}
	if got := q.Get("state"); got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(st.State)) != 1 {
		fail(400, "This answer does not belong to the sign-in started here; start again.", errors.New("state does not match"))
		return
	}
	fresh, full := a.taken.take(st.State, a.now().Add(StateLifetime), a.now())
	if full {
		a.page(w, 503, "Sign-in is busy", "Too many sign-ins are under way; try again in a few minutes.", again)
		return
	}
	if !fresh {
		fail(400, "This sign-in was already used; start again.", errors.New("state replayed"))
		return
	}
	code := q.Get("code")
	if code == "" {
		fail(400, title+" sent no authorization code.", errors.New("no code"))
		return
	}
	select {
	case a.exchanges <- struct{}{}:
		defer func() { <-a.exchanges }()
	default:
		// The state is taken: this sign-in must start again.
		a.page(w, 503, "Sign-in is busy", "Too many sign-ins are under way; try again in a moment.", again)
		w.AddHeader("Set-Cookie", clear)
		return
	}
	ctx, cancel := context.WithTimeout(a.ctx(), 3*Timeout)
	defer cancel()
	redirect, err := a.callbackURL(string(r.Host), name)
	if err != nil {
		fail(400, "The request's host is not a host name.", err)
		return
	}
	conf, err := p.oauth2Config(ctx, redirect)
	if err != nil {
		fail(502, title+" cannot be reached now; try again later.", err)
		return
	}
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			fail(400, title+" did not accept the sign-in; start again.", err)
		} else {
			fail(502, title+" cannot be reached now; try again later.", err)
		}
		return
	}
	id, err := p.identify(ctx, a.client, tok, st.Nonce)
	if err != nil {
		fail(400, title+"'s answer could not be verified; start again.", err)
		return
	}
	user := name + ":" + id.subject
	userEnc, err := a.user.Sign(abi.UserCookie, []byte(user))
	if err != nil {
		fail(400, "The user id is too long.", err)
		return
	}
	lookup := func(n string) (string, bool) { return guard.Cookie(r, n) }
	a.SignOut(lookup) // a token this browser kept from an earlier sign-in
	var handle string
	if p.cfg.ForwardToken {
		if handle, err = a.keep(user, name, tok); err != nil {
			// Signed in all the same: the plugin's fetches that ask for
			// the token answer that there is none.
			a.log.Warn("oauth: the sign-in's token is not kept", "site", a.site, "provider", name, "err", err)
		}
	}
	age := int(a.user.MaxAge() / time.Second)
	userCk, err1 := a.cookie(abi.UserCookie, userEnc, age)
	claimsEnc, err2 := a.claims.Sign(abi.ClaimsCookie, bindClaims(user, p.expose(name, id), handle))
	var claimsCk string
	if err2 == nil {
		claimsCk, err2 = a.cookie(abi.ClaimsCookie, claimsEnc, age)
	}
	if err := errors.Join(err1, err2); err != nil {
		fail(500, "The sign-in cannot be kept in a cookie.", err)
		return
	}
	w.Reset()
	w.SetStatus(302)
	w.SetHeader("Cache-Control", "no-store")
	w.AddHeader("Set-Cookie", clear)
	w.AddHeader("Set-Cookie", userCk)
	w.AddHeader("Set-Cookie", claimsCk)
	next := st.Next
	if !SafeNext(next) {
		next = "/"
	}
	w.SetHeader("Location", next)
	a.log.Info("oauth: signed in", "site", a.site, "provider", name)
}

// Claims returns the JSON object of claims kept for user, the request's
// signed-in user; lookup finds a request's cookie. It reports false when
// user did not sign in with a provider, or the claims were kept for
// another user.
func (a *Auth) Claims(user string, lookup func(name string) (string, bool)) ([]byte, bool) {
	b, ok := a.bound(lookup)
	if !ok || user == "" || b.User != user {
		return nil, false
	}
	return b.Claims, true
}

// bound returns what the request's claims cookie holds.
func (a *Auth) bound(lookup func(name string) (string, bool)) (bound, bool) {
	raw, ok := lookup(abi.ClaimsCookie)
	if !ok {
		return bound{}, false
	}
	v, err := a.claims.Verify(abi.ClaimsCookie, raw)
	if err != nil {
		return bound{}, false
	}
	var b bound
	if json.Unmarshal(v, &b) != nil {
		return bound{}, false
	}
	return b, true
}

// ClearClaims returns the Set-Cookie value that drops the claims cookie.
func (a *Auth) ClearClaims() string {
	ck, _ := a.cookie(abi.ClaimsCookie, "", 0)
	return ck
}

// bound is what the claims cookie carries: the claims and the user they
// belong to, and the handle of the user's forwarded token, if kept.
type bound struct {
	User   string          `json:"u"`
	Claims json.RawMessage `json:"c"`
	Token  string          `json:"t,omitempty"`
}

func bindClaims(user string, claims []byte, handle string) []byte {
	b, _ := json.Marshal(bound{User: user, Claims: claims, Token: handle})
	return b
}

// cookie returns the Set-Cookie value of one of the host's sign-in
// cookies; maxAge 0 deletes it.
func (a *Auth) cookie(name, value string, maxAge int) (string, error) {
	attrs := "Max-Age=" + strconv.Itoa(maxAge)
	if maxAge <= 0 {
		attrs = "Max-Age=0"
	}
	if a.secure {
		attrs += "; Secure"
	}
	return cookie.Build(name, value, attrs)
}

// hostName is what a request's Host may be for a callback URL made from
// it.
var hostName = regexp.MustCompile(`^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$`)

// callbackURL is the URL the provider sends the user back to.
func (a *Auth) callbackURL(host, name string) (string, error) {
	base := a.base
	if base == "" {
		if !hostName.MatchString(host) {
			return "", ErrBadHost
		}
		base = "http://" + strings.ToLower(host)
	}
	return base + a.callback.with(name), nil
}

// ctx carries the host's client for the oauth2 and oidc packages.
func (a *Auth) ctx() context.Context {
	return context.WithValue(context.Background(), oauth2.HTTPClient, a.client)
}

// page answers with a short page that says what happened, and a link to
// try again when again is not empty.
func (a *Auth) page(w *netloop.Response, status int, title, msg, again string) {
	if !w.Reset() {
		return
	}
	w.SetStatus(status)
	w.SetHeader("Content-Type", "text/html; charset=utf-8")
	w.SetHeader("Cache-Control", "no-store")
	w.WriteString("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html.EscapeString(title) +
		"</title></head>\n<body><h1>" + html.EscapeString(title) + "</h1>\n<p>" + html.EscapeString(msg) + "</p>\n")
	if again != "" {
		w.WriteString("<p><a href=\"" + html.EscapeString(again) + "\">Sign in again</a> · <a href=\"/\">Home</a></p>\n")
	}
	w.WriteString("</body></html>\n")
}

// shorten cuts text from the network to a length fit for a page or a
// log line.
func shorten(s string) string {
	const max = 200
	if len(s) > max {
		s = s[:max] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// random returns 32 random bytes, base64url-encoded.
func random() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pathPattern is a login or callback path: {provider} between a prefix
// and a suffix.
type pathPattern struct{ prefix, suffix string }

func newPattern(p string) pathPattern {
	pre, suf, _ := strings.Cut(p, config.ProviderParam)
	return pathPattern{pre, suf}
}

// match returns the provider name path holds in place of {provider}.
func (p pathPattern) match(path string) (string, bool) {
	if len(path) <= len(p.prefix)+len(p.suffix) || !strings.HasPrefix(path, p.prefix) || !strings.HasSuffix(path, p.suffix) {
		return "", false
	}
	name := path[len(p.prefix) : len(path)-len(p.suffix)]
	return name, !strings.Contains(name, "/")
}

func (p pathPattern) with(name string) string { return p.prefix + name + p.suffix }
