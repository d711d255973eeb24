package oauth_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/host/internal/oauth"
)

// TestOIDCSignIn runs a whole sign-in over HTTP against a real OpenID
// provider: the authorization request carries state, an S256 challenge
// and a nonce; the callback signs the user in as provider:subject with
// the exposed claims, clears the sign-in cookie and sends the browser to
// next.
func TestOIDCSignIn(t *testing.T) {
	o := startOP(t)
	s := startSite(t, config.Auth{Providers: map[string]config.Provider{"idp": oidcProvider(o)}})
	b := newBrowser(t)

	cb, authz := b.toProvider(s, "idp", "/me?x=1")
	q := authz.Query()
	for _, k := range []string{"state", "nonce", "code_challenge"} {
		if len(q.Get(k)) < 32 {
			t.Errorf("authorization request %s = %q, want a random value", k, q.Get(k))
		}
	}
	if q.Get("code_challenge_method") != "S256" || q.Get("redirect_uri") != s.base+"/auth/idp/callback" || q.Get("scope") != "openid profile email" {
		t.Errorf("authorization request %v", q)
	}
	if raw := b.cookie(s.base, abi.SignInCookie); raw == "" || strings.Contains(raw, q.Get("state")) {
		t.Errorf("sign-in cookie %q: want one that does not show the state", raw)
	}
	resp, body := b.get(cb.String())
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/me?x=1" {
		t.Fatalf("callback: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	for _, sc := range resp.Header.Values("Set-Cookie") {
		if strings.Contains(sc, "jane.doe") || strings.Contains(sc, "1234567890") {
			t.Errorf("a cookie shows the claims: %q", sc)
		}
	}
	if b.cookie(s.base, abi.SignInCookie) != "" {
		t.Error("the sign-in cookie outlives the sign-in")
	}
	user, claims := b.me(s)
	if user != "idp:1234567890" {
		t.Fatalf("signed in as %q, want idp:1234567890", user)
	}
	want := map[string]any{"provider": "idp", "subject": "1234567890", "email": "jane.doe@example.com", "email_verified": true,
		"preferred_username": "jane.doe"}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v (claims %v)", k, claims[k], v, claims)
		}
	}
	if _, ok := claims["phone_number"]; ok {
		t.Errorf("a claim the site does not expose reached the plugin: %v", claims)
	}
	if g, _ := claims["groups"].([]any); len(g) != 0 {
		t.Errorf("groups %v: the scope did not ask for them", g)
	}
}

// The state: missing, wrong, or sent again with its cookie, a callback
// is refused; a code used once is refused by the provider on a second
// sign-in; a sign-in cookie made for one provider does not verify at
// another's callback.
func TestOIDCStateAndCode(t *testing.T) {
	o := startOP(t)
	other := oidcProvider(o)
	s := startSite(t, config.Auth{Providers: map[string]config.Provider{"idp": oidcProvider(o), "other": other}})

	t.Run("missing state", func(t *testing.T) {
		b := newBrowser(t)
		cb, _ := b.toProvider(s, "idp", "/")
		q := cb.Query()
		q.Del("state")
		cb.RawQuery = q.Encode()
		resp, body := b.get(cb.String())
		b.wantRefused(s, resp, body, 400, "does not belong")
	})
	t.Run("wrong state", func(t *testing.T) {
		b := newBrowser(t)
		cb, _ := b.toProvider(s, "idp", "/")
		q := cb.Query()
		q.Set("state", q.Get("state")+"x")
		cb.RawQuery = q.Encode()
		resp, body := b.get(cb.String())
		b.wantRefused(s, resp, body, 400, "does not belong")
	})
	t.Run("no sign-in cookie", func(t *testing.T) {
		b := newBrowser(t)
		cb, _ := b.toProvider(s, "idp", "/")
		resp, body := newBrowser(t).get(cb.String())
		b.wantRefused(s, resp, body, 400, "not started here")
	})
	t.Run("replayed state", func(t *testing.T) {
		b := newBrowser(t)
		cb, _ := b.toProvider(s, "idp", "/")
		ck := abi.SignInCookie + "=" + b.cookie(s.base, abi.SignInCookie)
		resp, body := b.get(cb.String())
		if resp.StatusCode != 302 {
			t.Fatalf("first callback: %d %s", resp.StatusCode, body)
		}
		// An attacker who saw the callback and the cookie sends both again.
		attacker := newBrowser(t)
		resp, body = attacker.get(cb.String(), "Cookie", ck)
		attacker.wantRefused(s, resp, body, 400, "already used")
	})
	t.Run("replayed code", func(t *testing.T) {
		b := newBrowser(t)
		first, _ := b.toProvider(s, "idp", "/")
		if resp, body := b.get(first.String()); resp.StatusCode != 302 {
			t.Fatalf("first callback: %d %s", resp.StatusCode, body)
		}
		b2 := newBrowser(t)
		second, _ := b2.toProvider(s, "idp", "/")
		q := second.Query()
		q.Set("code", first.Query().Get("code"))
		second.RawQuery = q.Encode()
		resp, body := b2.get(second.String())
		b2.wantRefused(s, resp, body, 400, "did not accept")
	})
	t.Run("another provider's callback", func(t *testing.T) {
		b := newBrowser(t)
		cb, _ := b.toProvider(s, "idp", "/")
		cb.Path = "/auth/other/callback"
		resp, body := b.get(cb.String())
		b.wantRefused(s, resp, body, 400, "not started here")
	})
	t.Run("provider error", func(t *testing.T) {
		b := newBrowser(t)
		b.toProvider(s, "idp", "/")
		resp, body := b.get(s.base + "/auth/idp/callback?error=access_denied&error_description=The+user+said+no&state=x")
		b.wantRefused(s, resp, body, 403, "Mock did not sign you in: access_denied (The user said no).")
		if !strings.Contains(body, `href="/auth/idp/login"`) {
			t.Errorf("the error page has no way to try again: %s", body)
		}
		if b.cookie(s.base, abi.SignInCookie) != "" {
			t.Error("the sign-in cookie outlives a provider's error")
		}
	})
}

