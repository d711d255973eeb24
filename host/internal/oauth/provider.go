package oauth

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"unicode"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/host/internal/outbound"
)

// GitHub's endpoints, which a github provider uses unless its config
// names others.
const (
	GitHubAuthURL     = "https://github.com/login/oauth/authorize"
	GitHubTokenURL    = "https://github.com/login/oauth/access_token"
	GitHubUserInfoURL = "https://api.github.com/user"
)

// signingAlgs are the ID token algorithms accepted: asymmetric ones
// only. "none" carries no signature, and HS256 would be checked with a
// secret the client shares, or, in a confused verifier, with the
// provider's public key, which anyone has.
var signingAlgs = []string{
	oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512,
	oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA,
}

// provider is one configured provider. An OIDC provider's discovery
// document is read on first use and kept; one that failed is read again
// on the next sign-in. Safe for concurrent use.
type provider struct {
	name string
	cfg  config.Provider
	api  []outbound.Prefix // where its token may go, when it forwards it

	mu       sync.Mutex
	oidc     *oidc.Provider // nil until discovered
	verifier *oidc.IDTokenVerifier
}

func newProvider(name string, cfg config.Provider) *provider {
	return &provider{name: name, cfg: cfg}
}

// identity is who a provider says the user is.
type identity struct {
	subject string
	claims  map[string]any // the provider's claims or user-info fields
}

// oauth2Config returns the client's configuration for a sign-in that
// returns to redirect.
func (p *provider) oauth2Config(ctx context.Context, redirect string) (*oauth2.Config, error) {
	c := &oauth2.Config{ClientID: p.cfg.ClientID, ClientSecret: p.cfg.Secret(), RedirectURL: redirect, Scopes: p.cfg.Scopes}
	switch p.cfg.Type {
	case config.ProviderOIDC:
		op, err := p.discover(ctx)
		if err != nil {
			return nil, err
		}
		c.Endpoint = op.Endpoint()
	case config.ProviderGitHub:
		// GitHub takes the client's credentials in the body.
		c.Endpoint = oauth2.Endpoint{AuthURL: or(p.cfg.AuthURL, GitHubAuthURL), TokenURL: or(p.cfg.TokenURL, GitHubTokenURL),
			AuthStyle: oauth2.AuthStyleInParams}
	default:
		c.Endpoint = oauth2.Endpoint{AuthURL: p.cfg.AuthURL, TokenURL: p.cfg.TokenURL}
	}
	return c, nil
}

// discover returns the OIDC provider, reading its discovery document the
// first time.
func (p *provider) discover(ctx context.Context) (*oidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.oidc != nil {
		return p.oidc, nil
	}
	op, err := oidc.NewProvider(ctx, p.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oauth: provider %q: discovery: %w", p.name, err)
	}
	// The key set fetches with the client of ctx (whose Timeout bounds
	// each fetch), and fetches again when a token names a key it lacks:
	// a provider's key rotation needs nothing more.
	p.oidc = op
	p.verifier = op.Verifier(&oidc.Config{ClientID: p.cfg.ClientID, SupportedSigningAlgs: signingAlgs})
	return op, nil
}

// identify learns who signed in from the token answer: the ID token of
// an OIDC provider, checked against nonce, with user info for claims it
// lacks; the user API of GitHub or a generic provider.
func (p *provider) identify(ctx context.Context, client *http.Client, tok *oauth2.Token, nonce string) (identity, error) {
	switch p.cfg.Type {
	case config.ProviderOIDC:
		return p.identifyOIDC(ctx, tok, nonce)
	case config.ProviderGitHub:
		return p.identifyGitHub(ctx, client, tok)
	}
	fields, err := getJSON(ctx, client, p.cfg.UserInfoURL, tok)
	if err != nil {
		return identity{}, err
	}
	sub, err := subject(fields[p.cfg.SubjectField])
	if err != nil {
		return identity{}, fmt.Errorf("user info field %q: %w", p.cfg.SubjectField, err)
	}
	return identity{subject: sub, claims: fields}, nil
}

