package host_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/wasmweb/wasmweb/host/config"
)

// TestSignInWithProvider runs a sign-in through the host and a guest:
// the guest's LoginWith sends the browser to a real OpenID provider run
// in the test, the host's callback signs the user in, and the guest's
// UserClaims then sees the claims, and only them; signing out with
// SetCurrentUser("") drops the claims too.
func TestSignInWithProvider(t *testing.T) {
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	defer m.Shutdown()

	wasm := abiGuest(t)
	site := config.Site{
		Name: "signin", Hosts: []string{"s.test"},
		Cookies: config.Cookies{Secrets: []config.Secret{config.NewSecret("0123456789abcdef0123456789abcdef")}},
		Auth: config.Auth{Providers: map[string]config.Provider{"idp": {
			Type: config.ProviderOIDC, Issuer: m.Issuer(), ClientID: m.ClientID, ClientSecret: config.NewSecret(m.ClientSecret),
			Claims: []string{"email", "email_verified"},
		}}},
		Limits:  config.Limits{Instances: 1, WarmInstances: 1},
		Plugins: map[string]string{"abi": wasm},
		Routes: []config.Route{
			{Path: "/signin", Plugin: "abi", Handler: "signin"},
			{Path: "/claims", Plugin: "abi", Handler: "claims"},
			{Path: "/user", Plugin: "abi", Handler: "user"},
		},
	}
	_, do := testHost(t, site)
	get := func(target, cookies string) (*http.Response, string) {
		t.Helper()
		return do(getRequest(target, cookies))
	}

	resp, body := get("/signin?provider=idp&next=%2Fclaims", "")
	signin := cookieOf(resp, "wasmweb_signin")
	if resp.StatusCode != 302 || !strings.HasPrefix(resp.Header.Get("Location"), m.AuthorizationEndpoint()+"?") || signin == "" {
		t.Fatalf("LoginWith: %d Location %q Set-Cookie %q %s", resp.StatusCode, resp.Header.Get("Location"), resp.Header.Values("Set-Cookie"), body)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	opResp, err := noRedirect.Get(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	opResp.Body.Close()
	cb, err := url.Parse(opResp.Header.Get("Location"))
	if err != nil || cb.Host != "s.test" || cb.Path != "/auth/idp/callback" {
		t.Fatalf("the provider sent the browser to %q", opResp.Header.Get("Location"))
	}

	resp, body = get(cb.RequestURI(), signin)
	user, claimsCk := cookieOf(resp, "wasmweb_user"), cookieOf(resp, "wasmweb_claims")
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/claims" || user == "" || claimsCk == "" {
		t.Fatalf("callback: %d Location %q Set-Cookie %q %s", resp.StatusCode, resp.Header.Get("Location"), resp.Header.Values("Set-Cookie"), body)
	}
	both := user + "; " + claimsCk

	resp, body = get("/claims", both)
	var claims map[string]any
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &claims) != nil {
		t.Fatalf("claims: %d %q", resp.StatusCode, body)
	}
	want := map[string]any{"provider": "idp", "subject": "1234567890", "email": "jane.doe@example.com", "email_verified": true}
	if len(claims) != len(want) {
		t.Errorf("claims %v, want %v", claims, want)
	}
	for k, v := range want {
		if claims[k] != v {
			t.Errorf("claim %s = %v, want %v", k, claims[k], v)
		}
	}
	if _, body := get("/user", both); body != "idp:1234567890" {
		t.Errorf("CurrentUser: %q, want idp:1234567890", body)
	}
	if strings.Contains(body, "access_token") || strings.Contains(both, "jane.doe") {
		t.Error("a token or a claim shows outside the encrypted cookie")
	}

	// The claims belong to their user: beside another user's cookie, or
	// after signing out, there are none.
	resp, _ = get("/user?login=idp:999", both)
	if _, body := get("/claims", cookieOf(resp, "wasmweb_user")+"; "+claimsCk); body != "not-found" {
		t.Errorf("claims beside another user: %q", body)
	}
	resp, _ = get("/user?logout=1", both)
	if cookieOf(resp, "wasmweb_claims") != "wasmweb_claims=" {
		t.Errorf("signing out: Set-Cookie %q, want the claims cookie cleared", resp.Header.Values("Set-Cookie"))
	}
}

// getRequest is a GET of target on the test site s.test, with the
// Cookie header cookies when not empty.
func getRequest(target, cookies string) string {
	raw := "GET " + target + " HTTP/1.1\r\nHost: s.test\r\n"
	if cookies != "" {
		raw += "Cookie: " + cookies + "\r\n"
	}
	return raw + "\r\n"
}

// cookieOf returns the "name=value" of the cookie resp sets under name,
// or "".
func cookieOf(resp *http.Response, name string) string {
	for _, sc := range resp.Header.Values("Set-Cookie") {
		if v, _, _ := strings.Cut(sc, ";"); strings.HasPrefix(v, name+"=") {
			return v
		}
	}
	return ""
}