// ID tokens the provider should never have issued are refused: wrong
// audience, issuer or nonce, expired, signed with a key the provider
// does not publish, unsigned (alg none), and HS256 with the provider's
// public key as the secret.
func TestOIDCForgedIDTokens(t *testing.T) {
	o := startOP(t)
	s := startSite(t, config.Auth{Providers: map[string]config.Provider{"idp": oidcProvider(o)}})
	kid, _ := o.Keypair.KeyID()
	stranger := ecKey(t)
	pub, _ := x509.MarshalPKIXPublicKey(o.Keypair.PublicKey)
	with := func(k string, v any) func(map[string]any) string {
		return func(c map[string]any) string {
			c[k] = v
			return sign(t, jose.RS256, o.Keypair.PrivateKey, kid, c)
		}
	}
	for _, tc := range []struct {
		name  string
		forge func(map[string]any) string
	}{
		{"wrong audience", with("aud", "someone-else")},
		{"wrong issuer", with("iss", "http://127.0.0.1:1/evil")},
		{"wrong nonce", with("nonce", "not-the-sign-in's")},
		{"no nonce", with("nonce", "")},
		{"expired", with("exp", time.Now().Add(-time.Hour).Unix())},
		{"unknown key", func(c map[string]any) string { return sign(t, jose.ES256, stranger, kid, c) }},
		{"alg none", func(c map[string]any) string {
			h, _ := json.Marshal(map[string]string{"alg": "none", "typ": "JWT", "kid": kid})
			p, _ := json.Marshal(c)
			return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p) + "."
		}},
		{"HS256 with the public key", func(c map[string]any) string { return sign(t, jose.HS256, pub, kid, c) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o.setForge(tc.forge)
			defer o.setForge(nil)
			b := newBrowser(t)
			resp, body := b.signIn(s, "idp", "/me")
			b.wantRefused(s, resp, body, 400, "could not be verified")
		})
	}
	// The same forger, changing nothing but re-signing with the
	// provider's key, is accepted: the refusals above are the changes'.
	o.setForge(func(c map[string]any) string { return sign(t, jose.RS256, o.Keypair.PrivateKey, kid, c) })
	b := newBrowser(t)
	if resp, body := b.signIn(s, "idp", "/me"); resp.StatusCode != 302 {
		t.Fatalf("re-signed token: %d %s", resp.StatusCode, body)
	}
	if u, _ := b.me(s); u != "idp:1234567890" {
		t.Errorf("re-signed token: signed in as %q", u)
	}
}

// When the provider rotates its keys, a token signed with the new key
// makes the host fetch the key set again; once the old key is gone from
// it, a token signed with the old key is refused.
func TestOIDCKeyRotation(t *testing.T) {
	o := startOP(t)
	s := startSite(t, config.Auth{Providers: map[string]config.Provider{"idp": oidcProvider(o)}})
	oldKid, _ := o.Keypair.KeyID()
	b := newBrowser(t)
	if resp, body := b.signIn(s, "idp", "/"); resp.StatusCode != 302 {
		t.Fatalf("before rotation: %d %s", resp.StatusCode, body)
	}

	newKey := ecKey(t)
	o.setKeys(&jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &newKey.PublicKey, KeyID: "rotated", Algorithm: "ES256", Use: "sig"}}})
	o.setForge(func(c map[string]any) string { return sign(t, jose.ES256, newKey, "rotated", c) })
	b = newBrowser(t)
	if resp, body := b.signIn(s, "idp", "/"); resp.StatusCode != 302 {
		t.Fatalf("token signed with the new key: %d %s", resp.StatusCode, body)
	}
	if u, _ := b.me(s); u != "idp:1234567890" {
		t.Fatalf("after rotation: signed in as %q", u)
	}

	o.setForge(func(c map[string]any) string { return sign(t, jose.RS256, o.Keypair.PrivateKey, oldKid, c) })
	b = newBrowser(t)
	resp, body := b.signIn(s, "idp", "/")
	b.wantRefused(s, resp, body, 400, "could not be verified")
}

