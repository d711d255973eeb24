package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/wasmweb/wasmweb/host/internal/outbound"
)

// Auth is a site's [site.auth] table: sign-in with third-party
// providers, run by the host (abi/ABI.md section 7.12). The host keeps
// the client secrets, state and tokens; a plugin sees the signed-in user
// and the claims each provider exposes.
type Auth struct {
	// LoginPath is where a sign-in starts, with {provider} standing for
	// the provider's name and ?next= the path to return to; default
	// "/auth/{provider}/login".
	LoginPath string `toml:"login_path"`
	// CallbackPath is where providers send the user back, with
	// {provider} standing for the provider's name; default
	// "/auth/{provider}/callback". Register BaseURL + this path (the
	// provider's name in place) with each provider.
	CallbackPath string `toml:"callback_path"`
	// BaseURL is the site's origin as browsers reach it, such as
	// "https://example.com": the callback URL given to providers is
	// built on it, and with https the host's sign-in cookies are Secure.
	// Without it the callback URL is "http://" and the request's Host,
	// which suits development only.
	BaseURL string `toml:"base_url"`
	// Providers are the [site.auth.providers.NAME] tables, by name:
	// letters, digits, - and _.
	Providers map[string]Provider `toml:"providers"`
}

// Provider is one [site.auth.providers.NAME] table: an OpenID Connect
// provider, GitHub, or a generic OAuth 2.0 authorization server.
type Provider struct {
	// Type is "oidc" (OpenID Connect, configured by discovery from
	// Issuer), "github" (OAuth 2.0 and GitHub's user API) or "oauth2"
	// (generic: AuthURL, TokenURL and UserInfoURL).
	Type string `toml:"type"`
	// Title names the provider on sign-in links ("Sign in with Title");
	// default the provider's name.
	Title string `toml:"title"`
	// Issuer is an OIDC provider's issuer URL, such as
	// "https://accounts.google.com"; its discovery document is read from
	// Issuer + "/.well-known/openid-configuration".
	Issuer string `toml:"issuer"`
	// AuthURL, TokenURL and UserInfoURL are the endpoints of an oauth2
	// provider. A github provider uses GitHub's unless they are set (for
	// GitHub Enterprise).
	AuthURL     string `toml:"auth_url"`
	TokenURL    string `toml:"token_url"`
	UserInfoURL string `toml:"userinfo_url"`
	// SubjectField is the user-info field that names the user, for an
	// oauth2 provider; default "sub".
	SubjectField string `toml:"subject_field"`
	// ClientID is the client (application) id the provider issued.
	ClientID string `toml:"client_id"`
	// ClientSecret is the client secret: inline, or { env = "NAME" } or
	// { file = "/path" } as any secret (Secret), which keep it out of
	// the file. ClientSecretEnv is another way to name an environment
	// variable. One of the two.
	ClientSecret Secret `toml:"client_secret"`
	// ClientSecretEnv names the environment variable that holds the
	// client secret.
	ClientSecretEnv string `toml:"client_secret_env"`
	// Scopes are the scopes asked for; default ["openid", "profile",
	// "email"] for oidc, ["read:user", "user:email"] for github, none for
	// oauth2.
	Scopes []string `toml:"scopes"`
	// Claims are the claims a plugin sees (UserClaims in the SDK), besides
	// provider and subject, which it always sees; default ["name",
	// "email", "email_verified", "picture"].
	Claims []string `toml:"claims"`
	// ForwardToken has the host keep the user's access token (and
	// refresh token) at sign-in, encrypted, and attach it to the
	// plugins' fetches that ask for it (abi/ABI.md section 7.15) to a
	// URL under API. Off by default: the tokens are dropped.
	ForwardToken bool `toml:"forward_token"`
	// API are the URL prefixes the token may be sent to, such as
	// "https://api.github.com/": an origin and a path ending in "/",
	// within the site's [site.outbound] allow list. Default
	// ["https://api.github.com/"] for a github provider without
	// userinfo_url; required for others that forward the token.
	API []string `toml:"api"`
}

// DefaultGitHubAPI is a github provider's API, where its token goes by
// default.
const DefaultGitHubAPI = "https://api.github.com/"

// APIPrefixes returns the prefixes p's token may go to: API, or its
// default.
func (p Provider) APIPrefixes() []string {
	if p.API == nil && p.Type == ProviderGitHub && p.UserInfoURL == "" {
		return []string{DefaultGitHubAPI}
	}
	return p.API
}

