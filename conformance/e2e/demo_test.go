package e2e

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
)

// demoConfig returns the demo site's config: the file `wasmweb serve`
// serves without --config, whose paths are relative to the repository's
// root, as startNode resolves them.
func demoConfig(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("../../wasmweb.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A visitor is a client with its own cookies.
type visitor struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newVisitor(t *testing.T, addr string) *visitor {
	jar, _ := cookiejar.New(nil)
	return &visitor{t: t, base: "http://" + addr, c: &http.Client{Jar: jar}}
}

// do sends a request and returns the response, after any redirects, with
// its body read.
func (v *visitor) do(method, path string, form url.Values, header ...string) (*http.Response, string) {
	v.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, v.base+path, body)
	if err != nil {
		v.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := v.c.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		v.t.Fatal(err)
	}
	return resp, string(b)
}

// page GETs path and fails unless the answer is 200.
func (v *visitor) page(path string) string {
	v.t.Helper()
	resp, body := v.do("GET", path, nil)
	if resp.StatusCode != 200 {
		v.t.Fatalf("GET %s: %d\n%s", path, resp.StatusCode, body)
	}
	return body
}

var xsrfField = regexp.MustCompile(`name="_xsrf" value="([^"]+)"`)

// token returns the XSRF token of a page's forms.
func token(t *testing.T, page string) string {
	t.Helper()
	m := xsrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no _xsrf field in the page:\n%s", page)
	}
	return html.UnescapeString(m[1])
}