// next returns to a path on the site only: every form of another host
// that a browser would follow returns to / instead, after a sign-in
// that otherwise succeeds.
func TestNextStaysOnTheSite(t *testing.T) {
	o := startOP(t)
	s := startSite(t, config.Auth{Providers: map[string]config.Provider{"idp": oidcProvider(o)}})
	for _, next := range []string{
		"//evil.example/", "/\\evil.example/", "\\\\evil.example/", "%2F%2Fevil.example/", "/%2F/evil.example/",
		"/%5Cevil.example/", "/\t/evil.example/", "/\n/evil.example/", "\t//evil.example/", "/\r\n/evil.example/",
		"https://evil.example/", "http:evil.example", "javascript:alert(1)", " //evil.example/", "",
	} {
		t.Run(url.QueryEscape(next), func(t *testing.T) {
			b := newBrowser(t)
			// The next value encoded once, twice (as a link in a page
			// might carry it), and as it is where a request line can
			// carry it ("%2F%2F" then decodes to "//").
			raws := []string{url.QueryEscape(next), url.QueryEscape(url.QueryEscape(next))}
			if !strings.ContainsAny(next, " \t\r\n\\") {
				raws = append(raws, next)
			}
			for _, raw := range raws {
				resp, body := b.get(s.base + "/auth/idp/login?next=" + raw)
				if resp.StatusCode != 302 {
					t.Fatalf("login: %d %s", resp.StatusCode, body)
				}
				resp, _ = b.get(resp.Header.Get("Location"))
				resp, body = b.get(resp.Header.Get("Location"))
				if resp.StatusCode != 302 || resp.Header.Get("Location") != "/" {
					t.Errorf("next=%s: callback %d to %q, want 302 to /", raw, resp.StatusCode, resp.Header.Get("Location"))
				}
			}
		})
	}
	b := newBrowser(t)
	if resp, _ := b.signIn(s, "idp", "/guestbook?page=2#top"); resp.Header.Get("Location") != "/guestbook?page=2#top" {
		t.Errorf("a path on the site: Location %q", resp.Header.Get("Location"))
	}
}

// The paths of a provider the site lacks, or with more segments, are
// not the host's: the site's routes answer them.
func TestUnknownProviderFallsThrough(t *testing.T) {
	o := startOP(t)
	s := startSite(t, config.Auth{Providers: map[string]config.Provider{"idp": oidcProvider(o)}})
	b := newBrowser(t)
	for _, p := range []string{"/auth/nope/login", "/auth/nope/callback", "/auth/idp/login/x", "/auth//login"} {
		if resp, _ := b.get(s.base + p); resp.StatusCode != 404 {
			t.Errorf("%s: %d, want the site's 404", p, resp.StatusCode)
		}
	}
	if ps := s.auth.Providers(); len(ps) != 1 || ps[0] != (oauth.Provider{Name: "idp", Title: "Mock"}) {
		t.Errorf("providers %v", ps)
	}
}

// Without base_url the callback URL is built on the request's Host,
// which must then be a host name.
func TestCallbackURLNeedsAHostName(t *testing.T) {
	o := startOP(t)
	s := startSite(t, config.Auth{Providers: map[string]config.Provider{"idp": oidcProvider(o)}})
	b := newBrowser(t)
	resp, body := b.get(s.base+"/auth/idp/login", "Host", "bad_host")
	if resp.StatusCode != 400 || len(resp.Header.Values("Set-Cookie")) != 0 || !strings.Contains(body, "Host") {
		t.Errorf("Host bad_host: %d %q %s", resp.StatusCode, resp.Header.Values("Set-Cookie"), body)
	}
	withBase := startSite(t, config.Auth{BaseURL: "https://example.com", Providers: map[string]config.Provider{"idp": oidcProvider(o)}})
	resp, _ = b.get(withBase.base+"/auth/idp/login", "Host", "bad_host")
	authz, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != 302 || authz.Query().Get("redirect_uri") != "https://example.com/auth/idp/callback" ||
		!strings.Contains(resp.Header.Get("Set-Cookie"), "Secure") {
		t.Errorf("with base_url: %d %q %q", resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("Set-Cookie"))
	}
}
