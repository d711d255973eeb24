package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// The login page offers a sign-in with each of the site's providers,
// keeping next; a site without providers offers none.
func TestLoginOffersProviders(t *testing.T) {
	req := sdktest.NewRequest("GET", "/demo/login?next=%2Fdemo%2F").WithProvider("github").WithProvider("google")
	resp := sdktest.Serve("login", req)
	html := page(t, resp, "es")
	contains(t, "page", html, `id="providers"`,
		`<a class="button" href="/demo/signin/github?next=%2Fdemo%2F">Iniciar sesión con github</a>`,
		`<a class="button" href="/demo/signin/google?next=%2Fdemo%2F">Iniciar sesión con google</a>`)
	if html := page(t, sdktest.Serve("login", sdktest.NewRequest("GET", "/demo/login")), "en"); strings.Contains(html, `id="providers"`) {
		t.Error("a site without providers offers some")
	}
}

// signIn hands the sign-in to the host with LoginWith: the answer is
// the redirect that starts it, coming back to next or the account page.
func TestSignIn(t *testing.T) {
	for _, tc := range []struct {
		name, target string
		status       int
		location     string
	}{
		{"next", "/demo/signin/github?next=%2Fdemo%2F", 302, sdktest.FakeLoginPath("github", "/demo/")},
		{"no next", "/demo/signin/github", 302, sdktest.FakeLoginPath("github", accountPath)},
		{"next on another site", "/demo/signin/github?next=%2F%2Fevil.example", 302, sdktest.FakeLoginPath("github", accountPath)},
		{"unknown provider", "/demo/signin/myspace", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			provider, _, _ := strings.Cut(strings.TrimPrefix(tc.target, "/demo/signin/"), "?")
			req := sdktest.NewRequest("GET", tc.target).WithParam("provider", provider).WithProvider("github")
			resp := sdktest.Serve("signin", req)
			if resp.Status != tc.status || resp.Location != tc.location {
				t.Errorf("got %d %q, want %d %q", resp.Status, resp.Location, tc.status, tc.location)
			}
		})
	}
}

// A user signed in with a provider is named by the provider's name for
// them, on the pages and in their entries.
func TestProviderUserNamed(t *testing.T) {
	cookie := sdktest.UserWithClaims("github", "583231", map[string]any{"name": "The Octocat", "email": "octocat@example.com"})
	resp := sdktest.Serve("account", sdktest.NewRequest("GET", accountPath).WithHeader("Cookie", cookie))
	var data accountPage
	json.Unmarshal(resp.Rendered[0].Data, &data)
	if data.User != "The Octocat" {
		t.Errorf("the page names the user %q", data.User)
	}
	cookie = sdktest.UserWithClaims("github", "583231", map[string]any{"preferred_username": "octocat"})
	resp = sdktest.Serve("account", sdktest.NewRequest("GET", accountPath).WithHeader("Cookie", cookie))
	json.Unmarshal(resp.Rendered[0].Data, &data)
	if data.User != "octocat" {
		t.Errorf("without a name, the page names the user %q", data.User)
	}
}
