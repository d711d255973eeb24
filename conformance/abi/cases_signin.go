package abikit

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The provider of the "abi" site (wasmweb.conformance.toml): login_with
// only builds the URL to it.
const (
	signinProvider = "corp"
	signinAuthURL  = "http://127.0.0.1:9/authorize"
)

// signinLoginWith: login_with finishes the response as a 302 to the
// provider's authorization URL with the client id, the callback URL, a
// state and an S256 PKCE challenge, and sets the encrypted sign-in
// cookie, which shows neither the state nor next.
func signinLoginWith(t *testing.T, k *kit) {
	r := k.get(t, "/abi/signin?"+q("provider", signinProvider, "next", "/abi/user?x=1"))
	r.want(t, 302)
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), signinAuthURL+"?") {
		t.Fatalf("Location %q, want the provider's %s", r.header.Get("Location"), signinAuthURL)
	}
	p := loc.Query()
	state := p.Get("state")
	for k, want := range map[string]string{
		"client_id": "abi-kit", "response_type": "code", "scope": "profile",
		"redirect_uri": "http://" + k.base.Host + "/auth/" + signinProvider + "/callback", "code_challenge_method": "S256",
	} {
		if got := p.Get(k); got != want {
			t.Errorf("authorization URL %s = %q, want %q", k, got, want)
		}
	}
	if len(state) < 32 || len(p.Get("code_challenge")) != 43 {
		t.Errorf("state %q, code_challenge %q: want random values (S256 challenges are 43 characters)", state, p.Get("code_challenge"))
	}
	sc := r.header.Values("Set-Cookie")
	if len(sc) != 1 || !strings.HasPrefix(sc[0], "wasmweb_signin=") || !strings.Contains(sc[0], "HttpOnly") ||
		!strings.Contains(sc[0], "SameSite=Lax") || !strings.Contains(sc[0], "Max-Age=600") {
		t.Fatalf("Set-Cookie %q, want the sign-in cookie (HttpOnly, SameSite=Lax, 10 minutes)", sc)
	}
	if v, _, _ := strings.Cut(sc[0], ";"); strings.Contains(v, state) || strings.Contains(v, "abi/user") {
		t.Errorf("the sign-in cookie %q shows its state or next", v)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	// Each sign-in has its own state.
	r2 := k.get(t, "/abi/signin?"+q("provider", signinProvider))
	r2.want(t, 302)
	if loc2, _ := url.Parse(r2.header.Get("Location")); loc2 == nil || loc2.Query().Get("state") == state {
		t.Errorf("two sign-ins share the state %q", state)
	}
}

// signinRefusals: an unknown provider is ERR_NOT_FOUND; a next that is
// not a path on the site, in any of the forms browsers read as another
// host, is ERR_INVALID; a finished response is ERR_FINISHED; a site
// without providers has none. None of them fails the response.
func signinRefusals(t *testing.T, k *kit) {
	for _, tc := range []struct {
		host, query, want string
	}{
		{"", q("provider", "nope", "next", "/"), "not-found"},
		{"", q("provider", strings.Repeat("p", 100), "next", "/"), "not-found"},
		{DebugHost, q("provider", signinProvider, "next", "/"), "not-found"},
		{"", q("provider", signinProvider, "next", "//evil.example/"), "invalid"},
		{"", q("provider", signinProvider, "next", "/\\evil.example/"), "invalid"},
		{"", q("provider", signinProvider, "next", "/%2F/evil.example/"), "invalid"},
		{"", q("provider", signinProvider, "next", "/%5Cevil.example/"), "invalid"},
		{"", q("provider", signinProvider, "next", "/\t/evil.example/"), "invalid"},
		{"", q("provider", signinProvider, "next", "/\n/evil.example/"), "invalid"},
		{"", q("provider", signinProvider, "next", "https://evil.example/"), "invalid"},
		{"", q("provider", signinProvider, "next", "/"+strings.Repeat("a", 2048)), "invalid"},
	} {
		r := k.do(t, request{host: tc.host, target: "/abi/signin?" + tc.query})
		if r.status != 200 || string(r.body) != tc.want || len(r.header.Values("Set-Cookie")) != 0 {
			t.Errorf("signin?%s on %q: %d %q Set-Cookie %q, want 200 %q and no cookie", tc.query, tc.host, r.status, r.body, r.header.Values("Set-Cookie"), tc.want)
		}
	}
	r := k.get(t, "/abi/signin?"+q("provider", signinProvider, "next", "/", "finish", "1"))
	r.want(t, 302)
	if loc := r.header.Get("Location"); loc != "/" || len(r.header.Values("Set-Cookie")) != 0 {
		t.Errorf("login_with after a redirect: Location %q, Set-Cookie %q; want the first redirect alone", loc, r.header.Values("Set-Cookie"))
	}
}