func mustContain(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Fatalf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

// TestDemoSite walks the demo site as a new user does, over HTTP: signs
// in with the demo account, posts to the guestbook through the protected
// form, switches to Spanish, and gets the static files with a year of
// caching.
func TestDemoSite(t *testing.T) {
	walkDemo(t, startNode(t, demoConfig(t), "netpoll"))
}

// The same walk on a server whose every instance is made from a
// snapshot of the plugin's initialized memory, as the instances after a
// plugin's first are: they must behave as a freshly initialized one.
func TestDemoSiteFromSnapshot(t *testing.T) {
	n := startPrimedNode(t, demoConfig(t), "netpoll")
	walkDemo(t, n)
	checkFromSnapshot(t, n)
}

func walkDemo(t *testing.T, n *node) {
	v := newVisitor(t, n.addr)

	home := v.page("/demo/")
	mustContain(t, "the guestbook", home, `<html lang="en">`, "<h1>Guestbook</h1>", `id="signin"`, "0 entries")
	tok := token(t, home)

	// The account page is for signed-in users: the host sends others to
	// the login page and refuses their posts, without calling the plugin.
	noRedirects := *v.c
	noRedirects.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirects.Get(v.base + "/demo/account")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != 302 || loc != "/demo/login?next=%2Fdemo%2Faccount" {
		t.Fatalf("GET /demo/account without a user: %d, Location %q", resp.StatusCode, loc)
	}
	if resp, _ := v.do("POST", "/demo/account", url.Values{"text": {"anonymous"}, "_xsrf": {tok}}); resp.StatusCode != 403 {
		t.Fatalf("POST /demo/account without a user: %d, want 403", resp.StatusCode)
	}

	// A wrong password brings the form back.
	login := v.page("/demo/login?next=%2Fdemo%2Faccount")
	resp, body := v.do("POST", "/demo/login", url.Values{"user": {"demo"}, "password": {"not it"}, "next": {"/demo/account"}, "_xsrf": {token(t, login)}})
	if resp.StatusCode != 403 {
		t.Fatalf("wrong password: %d, want 403", resp.StatusCode)
	}
	mustContain(t, "the form after a wrong password", body, "Wrong user name or password.", `name="user" value="demo"`)

	// The right one signs in and goes where next says.
	resp, body = v.do("POST", "/demo/login", url.Values{"user": {"demo"}, "password": {"wasmweb"}, "next": {"/demo/account"}, "_xsrf": {token(t, body)}})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/demo/account" {
		t.Fatalf("sign-in: %d at %s, want 200 at /demo/account", resp.StatusCode, resp.Request.URL)
	}
	mustContain(t, "the account page", body, "<h1>Hello, demo</h1>", `id="entryform"`)

	// The form is protected: without the token the host refuses it.
	if resp, _ := v.do("POST", "/demo/account", url.Values{"text": {"forged"}}); resp.StatusCode != 403 {
		t.Fatalf("POST without the XSRF token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := v.do("POST", "/demo/account", url.Values{"text": {"forged"}, "_xsrf": {"2|00|00|0"}}); resp.StatusCode != 403 {
		t.Fatalf("POST with a wrong XSRF token: %d, want 403", resp.StatusCode)
	}
	// With it, the entry is posted and shows on the guestbook, dated
	// relative to now.
	resp, body = v.do("POST", "/demo/account", url.Values{"text": {"Hello <from> the e2e test"}, "_xsrf": {token(t, body)}})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/demo/" {
		t.Fatalf("posting: %d at %s, want 200 at /demo/", resp.StatusCode, resp.Request.URL)
	}
	mustContain(t, "the guestbook", body, "1 entry", `<p class="text">Hello &lt;from&gt; the e2e test</p>`, `<span class="author">demo</span>`)
	if forged := strings.Contains(body, "forged") || strings.Contains(body, "anonymous"); forged {
		t.Fatalf("a refused post is in the guestbook:\n%s", body)
	}
	// The entry's id, its number in the guestbook, reaches the page as the
	// integer it is, not as a float (e1.796560501510596e&#43;15).
	if !regexp.MustCompile(`<li class="entry" id="e[1-9][0-9]*">`).MatchString(body) {
		t.Fatalf("the entry's id is not an integer:\n%s", body)
	}
	if !regexp.MustCompile(`<time [^>]*>(just now|\d+ seconds? ago)</time>`).MatchString(body) {
		t.Fatalf("no relative date for the entry:\n%s", body)
	}

	// Spanish, chosen on the page, stays chosen.
	resp, body = v.do("POST", "/demo/lang", url.Values{"locale": {"es"}, "next": {"/demo/"}, "_xsrf": {token(t, body)}})
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/demo/" {
		t.Fatalf("switching language: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	mustContain(t, "the Spanish guestbook", body, `<html lang="es">`, "<h1>Libro de visitas</h1>", "1 entrada", "Cerrar sesión", `<option value="es" selected`)
	if !regexp.MustCompile(`<time [^>]*>(ahora mismo|hace \d+ segundos?)</time>`).MatchString(body) {
		t.Fatalf("no relative date in Spanish:\n%s", body)
	}
	mustContain(t, "the Spanish account page", v.page("/demo/account"), "<h1>Hola, demo</h1>", "Publicar")
	if resp, _ := v.do("POST", "/demo/lang", url.Values{"locale": {"fr"}, "_xsrf": {tok}}); resp.StatusCode != 400 {
		t.Fatalf("a language the site lacks: %d, want 400", resp.StatusCode)
	}

	// The pages link their static files by versioned URLs, which
	// browsers may keep for a year; the plain URL revalidates.
	for _, name := range []string{"demo.css", "demo.js"} {
		m := regexp.MustCompile(`"(/static/` + regexp.QuoteMeta(name) + `\?v=[0-9a-f]+)"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("the page does not link %s by a versioned URL:\n%s", name, body)
		}
		resp, asset := v.do("GET", m[1], nil)
		if cc := resp.Header.Get("Cache-Control"); resp.StatusCode != 200 || !strings.Contains(cc, "immutable") || !strings.Contains(cc, "max-age=31536000") || asset == "" {
			t.Fatalf("GET %s: %d, Cache-Control %q, %d bytes", m[1], resp.StatusCode, cc, len(asset))
		}
		if resp, _ := v.do("GET", "/static/"+name, nil); resp.Header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("GET /static/%s: Cache-Control %q, want no-cache", name, resp.Header.Get("Cache-Control"))
		}
	}

	// Signing out is a protected post too.
	if resp, _ := v.do("POST", "/demo/logout", nil); resp.StatusCode != 403 {
		t.Fatalf("sign-out without the token: %d, want 403", resp.StatusCode)
	}
	_, body = v.do("POST", "/demo/logout", url.Values{"_xsrf": {token(t, body)}})
	mustContain(t, "the guestbook after signing out", body, `id="signin"`, "Iniciar sesión")

	// A new visitor whose browser asks for German gets it.
	de := newVisitor(t, n.addr)
	_, body = de.do("GET", "/demo/", nil, "Accept-Language", "de-AT,de;q=0.9,en;q=0.5")
	mustContain(t, "the German guestbook", body, `<html lang="de">`, "<h1>Gästebuch</h1>", "1 Eintrag")

	// The rest of the demo site is as it was.
	if body := v.page("/"); body != "Hello, world" {
		t.Fatalf("GET / = %q", body)
	}
	mustContain(t, "the chat", v.page("/chat"), `id="messageform"`, `/static/chat.js?v=`)
}
