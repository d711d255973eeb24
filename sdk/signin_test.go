package sdk_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

func init() {
	sdk.Handle("test-signin-claims", func(c *sdk.Context) {
		claims, ok := c.UserClaims()
		if !ok {
			c.WriteString("none")
			return
		}
		fmt.Fprintf(c, "%s %s %s %v", claims.Provider(), claims.Subject(), claims.String("email"), claims.Bool("email_verified"))
	})
	sdk.Handle("test-signin-login", func(c *sdk.Context) {
		if c.Header("X-Finish") != "" {
			c.WriteString("body first")
			c.Redirect("/")
		}
		if err := c.LoginWith(c.Header("X-Provider"), c.Header("X-Next")); err != nil {
			c.WriteString(errorName(err))
		}
	})
}

func TestUserClaims(t *testing.T) {
	claimed := sdktest.UserWithClaims("github", "42", map[string]any{"email": "ada@example.com", "email_verified": true})
	for _, tc := range []struct {
		name, cookie, want string
	}{
		{"provider user", claimed, "github 42 ada@example.com true"},
		{"local user", sdktest.User("ada"), "none"},
		{"no user", "", "none"},
		// The claims cookie of one user beside another's user cookie.
		{"claims of another user", sdktest.User("github:43") + "; " + claimed[len(sdktest.User("github:42"))+2:], "none"},
		{"forged claims", sdktest.User("github:42") + "; wasmweb_claims=eyJ1IjoiZ2l0aHViOjQyIn0.AAAA", "none"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := sdktest.NewRequest("GET", "/")
			if tc.cookie != "" {
				req = req.WithHeader("Cookie", tc.cookie)
			}
			resp := sdktest.Serve("test-signin-claims", req)
			if got := string(resp.Body); resp.Status != 200 || got != tc.want {
				t.Errorf("got %d %q, want 200 %q", resp.Status, got, tc.want)
			}
		})
	}
}

func TestLoginWith(t *testing.T) {
	site := sdktest.NewRequest("GET", "/login").WithProvider("github")
	for _, tc := range []struct {
		name           string
		req            *sdktest.Request
		provider, next string
		status         int
		location, body string
	}{
		{"starts", site, "github", "/guestbook?page=2", 302, sdktest.FakeLoginPath("github", "/guestbook?page=2"), ""},
		{"empty next is /", site, "github", "", 302, sdktest.FakeLoginPath("github", "/"), ""},
		{"unknown provider", site, "google", "/", 200, "", "not found"},
		{"site without providers", sdktest.NewRequest("GET", "/login"), "github", "/", 200, "", "not found"},
		{"another host", site, "github", "//evil.example", 200, "", "invalid argument"},
		{"backslash", site, "github", "/\\evil.example", 200, "", "invalid argument"},
		{"encoded slashes", site, "github", "/%2F/evil.example", 200, "", "invalid argument"},
		{"tab", site, "github", "/\t/evil.example", 200, "", "invalid argument"},
		{"absolute URL", site, "github", "https://evil.example/", 200, "", "invalid argument"},
		{"finished", site.WithHeader("X-Finish", "1"), "github", "/", 302, "/", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := sdktest.Serve("test-signin-login", tc.req.WithHeader("X-Provider", tc.provider).WithHeader("X-Next", tc.next))
			if resp.Status != tc.status || resp.Location != tc.location || string(resp.Body) != tc.body {
				t.Errorf("got %d %q %q, want %d %q %q", resp.Status, resp.Location, resp.Body, tc.status, tc.location, tc.body)
			}
		})
	}
}

func TestSignInProviders(t *testing.T) {
	sdk.Handle("test-signin-providers", func(c *sdk.Context) {
		for _, p := range c.SignInProviders() {
			fmt.Fprintf(c, "%s %s %s\n", p.Name, p.Title, p.LoginPath)
		}
	})
	resp := sdktest.Serve("test-signin-providers", sdktest.NewRequest("GET", "/").WithProvider("google").WithProvider("github"))
	if want := "github github /auth/github/login\ngoogle google /auth/google/login\n"; string(resp.Body) != want {
		t.Errorf("got %q, want %q", resp.Body, want)
	}
	if resp := sdktest.Serve("test-signin-providers", sdktest.NewRequest("GET", "/")); len(resp.Body) != 0 {
		t.Errorf("a site without providers lists %q", resp.Body)
	}
}

func TestLocalPathRefusesWhatBrowsersRewrite(t *testing.T) {
	for _, next := range []string{"//evil", "/\\evil", "/\t/evil", "/\n/evil", "/\r/evil", " /evil", "/ /evil", "http://evil"} {
		if sdk.LocalPath(next) {
			t.Errorf("LocalPath(%q) = true", next)
		}
	}
	for _, next := range []string{"/", "/a?b=c", "/a/b#c"} {
		if !sdk.LocalPath(next) {
			t.Errorf("LocalPath(%q) = false", next)
		}
	}
}

func ExampleContext_LoginWith() {
	signIn := func(c *sdk.Context) {
		if claims, ok := c.UserClaims(); ok {
			fmt.Fprintf(c, "Hello, %s (%s)", claims.String("name"), claims.Provider())
			return
		}
		c.LoginWith("github", "/hello")
	}
	sdk.Handle("example-signin", signIn)

	resp := sdktest.Serve("example-signin", sdktest.NewRequest("GET", "/hello").WithProvider("github"))
	fmt.Println(resp.Status, resp.Location)

	cookie := sdktest.UserWithClaims("github", "583231", map[string]any{"name": "The Octocat"})
	resp = sdktest.Serve("example-signin", sdktest.NewRequest("GET", "/hello").WithHeader("Cookie", cookie))
	fmt.Println(resp.Status, string(resp.Body))
	// Output:
	// 302 /auth/github/login?next=%2Fhello
	// 200 Hello, The Octocat (github)
}

// Signing out on a site with providers drops the claims cookie too, after
// the user cookie, as the host does.
func TestSignOutDropsClaims(t *testing.T) {
	sdk.Handle("test-signin-logout", func(c *sdk.Context) { c.SetCurrentUser("") })
	for _, tc := range []struct {
		req  *sdktest.Request
		want int
	}{
		{sdktest.NewRequest("POST", "/logout").WithProvider("github"), 2},
		{sdktest.NewRequest("POST", "/logout"), 1},
	} {
		sc := sdktest.Serve("test-signin-logout", tc.req).Header.Values("Set-Cookie")
		if len(sc) != tc.want || !strings.HasPrefix(sc[0], "wasmweb_user=;") || tc.want == 2 && !strings.HasPrefix(sc[1], "wasmweb_claims=;") {
			t.Errorf("Set-Cookie %q, want %d cookies cleared", sc, tc.want)
		}
	}
}
