package oauth_test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/host/internal/oauth"
)

// authServer is an OAuth 2.0 authorization server written for the tests
// after a provider's documented endpoints: GitHub's (the token in a
// form-encoded answer unless JSON is asked for, the client's credentials
// in the body, /user and /user/emails), or a generic one (JSON answers,
// client credentials in a Basic header, a user-info endpoint). It
// checks what a provider checks: the client, the redirect URI, the PKCE
// verifier, and that a code is used once.
type authServer struct {
	*httptest.Server
	github bool
	mu     sync.Mutex
	codes  map[string]grant // code -> what it was issued for
	tokens map[string]bool
	user   map[string]any // what the user endpoint answers
	emails []map[string]any

	// Refresh tokens: with expiresIn set, a token answer says it
	// expires in that many seconds and carries a refresh token, good
	// once; a refresh's answer expires in an hour. refuse makes
	// refreshes answer invalid_grant.
	expiresIn int
	refresh   map[string]bool
	refreshes int
	refuse    bool
	noRefresh bool // with expiresIn: no refresh token in the answer
}

type grant struct{ redirect, challenge string }

const (
	asClient = "client-1"
	asSecret = "secret-1"
)

func startAuthServer(t *testing.T, github bool, user map[string]any) *authServer {
	as := &authServer{github: github, codes: map[string]grant{}, tokens: map[string]bool{}, user: user, refresh: map[string]bool{}}
	mux := http.NewServeMux()
	authorize, token, userPath := "/authorize", "/token", "/me"
	if github {
		authorize, token, userPath = "/login/oauth/authorize", "/login/oauth/access_token", "/user"
		mux.HandleFunc("GET /user/emails", func(w http.ResponseWriter, r *http.Request) {
			if !as.authorized(r) {
				http.Error(w, `{"message":"Requires authentication"}`, 401)
				return
			}
			json.NewEncoder(w).Encode(as.emails)
		})
	}
	mux.HandleFunc("GET "+authorize, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("client_id") != asClient || q.Get("code_challenge_method") != "S256" || q.Get("state") == "" {
			http.Error(w, "bad authorization request", 400)
			return
		}
		code := rand.Text()
		as.mu.Lock()
		as.codes[code] = grant{q.Get("redirect_uri"), q.Get("code_challenge")}
		as.mu.Unlock()
		to, _ := url.Parse(q.Get("redirect_uri"))
		v := to.Query()
		v.Set("code", code)
		v.Set("state", q.Get("state"))
		to.RawQuery = v.Encode()
		http.Redirect(w, r, to.String(), 302)
	})
	mux.HandleFunc("POST "+token, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		id, secret, basic := r.BasicAuth()
		if github || !basic {
			id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		if r.PostForm.Get("grant_type") == "refresh_token" {
			as.refreshToken(w, r, id, secret)
			return
		}
		code := r.PostForm.Get("code")
		as.mu.Lock()
		g, ok := as.codes[code]
		delete(as.codes, code)
		as.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		switch {
		case id != asClient || secret != asSecret:
			as.tokenError(w, r, "invalid_client")
		case !ok || g.redirect != r.PostForm.Get("redirect_uri"):
			as.tokenError(w, r, "bad_verification_code")
		case base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge:
			as.tokenError(w, r, "invalid_grant")
		default:
			tok := rand.Text()
			ans := map[string]string{"access_token": tok, "token_type": "bearer", "scope": "read:user,user:email"}
			as.mu.Lock()
			as.tokens[tok] = true
			if as.expiresIn > 0 {
				ans["expires_in"], ans["refresh_token"] = strconv.Itoa(as.expiresIn), rand.Text()
				as.refresh[ans["refresh_token"]] = true
				if as.noRefresh {
					delete(ans, "refresh_token")
				}
			}
			as.mu.Unlock()
			as.answer(w, r, ans)
		}
	})
	mux.HandleFunc("GET "+userPath, func(w http.ResponseWriter, r *http.Request) {
		if !as.authorized(r) {
			http.Error(w, `{"message":"Bad credentials"}`, 401)
			return
		}
		json.NewEncoder(w).Encode(as.user)
	})
	as.Server = httptest.NewServer(mux)
	t.Cleanup(as.Close)
	return as
}