// The provider types.
const (
	ProviderOIDC   = "oidc"
	ProviderGitHub = "github"
	ProviderOAuth2 = "oauth2"
)

// Defaults of [site.auth].
const (
	DefaultLoginPath    = "/auth/{provider}/login"
	DefaultCallbackPath = "/auth/{provider}/callback"
	// ProviderParam stands for a provider's name in LoginPath and
	// CallbackPath.
	ProviderParam = "{provider}"
)

// DefaultClaims are the claims exposed when a provider names none.
var DefaultClaims = []string{"name", "email", "email_verified", "picture"}

// WithDefaults returns a with its paths, titles, scopes and claims set.
func (a Auth) WithDefaults() Auth {
	if a.LoginPath == "" {
		a.LoginPath = DefaultLoginPath
	}
	if a.CallbackPath == "" {
		a.CallbackPath = DefaultCallbackPath
	}
	a.BaseURL = strings.TrimSuffix(a.BaseURL, "/")
	if len(a.Providers) > 0 {
		ps := make(map[string]Provider, len(a.Providers))
		for name, p := range a.Providers {
			if p.Title == "" {
				p.Title = name
			}
			if p.Scopes == nil {
				switch p.Type {
				case ProviderOIDC:
					p.Scopes = []string{"openid", "profile", "email"}
				case ProviderGitHub:
					p.Scopes = []string{"read:user", "user:email"}
				}
			}
			if p.Claims == nil {
				p.Claims = slices.Clone(DefaultClaims)
			}
			if p.SubjectField == "" && p.Type == ProviderOAuth2 {
				p.SubjectField = "sub"
			}
			ps[name] = p
		}
		a.Providers = ps
	}
	return a
}

// Secret returns the provider's client secret: ClientSecret, or the
// value of the environment variable ClientSecretEnv names.
func (p Provider) Secret() string {
	if p.ClientSecretEnv != "" {
		return os.Getenv(p.ClientSecretEnv)
	}
	return p.ClientSecret.Value()
}

// providerName is what a provider's name may hold: it becomes part of
// the sign-in paths and of the user's id (provider:subject).
var providerName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// checkAuth checks a site's [site.auth] table, at key, providers in name
// order so that the first error reported is always the same. accounts
// are the site's local account names: none may look like a provider's
// user.
func checkAuth(key string, a Auth, accountNames map[string]string, allow []string) error {
	bad := func(k, format string, args ...any) error {
		return &Error{Key: key + "." + k, Err: fmt.Errorf(format, args...)}
	}
	for k, p := range map[string]string{"login_path": a.LoginPath, "callback_path": a.CallbackPath} {
		if p == "" {
			continue
		}
		if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.Count(p, ProviderParam) != 1 ||
			strings.ContainsAny(p, "?#\\ \t") {
			return bad(k, "%q must be a path on the site with %s once, such as %q", p, ProviderParam, DefaultLoginPath)
		}
	}
	if def := a.WithDefaults(); def.LoginPath == def.CallbackPath {
		return bad("callback_path", "%q is the login_path too", def.CallbackPath)
	}
	if a.BaseURL != "" {
		u, err := url.Parse(a.BaseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
			strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
			return bad("base_url", "%q is not an origin such as \"https://example.com\"", a.BaseURL)
		}
	}
	names := make([]string, 0, len(a.Providers))
	for name := range a.Providers {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		p := a.Providers[name]
		pkey := "providers." + name
		if !providerName.MatchString(name) {
			pkey = "providers." + strconv.Quote(name)
		}
		if !providerName.MatchString(name) {
			return bad(pkey, "a provider name is 1 to 64 letters, digits, - and _")
		}
		for user := range accountNames {
			if strings.HasPrefix(user, name+":") {
				return bad(pkey, "the local account %q would be taken for a user of this provider: rename it", user)
			}
		}
		switch p.Type {
		case ProviderOIDC:
			if p.Issuer == "" {
				return bad(pkey+".issuer", "an oidc provider needs its issuer URL, such as \"https://accounts.google.com\"")
			}
			if err := checkEndpoint(p.Issuer); err != nil {
				return bad(pkey+".issuer", "%v", err)
			}
		case ProviderOAuth2:
			for _, e := range p.endpoints() {
				if k, v := e[0], e[1]; v == "" {
					return bad(pkey+"."+k, "an oauth2 provider needs auth_url, token_url and userinfo_url")
				}
			}
		case ProviderGitHub:
		case "":
			return bad(pkey+".type", "every provider needs a type: \"oidc\", \"github\" or \"oauth2\"")
		default:
			return bad(pkey+".type", "%q is not a provider type (want oidc, github or oauth2)", p.Type)
		}
		if p.Type != ProviderOIDC && p.Issuer != "" {
			return bad(pkey+".issuer", "only an oidc provider has an issuer")
		}
		for _, e := range p.endpoints() {
			k, v := e[0], e[1]
			if v == "" {
				continue
			}
			if p.Type == ProviderOIDC {
				return bad(pkey+"."+k, "an oidc provider's endpoints come from its discovery document")
			}
			if err := checkEndpoint(v); err != nil {
				return bad(pkey+"."+k, "%v", err)
			}
		}
		if p.SubjectField != "" && p.Type != ProviderOAuth2 {
			return bad(pkey+".subject_field", "only an oauth2 provider takes subject_field")
		}
		if p.ClientID == "" {
			return bad(pkey+".client_id", "needs the client id the provider issued")
		}
		switch {
		case p.ClientSecret.given() && p.ClientSecretEnv != "":
			return bad(pkey+".client_secret_env", "give client_secret or client_secret_env, not both")
		case p.ClientSecretEnv != "":
			if os.Getenv(p.ClientSecretEnv) == "" {
				return bad(pkey+".client_secret_env", "the environment variable %s is not set", p.ClientSecretEnv)
			}
		case p.ClientSecret.Value() == "":
			return bad(pkey+".client_secret", "needs the client secret (or client_secret_env, an environment variable holding it)")
		}
		for i, s := range p.Scopes {
			if s == "" || strings.ContainsAny(s, " \t\r\n\"\\") {
				return bad(fmt.Sprintf("%s.scopes[%d]", pkey, i), "%q is not a scope", s)
			}
		}
		for i, c := range p.Claims {
			if c == "" || len(c) > 64 || strings.ContainsFunc(c, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
				return bad(fmt.Sprintf("%s.claims[%d]", pkey, i), "%q is not a claim name", c)
			}
		}
		if err := checkAPI(pkey, p, allow); err != nil {
			return bad(err.key, "%v", err.err)
		}
	}
	return nil
}

