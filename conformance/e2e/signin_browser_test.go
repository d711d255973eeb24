package e2e

import (
	"context"
	"fmt"
	"html"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"
)

// startLoginOP starts a real OpenID provider (mockoidc's) in the test
// process, with a login form in front of its authorization endpoint:
// GET shows the form, POST signs in the user named in it.
func startLoginOP(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != mockoidc.AuthorizationEndpoint {
				next.ServeHTTP(w, r)
				return
			}
			if r.Method == "GET" {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprintf(w, `<!DOCTYPE html><title>Mock ID</title><form id="oplogin" method="post" action="%s?%s">`+
					`<label>User <input id="username" name="username"></label><button type="submit">Sign in</button></form>`,
					mockoidc.AuthorizationEndpoint, html.EscapeString(r.URL.RawQuery))
				return
			}
			name := r.PostFormValue("username")
			m.QueueUser(&mockoidc.MockUser{Subject: "user-" + name, PreferredUsername: name, Email: name + "@example.com", EmailVerified: true})
			next.ServeHTTP(w, r)
		})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	return m
}

// TestSignInWithProviderInBrowser signs in to the guestbook in Chromium
// with an OpenID provider: the sign-in page's "Sign in with" link, the
// provider's login form, and back on the account page signed in under
// the provider's name for the user, who then posts to the guestbook.
func TestSignInWithProviderInBrowser(t *testing.T) {
	tab := browser(t)
	op := startLoginOP(t)
	provider := fmt.Sprintf("[site.auth.providers.mock]\ntype = \"oidc\"\ntitle = \"Mock ID\"\nissuer = %q\nclient_id = %q\nclient_secret = %q\n\n",
		op.Issuer(), op.ClientID, op.ClientSecret)
	src := strings.Replace(demoConfig(t), "\n[site.plugins]\n", "\n"+provider+"[site.plugins]\n", 1)
	n := startNode(t, src, "netpoll")
	base := "http://" + n.addr

	ctx, cancelTab := tab()
	defer cancelTab()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(what, expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}

	step("opening the sign-in page", chromedp.Navigate(base+"/demo/login"), chromedp.WaitVisible(chromedp.ID("providers")))
	if link := eval("reading the link", `document.querySelector("#providers a").textContent`); link != "Sign in with Mock ID" {
		t.Errorf("the sign-in link says %q", link)
	}
	step("following it to the provider", chromedp.Click(chromedp.CSS("#providers a")), chromedp.WaitVisible(chromedp.ID("oplogin")))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasPrefix(loc, op.AuthorizationEndpoint()) {
		t.Fatalf("the link led to %q, not the provider", loc)
	}
	step("signing in at the provider",
		chromedp.SendKeys(chromedp.ID("username"), "ada"),
		chromedp.Click(chromedp.CSS("#oplogin button")),
		chromedp.WaitVisible(chromedp.ID("entryform")))
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || loc != base+"/demo/account" {
		t.Fatalf("after the provider the browser is at %q (%v), want the account page", loc, err)
	}
	if who := eval("reading the user", `document.getElementById("current-user").textContent`); who != "ada@example.com" {
		t.Fatalf("signed in as %q, want ada@example.com (the e-mail claim: no name)", who)
	}
	if ck := eval("reading the page's cookies", `document.cookie`); strings.Contains(ck, "wasmweb_") {
		t.Errorf("a sign-in cookie is readable by scripts: %q", ck)
	}

	text := fmt.Sprintf("hello from a provider's user %d", time.Now().UnixNano())
	step("posting an entry",
		chromedp.SendKeys(chromedp.ID("text"), text),
		chromedp.Click(chromedp.CSS("#entryform button[type=submit]")),
		chromedp.WaitVisible(chromedp.Search(`//li[@class="entry"][contains(., "`+text+`")][contains(., "ada")]`)))
}