// tokenError answers a refused code as the provider does: GitHub with
// 200 and the error in the body, others with 400.
func (as *authServer) tokenError(w http.ResponseWriter, r *http.Request, code string) {
	if !as.github {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(400)
	}
	as.answer(w, r, map[string]string{"error": code})
}

// refreshToken answers a refresh: a new access token and a new refresh
// token, the old one used up.
func (as *authServer) refreshToken(w http.ResponseWriter, r *http.Request, id, secret string) {
	as.mu.Lock()
	rt := r.PostForm.Get("refresh_token")
	ok := as.refresh[rt] && !as.refuse
	delete(as.refresh, rt)
	as.refreshes++
	tok, next := rand.Text(), rand.Text()
	if ok {
		as.tokens[tok], as.refresh[next] = true, true
	}
	as.mu.Unlock()
	if id != asClient || secret != asSecret || !ok {
		as.tokenError(w, r, "invalid_grant")
		return
	}
	as.answer(w, r, map[string]string{"access_token": tok, "token_type": "bearer", "expires_in": "3600", "refresh_token": next})
}

func (as *authServer) answer(w http.ResponseWriter, r *http.Request, v map[string]string) {
	if as.github && !strings.Contains(r.Header.Get("Accept"), "application/json") {
		form := url.Values{}
		for k, x := range v {
			form.Set(k, x)
		}
		w.Header().Set("Content-Type", "application/x-www-form-urlencoded")
		w.Write([]byte(form.Encode()))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func (as *authServer) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	as.mu.Lock()
	defer as.mu.Unlock()
	return ok && as.tokens[tok]
}

// A github provider signs the user in as github:ID with GitHub's user
// API mapped to the claims, and the primary e-mail address from
// /user/emails with its verified flag.
func TestGitHubSignIn(t *testing.T) {
	as := startAuthServer(t, true, map[string]any{"login": "octocat", "id": 583231, "name": nil,
		"avatar_url": "https://avatars.example/u/583231", "email": "public@example.com"})
	as.emails = []map[string]any{
		{"email": "other@example.com", "primary": false, "verified": true},
		{"email": "octocat@example.com", "primary": true, "verified": true},
	}
	s := startSite(t, config.Auth{Providers: map[string]config.Provider{"github": {
		Type: config.ProviderGitHub, Title: "GitHub", ClientID: asClient, ClientSecret: config.NewSecret(asSecret),
		AuthURL: as.URL + "/login/oauth/authorize", TokenURL: as.URL + "/login/oauth/access_token", UserInfoURL: as.URL + "/user",
		Claims: []string{"name", "email", "email_verified", "picture", "preferred_username"},
	}}})
	b := newBrowser(t)
	cb, authz := b.toProvider(s, "github", "/me")
	if got := authz.Query().Get("scope"); got != "read:user user:email" {
		t.Errorf("scope %q, want GitHub's default", got)
	}
	resp, body := b.get(cb.String())
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/me" {
		t.Fatalf("callback: %d %s", resp.StatusCode, body)
	}
	user, claims := b.me(s)
	want := map[string]any{"provider": "github", "subject": "583231", "name": "octocat", "email": "octocat@example.com",
		"email_verified": true, "picture": "https://avatars.example/u/583231", "preferred_username": "octocat"}
	if user != "github:583231" || len(claims) != len(want) {
		t.Errorf("signed in as %q with %v, want github:583231 with %v", user, claims, want)
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}

	// A code is good once: GitHub answers 200 with an error for the
	// second use.
	b2 := newBrowser(t)
	second, _ := b2.toProvider(s, "github", "/me")
	q := second.Query()
	q.Set("code", cb.Query().Get("code"))
	second.RawQuery = q.Encode()
	resp, body = b2.get(second.String())
	b2.wantRefused(s, resp, body, 400, "did not accept")
}

