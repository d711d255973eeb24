package oauth_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/host/internal/kv"
	"github.com/wasmweb/wasmweb/host/internal/oauth"
)

// lookup finds the browser's cookies for the site, as a request's.
func (b *browser) lookup(s *site) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v := b.cookie(s.base, name)
		return v, v != ""
	}
}

// tokenStore is a bbolt store in the test's directory, and its file.
func tokenStore(t *testing.T) (kv.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "site.host.db")
	st, err := kv.OpenBolt(path, oauth.TokenLimits, kv.BoltOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

// records returns the store's keys.
func records(t *testing.T, st kv.Store) []string {
	t.Helper()
	keys, err := st.List("", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// bearer returns the access token of an Authorization value.
func bearer(t *testing.T, auth string) string {
	t.Helper()
	tok, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || tok == "" {
		t.Fatalf("Authorization %q is no bearer token", auth)
	}
	return tok
}

// A provider that forwards its token has it kept at the callback,
// sealed: neither the store's values nor its file show it. It is given
// for the user who signed in, in the browser that did, and no one else;
// signing out deletes it.
func TestTokenKept(t *testing.T) {
	as := startAuthServer(t, true, map[string]any{"login": "octocat", "id": 583231})
	st, path := tokenStore(t)
	gh := config.Provider{Type: config.ProviderGitHub, ClientID: asClient, ClientSecret: config.NewSecret(asSecret),
		AuthURL: as.URL + "/login/oauth/authorize", TokenURL: as.URL + "/login/oauth/access_token", UserInfoURL: as.URL + "/user",
		ForwardToken: true, API: []string{as.URL + "/"}}
	plain := gh
	plain.ForwardToken, plain.API = false, nil
	s := startSiteTokens(t, config.Auth{Providers: map[string]config.Provider{"github": gh, "plain": plain}}, st)
	ctx := context.Background()

	b := newBrowser(t)
	if resp, body := b.signIn(s, "github", "/me"); resp.StatusCode != 302 {
		t.Fatalf("callback: %d %s", resp.StatusCode, body)
	}
	cred, err := s.auth.Credential(ctx, "github", "github:583231", b.lookup(s))
	if err != nil {
		t.Fatal(err)
	}
	tok := bearer(t, cred.Authorization)
	as.mu.Lock()
	issued := as.tokens[tok]
	as.mu.Unlock()
	if !issued {
		t.Errorf("the credential's token %q is not the one the provider issued", tok)
	}
	if len(cred.Prefixes) != 1 || cred.Prefixes[0].Origin() != as.URL {
		t.Errorf("prefixes %v, want the provider's api", cred.Prefixes)
	}

	keys := records(t, st)
	if len(keys) != 1 {
		t.Fatalf("records %q, want one", keys)
	}
	e, _ := st.Get(keys[0])
	raw, _ := os.ReadFile(path)
	for what, b := range map[string][]byte{"the record": e.Value, "the store's file": raw, "the key": []byte(keys[0])} {
		if bytes.Contains(b, []byte(tok)) || bytes.Contains(b, []byte("octocat")) || bytes.Contains(b, []byte("583231")) {
			t.Errorf("%s shows the token or the user", what)
		}
	}

	for _, tc := range []struct {
		name, provider, user string
		lookup               func(string) (string, bool)
		want                 error
	}{
		{"another user", "github", "github:1", b.lookup(s), oauth.ErrNoToken},
		{"a local user", "github", "ada", b.lookup(s), oauth.ErrNoToken},
		{"without the claims cookie", "github", "github:583231", func(string) (string, bool) { return "", false }, oauth.ErrNoToken},
		{"another browser", "github", "github:583231", newBrowser(t).lookup(s), oauth.ErrNoToken},
		{"a provider that does not forward", "plain", "github:583231", b.lookup(s), oauth.ErrNotForwarded},
		{"no such provider", "gitlab", "github:583231", b.lookup(s), oauth.ErrNotForwarded},
		{"a huge provider name", strings.Repeat("g", 1<<20), "github:583231", b.lookup(s), oauth.ErrNotForwarded},
	} {
		if c, err := s.auth.Credential(ctx, tc.provider, tc.user, tc.lookup); !errors.Is(err, tc.want) || c != nil {
			t.Errorf("%s: %v %v, want %v", tc.name, c, err, tc.want)
		}
	}

	// Signed in with the provider that does not forward: nothing kept,
	// and the earlier sign-in's record, this browser's, is gone.
	if resp, _ := b.signIn(s, "plain", "/me"); resp.StatusCode != 302 {
		t.Fatal("second sign-in failed")
	}
	if keys := records(t, st); len(keys) != 0 {
		t.Errorf("records %q after signing in again without forwarding, want none", keys)
	}

	b2 := newBrowser(t)
	b2.signIn(s, "github", "/me")
	if keys := records(t, st); len(keys) != 1 {
		t.Fatalf("records %q, want one", keys)
	}
	s.auth.SignOut(b2.lookup(s))
	if keys := records(t, st); len(keys) != 0 {
		t.Errorf("records %q after sign-out, want none", keys)
	}
	if _, err := s.auth.Credential(ctx, "github", "github:583231", b2.lookup(s)); !errors.Is(err, oauth.ErrNoToken) {
		t.Errorf("after sign-out: %v, want ErrNoToken", err)
	}
	s.logMu.Lock()
	logs := s.logs.String()
	s.logMu.Unlock()
	if strings.Contains(logs, tok) {
		t.Error("the log shows a token")
	}
}

// An expired token with a refresh token is refreshed at the provider,
// once, and the new one kept: the next fetch uses it as it is. A refresh
// the provider refuses deletes the record.
func TestTokenRefreshed(t *testing.T) {
	as := startAuthServer(t, false, map[string]any{"id": 42})
	as.expiresIn = 1 // within oauth2's margin of ten seconds: expired at once
	st, path := tokenStore(t)
	p := config.Provider{Type: config.ProviderOAuth2, ClientID: asClient, ClientSecret: config.NewSecret(asSecret),
		AuthURL: as.URL + "/authorize", TokenURL: as.URL + "/token", UserInfoURL: as.URL + "/me", SubjectField: "id",
		ForwardToken: true, API: []string{as.URL + "/api/"}}
	s := startSiteTokens(t, config.Auth{Providers: map[string]config.Provider{"corp": p}}, st)
	ctx := context.Background()

	b := newBrowser(t)
	b.signIn(s, "corp", "/me")
	as.mu.Lock()
	first := len(as.tokens)
	as.mu.Unlock()
	cred, err := s.auth.Credential(ctx, "corp", "corp:42", b.lookup(s))
	if err != nil {
		t.Fatal(err)
	}
	tok := bearer(t, cred.Authorization)
	as.mu.Lock()
	refreshes, issued := as.refreshes, len(as.tokens)
	as.mu.Unlock()
	if refreshes != 1 || issued != first+1 {
		t.Fatalf("%d refreshes, %d tokens issued after the first; want one of each", refreshes, issued-first)
	}
	again, err := s.auth.Credential(ctx, "corp", "corp:42", b.lookup(s))
	if err != nil || again.Authorization != cred.Authorization {
		t.Errorf("the next credential: %v %v, want the refreshed token kept", again, err)
	}
	if raw, _ := os.ReadFile(path); bytes.Contains(raw, []byte(tok)) {
		t.Error("the store's file shows the refreshed token")
	}

	b2 := newBrowser(t)
	b2.signIn(s, "corp", "/me")
	as.mu.Lock()
	as.refuse = true
	as.mu.Unlock()
	if _, err := s.auth.Credential(ctx, "corp", "corp:42", b2.lookup(s)); !errors.Is(err, oauth.ErrNoToken) {
		t.Errorf("a refused refresh: %v, want ErrNoToken", err)
	}
	if keys := records(t, st); len(keys) != 1 {
		t.Errorf("records %q, want only the first browser's", keys)
	}

	// Expired without a refresh token: none, and the record goes.
	as.mu.Lock()
	as.refuse, as.noRefresh = false, true
	before := as.refreshes
	as.mu.Unlock()
	b3 := newBrowser(t)
	b3.signIn(s, "corp", "/me")
	if _, err := s.auth.Credential(ctx, "corp", "corp:42", b3.lookup(s)); !errors.Is(err, oauth.ErrNoToken) {
		t.Errorf("expired without a refresh token: %v, want ErrNoToken", err)
	}
	as.mu.Lock()
	after := as.refreshes
	as.mu.Unlock()
	if keys := records(t, st); len(keys) != 1 || after != before {
		t.Errorf("records %q, %d refreshes; want the first browser's only, and no refresh", keys, after-before)
	}
}
