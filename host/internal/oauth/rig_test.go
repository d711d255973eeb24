package oauth_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/host/internal/guard"
	"github.com/wasmweb/wasmweb/host/internal/kv"
	"github.com/wasmweb/wasmweb/host/internal/oauth"
	"github.com/wasmweb/wasmweb/host/internal/signed"
	"github.com/wasmweb/wasmweb/netloop"
)

const (
	testSite   = "site"
	testSecret = "0123456789abcdef0123456789abcdef"
)

// op is a real OpenID provider, mockoidc's, run in the test process,
// with hooks in front of its token and key endpoints for the tests that
// need a provider gone wrong: forge rewrites the ID token it issues,
// and keys, when set, replaces its key set.
type op struct {
	*mockoidc.MockOIDC
	mu     sync.Mutex
	forge  func(claims map[string]any) string
	keys   *jose.JSONWebKeySet
	tokens int // answers of the token endpoint
}

func startOP(t *testing.T) *op {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	o := &op{MockOIDC: m}
	m.AddMiddleware(o.middleware)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return o
}

func (o *op) setForge(f func(map[string]any) string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.forge = f
}

func (o *op) setKeys(ks *jose.JSONWebKeySet) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.keys = ks
}

func (o *op) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		forge, keys := o.forge, o.keys
		o.mu.Unlock()
		switch {
		case r.URL.Path == mockoidc.JWKSEndpoint && keys != nil:
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(keys)
		case r.URL.Path == mockoidc.TokenEndpoint:
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			o.mu.Lock()
			o.tokens++
			o.mu.Unlock()
			body := rec.Body.Bytes()
			if rec.Code == 200 && forge != nil {
				var resp map[string]any
				json.Unmarshal(body, &resp)
				resp["id_token"] = forge(payload(resp["id_token"].(string)))
				body, _ = json.Marshal(resp)
			}
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.Header().Del("Content-Length")
			w.WriteHeader(rec.Code)
			w.Write(body)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// payload returns the claims of a JWT, unverified.
func payload(jwt string) map[string]any {
	parts := strings.Split(jwt, ".")
	b, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}

// sign returns claims signed as a JWT with key under alg and kid.
func sign(t *testing.T, alg jose.SignatureAlgorithm, key any, kid string, claims map[string]any) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(claims)
	jws, err := s.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func ecKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// site is a wasmweb site's front reduced to the sign-in: the Auth's
// paths, and /me, which answers the signed-in user and their claims as
// the host functions read them.
type site struct {
	auth   *oauth.Auth
	signer *signed.Signer
	base   string
	logs   *strings.Builder
	logMu  *sync.Mutex
}

func startSite(t *testing.T, ac config.Auth) *site {
	t.Helper()
	return startSiteTokens(t, ac, nil)
}

// startSiteTokens starts a site whose forwarded tokens go to tokens.
func startSiteTokens(t *testing.T, ac config.Auth, tokens kv.Store) *site {
	t.Helper()
	var open func() (kv.Store, error)
	if tokens != nil {
		open = func() (kv.Store, error) { return tokens, nil }
	}
	signer, err := signed.New(testSite, []string{testSecret}, time.Hour, false)
	if err != nil {
		t.Fatal(err)
	}
	logs, mu := &strings.Builder{}, &sync.Mutex{}
	a, err := oauth.New(oauth.Config{Site: testSite, Auth: ac.WithDefaults(), Secrets: []string{testSecret}, User: signer,
		Log: slog.New(slog.NewTextHandler(lockedWriter{mu, logs}, nil)), Tokens: open})
	if err != nil {
		t.Fatal(err)
	}
	g := &guard.Guard{Signer: signer}
	h := netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		if a.Serve(w, r) {
			return
		}
		if string(r.Path) != "/me" {
			w.SetStatus(404)
			return
		}
		lookup := func(name string) (string, bool) { return guard.Cookie(r, name) }
		u, ok := g.User(lookup)
		if !ok {
			w.SetStatus(401)
			return
		}
		claims, _ := a.Claims(u, lookup)
		w.WriteString(u + "\n" + string(claims))
	})
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	return &site{auth: a, signer: signer, base: "http://" + ln.Addr().String(), logs: logs, logMu: mu}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// browser is a user agent that keeps cookies and does not follow
// redirects, so that each step of a sign-in can be seen.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get fetches u and returns the response with its body read.
func (b *browser) get(u string, header ...string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// cookie returns the browser's cookie name for base, or "".
func (b *browser) cookie(base, name string) string {
	u, _ := url.Parse(base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// toProvider starts a sign-in at the site's login path and follows it
// through the provider, up to the callback URL the provider sends the
// browser to, which it returns unvisited, with the authorization URL.
func (b *browser) toProvider(s *site, provider, next string) (callback, authorize *url.URL) {
	b.t.Helper()
	resp, body := b.get(s.base + s.auth.LoginPath(provider) + "?next=" + url.QueryEscape(next))
	if resp.StatusCode != 302 {
		b.t.Fatalf("login path: %d %s", resp.StatusCode, body)
	}
	authorize, _ = url.Parse(resp.Header.Get("Location"))
	resp, body = b.get(authorize.String())
	if resp.StatusCode != 302 {
		b.t.Fatalf("provider: %d %s", resp.StatusCode, body)
	}
	callback, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(callback.String(), s.base) {
		b.t.Fatalf("provider sent the browser to %q", resp.Header.Get("Location"))
	}
	return callback, authorize
}

// signIn runs a whole sign-in and returns the callback's answer.
func (b *browser) signIn(s *site, provider, next string) (*http.Response, string) {
	b.t.Helper()
	cb, _ := b.toProvider(s, provider, next)
	return b.get(cb.String())
}

// me returns what the site says of the browser's user: the user and
// the claims, or "" when no one is signed in.
func (b *browser) me(s *site) (string, map[string]any) {
	b.t.Helper()
	resp, body := b.get(s.base + "/me")
	if resp.StatusCode == 401 {
		return "", nil
	}
	user, raw, _ := strings.Cut(body, "\n")
	var claims map[string]any
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &claims); err != nil {
			b.t.Fatalf("claims %q: %v", raw, err)
		}
	}
	return user, claims
}

// wantRefused checks that a callback's answer is an error page with
// status and that no one is signed in.
func (b *browser) wantRefused(s *site, resp *http.Response, body string, status int, says string) {
	b.t.Helper()
	if resp.StatusCode != status || !strings.Contains(body, says) {
		b.t.Errorf("callback: %d %q, want %d saying %q", resp.StatusCode, body, status, says)
	}
	for _, sc := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, abi.UserCookie+"=") || strings.HasPrefix(sc, abi.ClaimsCookie+"=") {
			b.t.Errorf("a refused callback sets %q", sc)
		}
	}
	if u, _ := b.me(s); u != "" {
		b.t.Errorf("signed in as %q after a refused callback", u)
	}
}

func oidcProvider(o *op) config.Provider {
	return config.Provider{Type: config.ProviderOIDC, Title: "Mock", Issuer: o.Issuer(), ClientID: o.ClientID, ClientSecret: config.NewSecret(o.ClientSecret),
		Claims: []string{"name", "email", "email_verified", "preferred_username", "groups"}}
}

var errNoCookie = errors.New("no cookie")