// A generic oauth2 provider names the user by its subject_field, a
// number here, and exposes the user-info fields the claims name.
func TestOAuth2SignIn(t *testing.T) {
	as := startAuthServer(t, false, map[string]any{"id": 42, "username": "ada", "name": "Ada Lovelace", "role": "admin"})
	p := config.Provider{Type: config.ProviderOAuth2, Title: "Corp", ClientID: asClient, ClientSecret: config.NewSecret(asSecret),
		AuthURL: as.URL + "/authorize", TokenURL: as.URL + "/token", UserInfoURL: as.URL + "/me",
		SubjectField: "id", Scopes: []string{"profile"}, Claims: []string{"name", "username", "missing"}}
	s := startSite(t, config.Auth{Providers: map[string]config.Provider{"corp": p}})
	b := newBrowser(t)
	if resp, body := b.signIn(s, "corp", "/me"); resp.StatusCode != 302 {
		t.Fatalf("callback: %d %s", resp.StatusCode, body)
	}
	user, claims := b.me(s)
	if user != "corp:42" || claims["name"] != "Ada Lovelace" || claims["username"] != "ada" || claims["subject"] != "42" || len(claims) != 4 {
		t.Errorf("signed in as %q with %v", user, claims)
	}

	t.Run("subject field missing", func(t *testing.T) {
		p.SubjectField = "uid"
		s := startSite(t, config.Auth{Providers: map[string]config.Provider{"corp": p}})
		b := newBrowser(t)
		resp, body := b.signIn(s, "corp", "/me")
		b.wantRefused(s, resp, body, 400, "could not be verified")
	})
	t.Run("wrong client secret", func(t *testing.T) {
		p.SubjectField, p.ClientSecret = "id", config.NewSecret("wrong")
		s := startSite(t, config.Auth{Providers: map[string]config.Provider{"corp": p}})
		b := newBrowser(t)
		resp, body := b.signIn(s, "corp", "/me")
		b.wantRefused(s, resp, body, 400, "did not accept")
	})
}

// Callbacks that wait on their provider are capped: past the cap, one
// gets 503 at once and the provider hears nothing of it.
func TestExchangesCapped(t *testing.T) {
	as := startAuthServer(t, false, map[string]any{"id": 1})
	release, entered := make(chan struct{}), make(chan struct{}, 1)
	inner := as.Config.Handler
	var exchanges sync.WaitGroup
	as.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			exchanges.Add(1)
			defer exchanges.Done()
			entered <- struct{}{}
			<-release
		}
		inner.ServeHTTP(w, r)
	})
	s := startSite(t, config.Auth{Providers: map[string]config.Provider{"corp": {Type: config.ProviderOAuth2, ClientID: asClient, ClientSecret: config.NewSecret(asSecret),
		AuthURL: as.URL + "/authorize", TokenURL: as.URL + "/token", UserInfoURL: as.URL + "/me", SubjectField: "id"}}})
	oauth.SetMaxExchanges(s.auth, 1)

	first, second := newBrowser(t), newBrowser(t)
	cb1, _ := first.toProvider(s, "corp", "/me")
	cb2, _ := second.toProvider(s, "corp", "/me")
	done := make(chan int)
	go func() {
		resp, _ := first.get(cb1.String())
		done <- resp.StatusCode
	}()
	<-entered // the first callback holds the one slot, at the provider
	resp, body := second.get(cb2.String())
	second.wantRefused(s, resp, body, 503, "Too many sign-ins")
	close(release)
	if status := <-done; status != 302 {
		t.Errorf("the first callback: %d, want 302", status)
	}
	exchanges.Wait()
}