// endpoints returns the keys and values of p's endpoint URLs, in the
// order the file documents them.
func (p Provider) endpoints() [][2]string {
	return [][2]string{{"auth_url", p.AuthURL}, {"token_url", p.TokenURL}, {"userinfo_url", p.UserInfoURL}}
}

// checkEndpoint reports why u cannot be a provider's URL: it must be
// https, or http to a loopback address (a provider run for tests or
// development).
func checkEndpoint(u string) error {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" || p.User != nil || p.Fragment != "" {
		return fmt.Errorf("%q is not an absolute URL", u)
	}
	switch p.Scheme {
	case "https":
		return nil
	case "http":
		if h := p.Hostname(); h == "localhost" || net.ParseIP(h) != nil && net.ParseIP(h).IsLoopback() {
			return nil
		}
	}
	return errors.New(u + ": a provider is reached over https (http only on a loopback address)")
}

// keyErr is an error about a key below a site's [site.auth].
type keyErr struct {
	key string
	err error
}

// checkAPI checks the prefixes a provider's token may go to: each
// parses, and the site's allow list admits its origin, so that a fetch
// with the token is not refused by the list after the host has read
// the token.
func checkAPI(pkey string, p Provider, allow []string) *keyErr {
	if !p.ForwardToken {
		if p.API != nil {
			return &keyErr{pkey + ".api", errors.New("api is where a forwarded token goes: set forward_token = true too, or remove it")}
		}
		return nil
	}
	api := p.APIPrefixes()
	if len(api) == 0 {
		return &keyErr{pkey + ".api", errors.New(`a provider that forwards its token needs the URL prefixes of its API, such as ["https://api.example.com/"]`)}
	}
	var rules []outbound.Rule
	for _, a := range allow {
		if r, err := outbound.ParseRule(a); err == nil {
			rules = append(rules, r)
		}
	}
	for i, a := range api {
		k := fmt.Sprintf("%s.api[%d]", pkey, i)
		if p.API == nil {
			k = pkey + ".forward_token"
		}
		pre, err := outbound.ParsePrefix(a)
		if err != nil {
			return &keyErr{k, err}
		}
		if !pre.AllowedBy(rules) {
			return &keyErr{k, fmt.Errorf("the token would go to %s, which the site's [site.outbound] allow list does not admit: add %q to it", a, pre.Origin())}
		}
	}
	return nil
}