// signinClaims: user_claims is ERR_NOT_FOUND without a user, for a local
// account's user, beside a claims cookie that does not verify, and on a
// site without providers.
func signinClaims(t *testing.T, k *kit) {
	expect := func(what, host, cookie string) {
		t.Helper()
		h := http.Header{}
		if cookie != "" {
			h.Set("Cookie", cookie)
		}
		r := k.do(t, request{host: host, target: "/abi/claims", header: h})
		if r.status != 200 || string(r.body) != "not-found" {
			t.Errorf("%s: %d %q, want not-found", what, r.status, r.body)
		}
	}
	expect("no user", "", "")
	expect("no providers", DebugHost, "")
	body := url.Values{"name": {"alice"}, "password": {"wonderland"}}.Encode()
	r := k.do(t, request{method: "POST", target: "/abi/login", body: []byte(body),
		header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}})
	r.want(t, 200)
	user, _, _ := strings.Cut(r.header.Get("Set-Cookie"), ";")
	if !strings.HasPrefix(user, "wasmweb_user=") {
		t.Fatalf("login: Set-Cookie %q", r.header.Get("Set-Cookie"))
	}
	expect("a local account", "", user)
	expect("a forged claims cookie", "", user+"; wasmweb_claims=eyJ1IjoiYWxpY2UiLCJjIjp7fX0")
}

// signinProviders: auth_providers lists the site's providers with their
// titles and login paths; a site without providers lists none.
func signinProviders(t *testing.T, k *kit) {
	r := k.get(t, "/abi/providers")
	r.want(t, 200)
	if want := `[{"name":"corp","title":"Corp","login_path":"/auth/corp/login"}]`; string(r.body) != want {
		t.Errorf("providers %s, want %s", r.body, want)
	}
	r = k.do(t, request{host: DebugHost, target: "/abi/providers"})
	r.want(t, 200)
	if string(r.body) != "[]" && string(r.body) != "null" {
		t.Errorf("a site without providers: %s, want none", r.body)
	}
}

// signinHostPaths: the host serves the login and callback paths itself,
// before the site's routes: the login path starts a sign-in (a next to
// another host returns to / instead, inside the encrypted cookie); a
// callback without the sign-in cookie is refused with a page that says
// so; a provider's error= is shown; an unknown provider's paths are the
// routes'.
func signinHostPaths(t *testing.T, k *kit) {
	r := k.get(t, "/auth/"+signinProvider+"/login?next=%2F%2Fevil.example")
	r.want(t, 302)
	if !strings.HasPrefix(r.header.Get("Location"), signinAuthURL+"?") || !strings.HasPrefix(r.header.Get("Set-Cookie"), "wasmweb_signin=") {
		t.Errorf("login path: Location %q, Set-Cookie %q", r.header.Get("Location"), r.header.Get("Set-Cookie"))
	}
	r = k.get(t, "/auth/"+signinProvider+"/callback?code=c&state=s")
	r.want(t, 400)
	if !strings.Contains(string(r.body), "start again") {
		t.Errorf("callback without a sign-in: %q", r.body)
	}
	r = k.get(t, "/auth/"+signinProvider+"/callback?error=access_denied&error_description=%3Cb%3Eno%3C%2Fb%3E")
	r.want(t, 403)
	if b := string(r.body); !strings.Contains(b, "access_denied") || !strings.Contains(b, "&lt;b&gt;no") || strings.Contains(b, "<b>no") {
		t.Errorf("callback with error=: %q, want the error, escaped", b)
	}
	r = k.get(t, "/auth/"+signinProvider+"/login")
	r.want(t, 302)
	r = k.do(t, request{method: "POST", target: "/auth/" + signinProvider + "/login"})
	r.want(t, 405)
	r = k.get(t, "/auth/nope/login")
	r.want(t, 404)
}