func (p *provider) identifyOIDC(ctx context.Context, tok *oauth2.Token, nonce string) (identity, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return identity{}, errors.New("the token answer has no id_token")
	}
	op, err := p.discover(ctx)
	if err != nil {
		return identity{}, err
	}
	p.mu.Lock()
	v := p.verifier
	p.mu.Unlock()
	idt, err := v.Verify(ctx, raw)
	if err != nil {
		return identity{}, err
	}
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return identity{}, errors.New("oidc: the ID token's nonce is not the sign-in's")
	}
	if _, err := subject(idt.Subject); err != nil {
		return identity{}, fmt.Errorf("oidc: sub: %w", err)
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return identity{}, err
	}
	var missing bool
	for _, c := range p.cfg.Claims {
		if _, ok := claims[c]; !ok {
			missing = true
		}
	}
	if missing && op.UserInfoEndpoint() != "" {
		// Some providers put only the subject in the ID token; user info
		// fills in what it lacks, when it is about the same user.
		ui, err := op.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		var more map[string]any
		if err == nil && ui.Subject == idt.Subject && ui.Claims(&more) == nil {
			for k, v := range more {
				if _, ok := claims[k]; !ok {
					claims[k] = v
				}
			}
		}
	}
	return identity{subject: idt.Subject, claims: claims}, nil
}

// identifyGitHub reads GitHub's user API: the numeric id is the
// subject; login, name and avatar_url become preferred_username, name
// and picture; the primary verified address of /user/emails is the
// e-mail when the claims want one.
func (p *provider) identifyGitHub(ctx context.Context, client *http.Client, tok *oauth2.Token) (identity, error) {
	userURL := or(p.cfg.UserInfoURL, GitHubUserInfoURL)
	u, err := getJSON(ctx, client, userURL, tok)
	if err != nil {
		return identity{}, err
	}
	sub, err := subject(u["id"])
	if err != nil {
		return identity{}, fmt.Errorf("github user id: %w", err)
	}
	claims := map[string]any{}
	for k, v := range u {
		claims[k] = v
	}
	claims["preferred_username"] = u["login"]
	claims["picture"] = u["avatar_url"]
	if n, _ := u["name"].(string); n == "" {
		claims["name"] = u["login"]
	}
	delete(claims, "email") // unverified unless /user/emails says so
	if p.wants("email") || p.wants("email_verified") {
		emails, err := getJSONArray(ctx, client, strings.TrimSuffix(userURL, "/")+"/emails", tok)
		if err == nil {
			for _, e := range emails {
				if primary, _ := e["primary"].(bool); primary {
					claims["email"] = e["email"]
					claims["email_verified"], _ = e["verified"].(bool)
				}
			}
		}
	}
	return identity{subject: sub, claims: claims}, nil
}

// wants reports whether the provider exposes claim c.
func (p *provider) wants(c string) bool {
	for _, x := range p.cfg.Claims {
		if x == c {
			return true
		}
	}
	return false
}

// expose returns the claims a plugin sees, as a JSON object: provider
// and subject, then each configured claim the identity has, in the
// config's order while they fit MaxClaimsBytes.
func (p *provider) expose(name string, id identity) []byte {
	out := map[string]json.RawMessage{}
	put := func(k string, v any) bool {
		b, err := json.Marshal(v)
		if err != nil || len(b) > MaxClaimBytes {
			return false
		}
		out[k] = b
		return true
	}
	put("provider", name)
	put("subject", id.subject)
	size := 64 + len(name) + len(id.subject)
	for _, c := range p.cfg.Claims {
		v, ok := id.claims[c]
		if !ok || v == nil || c == "provider" || c == "subject" {
			continue
		}
		b, err := json.Marshal(v)
		if err != nil || len(b) > MaxClaimBytes || size+len(c)+len(b)+4 > MaxClaimsBytes {
			continue
		}
		size += len(c) + len(b) + 4
		out[c] = b
	}
	b, _ := json.Marshal(out)
	return b
}

// subject returns a user-info or ID token value as a subject: a
// non-empty string or an integer, at most 255 bytes, without control
// characters or white space.
func subject(v any) (string, error) {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case json.Number:
		if _, err := v.Int64(); err != nil {
			return "", fmt.Errorf("%s is not an integer", v)
		}
		s = v.String()
	case nil:
		return "", errors.New("missing")
	default:
		return "", fmt.Errorf("%T is not a string or integer", v)
	}
	if s == "" || len(s) > 255 || strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return "", errors.New("not a usable subject (1 to 255 bytes, no white space or control characters)")
	}
	return s, nil
}

// getJSON fetches a JSON object with the access token, numbers kept as
// json.Number.
func getJSON(ctx context.Context, client *http.Client, u string, tok *oauth2.Token) (map[string]any, error) {
	var m map[string]any
	if err := fetch(ctx, client, u, tok, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, fmt.Errorf("%s: not a JSON object", u)
	}
	return m, nil
}

func getJSONArray(ctx context.Context, client *http.Client, u string, tok *oauth2.Token) ([]map[string]any, error) {
	var a []map[string]any
	return a, fetch(ctx, client, u, tok, &a)
}

func fetch(ctx context.Context, client *http.Client, u string, tok *oauth2.Token, v any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("%s: %s", u, resp.Status)
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxUserInfo))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", u, err)
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
