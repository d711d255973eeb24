package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host/locale"
	"github.com/wasmweb/wasmweb/host/templates"
	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// The handlers run under sdktest, whose host records what they render;
// the tests then render that data with the site's real templates and
// translations, as the host would, to check the pages too.

// site is the demo site's templates and translations.
var site = sync.OnceValues(func() (*templates.Set, error) {
	b, err := locale.Load("translations", "en")
	if err != nil {
		return nil, err
	}
	return templates.OpenLocalized("templates",
		templates.Funcs{"static_url": func(p string) (string, error) { return "/static/" + p + "?v=test", nil }},
		func(code string) *locale.Locale {
			if l, ok := b.Locale(code); ok {
				return l
			}
			return b.Default()
		})
})

// page renders, in locale code, the page the handler rendered, with the
// data it passed and the XSRF token the host adds.
func page(t *testing.T, resp *sdktest.Response, code string) string {
	t.Helper()
	if len(resp.Rendered) != 1 {
		t.Fatalf("rendered %d pages, want 1 (status %d, failure %q, logs %q)", len(resp.Rendered), resp.Status, resp.Failure, resp.Logs)
	}
	set, err := site()
	if err != nil {
		t.Fatal(err)
	}
	var data map[string]any
	if err := json.Unmarshal(resp.Rendered[0].Data, &data); err != nil {
		t.Fatal(err)
	}
	data["_xsrf"] = "the-token"
	b, err := set.RenderLocale(code, resp.Rendered[0].Name, data)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func contains(t *testing.T, what, s string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(s, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, s)
		}
	}
}

// userCookie returns the value of the Set-Cookie field for the signed-in
// user, or "" when the response sets none.
func userCookie(resp *sdktest.Response) string {
	for _, v := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(v, "wasmweb_user=") {
			return v
		}
	}
	return ""
}

// spanish makes req a request from a user who chose Spanish, on a site
// with Spanish and German.
func spanish(req *sdktest.Request, msgs map[string]string) *sdktest.Request {
	return req.WithTranslations("es", msgs).WithTranslations("de", nil).WithHeader("Cookie", "wasmweb_locale=es")
}

// reset forgets the fake host's topics and keys.
func reset() {
	sdktest.Reset()
	sdktest.DefaultKV.Reset()
}

// seq returns the number of the last entry stored.
func seq(t *testing.T) int64 {
	t.Helper()
	v, ok := sdktest.DefaultKV.Value(sdktest.DefaultSite, seqKey)
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		t.Fatalf("%s holds %q", seqKey, v)
	}
	return n
}

// storeEntry stores e as the plugin does.
func storeEntry(t *testing.T, e entry) {
	t.Helper()
	n := seq(t) + 1
	b, _ := json.Marshal(e)
	sdktest.DefaultKV.Put(sdktest.DefaultSite, seqKey, []byte(strconv.FormatInt(n, 10)))
	sdktest.DefaultKV.Put(sdktest.DefaultSite, entryKey(n), b)
}

// entries returns the stored entries, oldest first.
func entries(t *testing.T) []entry {
	t.Helper()
	var es []entry
	for n := int64(1); n <= seq(t); n++ {
		v, ok := sdktest.DefaultKV.Value(sdktest.DefaultSite, entryKey(n))
		if !ok {
			t.Fatalf("entry %d is missing", n)
		}
		var e entry
		if err := json.Unmarshal(v, &e); err != nil {
			t.Fatalf("entry %d is not an entry: %q", n, v)
		}
		es = append(es, e)
	}
	return es
}

// published returns the messages published to the guestbook's topic.
func published() []sdk.Message {
	return sdktest.DefaultBroker().Messages(sdktest.DefaultSite, topic)
}

func TestHome(t *testing.T) {
	reset()
	twoMinutesAgo := time.Now().Add(-2*time.Minute - time.Second).Unix()
	storeEntry(t, entry{User: "demo", Text: "first", At: twoMinutesAgo})
	sdktest.DefaultKV.Put(sdktest.DefaultSite, entryPrefix+"junk", []byte("not an entry"))
	storeEntry(t, entry{User: "ana", Text: "<b>second</b>\nline two", At: twoMinutesAgo})

	resp := sdktest.Serve("home", sdktest.NewRequest("GET", "/demo/"))
	if resp.Status != 200 || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, header %v", resp.Status, resp.Header)
	}
	if resp.Rendered[0].Name != "home.html" {
		t.Fatalf("rendered %s", resp.Rendered[0].Name)
	}
	var data struct {
		Entries []entry
		Count   int
		User    string
		Lang    string
		Here    string
	}
	json.Unmarshal(resp.Rendered[0].Data, &data)
	if data.Count != 2 || len(data.Entries) != 2 || data.Entries[0].Text != "<b>second</b>\nline two" || data.Entries[1].User != "demo" ||
		data.Entries[0].ID <= data.Entries[1].ID || data.User != "" || data.Lang != "en" || data.Here != "/demo/" {
		t.Errorf("data %+v", data)
	}

	en := page(t, resp, "en")
	contains(t, "English page", en, `<html lang="en">`, "2 entries", "2 minutes ago", "&lt;b&gt;second&lt;/b&gt;",
		`<span class="author">ana</span>`, `href="/static/demo.css?v=test"`, `src="/static/demo.js?v=test"`,
		`id="signin"`, `name="_xsrf" value="the-token"`, `<option value="en" selected`)
	es := page(t, resp, "es")
	contains(t, "Spanish page", es, "Libro de visitas", "2 entradas", "hace 2 minutos")
	de := page(t, resp, "de")
	contains(t, "German page", de, "Gästebuch", "2 Einträge", "vor 2 Minuten")
}

// A signed-in user sees who they are and a way to write.
func TestHomeSignedIn(t *testing.T) {
	reset()
	resp := sdktest.Serve("home", sdktest.NewRequest("GET", "/demo/").WithHeader("Cookie", sdktest.User("demo")))
	contains(t, "page", page(t, resp, "en"), `<strong id="current-user">demo</strong>`, `action="/demo/logout"`,
		`href="/demo/account"`, "0 entries", "No entries yet.")
}

// The page shows the newest entries and counts them all.
func TestHomeNewestFirst(t *testing.T) {
	reset()
	for i := range shown + 5 {
		storeEntry(t, entry{User: "demo", Text: fmt.Sprint("entry ", i), At: time.Now().Unix()})
	}
	resp := sdktest.Serve("home", sdktest.NewRequest("GET", "/demo/"))
	var data struct {
		Entries []entry
		Count   int64
	}
	json.Unmarshal(resp.Rendered[0].Data, &data)
	if data.Count != shown+5 || len(data.Entries) != shown || data.Entries[0].Text != fmt.Sprint("entry ", shown+4) {
		t.Errorf("count %d, %d entries, first %+v", data.Count, len(data.Entries), data.Entries[0])
	}
}

func TestHomeRedirectsToSlash(t *testing.T) {
	resp := sdktest.Serve("home", sdktest.NewRequest("GET", "/demo"))
	if resp.Status != 301 || resp.Location != "/demo/" {
		t.Errorf("status %d, location %q", resp.Status, resp.Location)
	}
}

func TestHomeBackendDown(t *testing.T) {
	reset()
	sdktest.DefaultKV.SetUnavailable(true)
	defer sdktest.DefaultKV.SetUnavailable(false)
	if resp := sdktest.Serve("home", sdktest.NewRequest("GET", "/demo/")); resp.Status != 503 {
		t.Errorf("status %d, want 503", resp.Status)
	}
}

func TestLoginForm(t *testing.T) {
	tests := []struct {
		name, target, next, here string
	}{
		{"plain", "/demo/login", "", "/demo/login"},
		{"local next", "/demo/login?next=%2Fdemo%2Faccount%3Fx%3D1", "/demo/account?x=1", "/demo/login?next=%2Fdemo%2Faccount%3Fx%3D1"},
		{"next on another site", "/demo/login?next=https%3A%2F%2Fevil.example%2F", "", "/demo/login"},
		{"scheme-relative next", "/demo/login?next=%2F%2Fevil.example", "", "/demo/login"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := sdktest.Serve("login", sdktest.NewRequest("GET", tc.target))
			if resp.Status != 200 || resp.Rendered[0].Name != "login.html" {
				t.Fatalf("status %d, rendered %v", resp.Status, resp.Rendered)
			}
			var data loginPage
			json.Unmarshal(resp.Rendered[0].Data, &data)
			if data.Next != tc.next || data.Here != tc.here || data.Error != "" {
				t.Errorf("data %+v", data)
			}
			html := page(t, resp, "en")
			contains(t, "page", html, `id="loginform"`, `name="_xsrf"`, `name="password"`, "<code>demo</code> / <code>wasmweb</code>")
			if tc.next != "" {
				contains(t, "page", html, `<input type="hidden" name="next" value="`+tc.next+`">`)
			} else if strings.Contains(html, `name="next" value="/demo/account`) {
				t.Errorf("the form keeps a next that is not local")
			}
		})
	}
}

func TestLogin(t *testing.T) {
	post := func(target string, form url.Values) *sdktest.Request {
		return sdktest.NewRequest("POST", target).WithForm(form).WithAccount("demo", "wasmweb").WithAccount("ana", "s3cret")
	}
	tests := []struct {
		name     string
		req      *sdktest.Request
		status   int
		location string // for a redirect
		error    string // shown on the form
		lang     string
	}{
		{"right password", post("/demo/login", url.Values{"user": {"demo"}, "password": {"wasmweb"}}), 302, "/demo/account", "", "en"},
		{"right password, local next", post("/demo/login", url.Values{"user": {"demo"}, "password": {"wasmweb"}, "next": {"/demo/?x=1"}}), 302, "/demo/?x=1", "", "en"},
		{"next in the query", post("/demo/login?next=%2Fchat", url.Values{"user": {"ana"}, "password": {"s3cret"}}), 302, "/chat", "", "en"},
		{"next on another site", post("/demo/login", url.Values{"user": {"demo"}, "password": {"wasmweb"}, "next": {"https://evil.example/"}}), 302, "/demo/account", "", "en"},
		{"scheme-relative next", post("/demo/login", url.Values{"user": {"demo"}, "password": {"wasmweb"}, "next": {"//evil.example/"}}), 302, "/demo/account", "", "en"},
		{"backslash next", post("/demo/login", url.Values{"user": {"demo"}, "password": {"wasmweb"}, "next": {`/\evil.example`}}), 302, "/demo/account", "", "en"},
		{"wrong password", post("/demo/login", url.Values{"user": {"demo"}, "password": {"WASMWEB"}}), 403, "", msgDenied, "en"},
		{"another user's password", post("/demo/login", url.Values{"user": {"demo"}, "password": {"s3cret"}}), 403, "", msgDenied, "en"},
		{"unknown user", post("/demo/login", url.Values{"user": {"bob"}, "password": {"wasmweb"}}), 403, "", msgDenied, "en"},
		{"password too long", post("/demo/login", url.Values{"user": {"demo"}, "password": {strings.Repeat("x", 73)}}), 403, "", msgDenied, "en"},
		{"no password", post("/demo/login", url.Values{"user": {"demo"}}), 400, "", msgMissing, "en"},
		{"no user", post("/demo/login", url.Values{"password": {"wasmweb"}}), 400, "", msgMissing, "en"},
		{"password in the URL", post("/demo/login?user=demo&password=wasmweb", nil), 400, "", msgMissing, "en"},
		{"wrong password, in Spanish", spanish(post("/demo/login", url.Values{"user": {"demo"}, "password": {"nope"}}),
			map[string]string{msgDenied: "Nombre de usuario o contraseña incorrectos."}), 403, "", "Nombre de usuario o contraseña incorrectos.", "es"},
		{"no accounts", sdktest.NewRequest("POST", "/demo/login").WithForm(url.Values{"user": {"demo"}, "password": {"wasmweb"}}), 503, "", msgNoAccounts, "en"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := sdktest.Serve("login", tc.req)
			if resp.Status != tc.status || resp.Location != tc.location {
				t.Fatalf("status %d, location %q; want %d, %q (failure %q)", resp.Status, resp.Location, tc.status, tc.location, resp.Failure)
			}
			signedIn := userCookie(resp) != ""
			if signedIn != (tc.status == 302) {
				t.Errorf("signed in: %v, Set-Cookie %q", signedIn, resp.Header.Values("Set-Cookie"))
			}
			if tc.status == 302 {
				return
			}
			var data loginPage
			json.Unmarshal(resp.Rendered[0].Data, &data)
			if data.Error != tc.error {
				t.Errorf("error %q, want %q", data.Error, tc.error)
			}
			html := page(t, resp, tc.lang)
			contains(t, "page", html, `id="error"`)
			if tc.error == msgDenied {
				if !regexp.MustCompile(`name="user" value="[^"]+"`).MatchString(html) {
					t.Errorf("the form forgets the name tried:\n%s", html)
				}
			}
			if passwordValue.MatchString(html) {
				t.Errorf("the page gives the password field a value:\n%s", html)
			}
		})
	}
}

// passwordValue matches a password field with a value.
var passwordValue = regexp.MustCompile(`<input[^>]*name="password"[^>]*value=`)

func TestLogout(t *testing.T) {
	resp := sdktest.Serve("logout", sdktest.NewRequest("POST", "/demo/logout").WithHeader("Cookie", sdktest.User("demo")))
	if resp.Status != 302 || resp.Location != "/demo/" || !strings.Contains(userCookie(resp), "Max-Age=0") {
		t.Errorf("status %d, location %q, Set-Cookie %q", resp.Status, resp.Location, resp.Header.Values("Set-Cookie"))
	}
	if resp := sdktest.Serve("logout", sdktest.NewRequest("GET", "/demo/logout")); resp.Status != 405 {
		t.Errorf("GET: status %d, want 405", resp.Status)
	}
}

func TestAccountPage(t *testing.T) {
	resp := sdktest.Serve("account", sdktest.NewRequest("GET", "/demo/account").WithHeader("Cookie", sdktest.User("demo")))
	if resp.Status != 200 || resp.Rendered[0].Name != "account.html" || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("status %d, header %v, rendered %v", resp.Status, resp.Header, resp.Rendered)
	}
	contains(t, "page", page(t, resp, "en"), "Hello, demo", `id="entryform"`, `maxlength="500"`, `name="_xsrf" value="the-token"`)
	contains(t, "page", page(t, resp, "de"), "Hallo, demo", "Eintragen")
}

// The host guards the route (auth = "required"), so these requests never
// reach the plugin there; the handlers refuse them all the same.
func TestAccountWithoutUser(t *testing.T) {
	reset()
	for _, req := range []*sdktest.Request{
		sdktest.NewRequest("GET", "/demo/account"),
		sdktest.NewRequest("POST", "/demo/account").WithForm(url.Values{"text": {"hi"}}),
		sdktest.NewRequest("POST", "/demo/account").WithForm(url.Values{"text": {"hi"}}).WithHeader("Cookie", "wasmweb_user=demo"), // not signed
	} {
		if resp := sdktest.Serve("account", req); resp.Status != 403 {
			t.Errorf("status %d, want 403", resp.Status)
		}
	}
	if es := entries(t); len(es) != 0 {
		t.Errorf("published %v", es)
	}
}

func TestAccountPost(t *testing.T) {
	reset()
	before := time.Now().Unix()
	resp := sdktest.Serve("account", sdktest.NewRequest("POST", "/demo/account").
		WithForm(url.Values{"text": {"  hello <there>\nsecond line  "}}).WithHeader("Cookie", sdktest.User("demo")))
	if resp.Status != 302 || resp.Location != "/demo/" {
		t.Fatalf("status %d, location %q (failure %q)", resp.Status, resp.Location, resp.Failure)
	}
	es := entries(t)
	if len(es) != 1 || es[0].User != "demo" || es[0].Text != "hello <there>\nsecond line" || es[0].At < before || es[0].At > time.Now().Unix() || es[0].ID != 0 {
		t.Errorf("stored %+v", es)
	}
	// The entry is also published, to wake the pages that wait for news.
	if msgs := published(); len(msgs) != 1 || !strings.Contains(string(msgs[0].Data), `"hello \u003cthere\u003e`) {
		t.Errorf("published %+v", msgs)
	}
	// The longest entry is accepted, in characters rather than bytes.
	long := strings.Repeat("ü", maxLength)
	resp = sdktest.Serve("account", sdktest.NewRequest("POST", "/demo/account").WithForm(url.Values{"text": {long}}).WithHeader("Cookie", sdktest.User("demo")))
	if resp.Status != 302 || len(entries(t)) != 2 {
		t.Errorf("%d characters: status %d", maxLength, resp.Status)
	}
}

func TestAccountPostRefused(t *testing.T) {
	tests := []struct {
		name, text, error string
		req               func(*sdktest.Request) *sdktest.Request
		lang              string
	}{
		{"empty", "", msgEmpty, nil, "en"},
		{"blank", " \n\t ", msgEmpty, nil, "en"},
		{"too long", strings.Repeat("x", maxLength+1), "At most 500 characters, please.", nil, "en"},
		{"too long, in Spanish", strings.Repeat("x", maxLength+1), "Como máximo 500 caracteres, por favor.", func(r *sdktest.Request) *sdktest.Request {
			return spanish(r, map[string]string{msgTooLong: "Como máximo %d carácter, por favor.", msgTooLongPlur: "Como máximo %d caracteres, por favor."})
		}, "es"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reset()
			req := sdktest.NewRequest("POST", "/demo/account").WithForm(url.Values{"text": {tc.text}}).WithHeader("Cookie", sdktest.User("demo"))
			if tc.req != nil {
				req = tc.req(req)
			}
			resp := sdktest.Serve("account", req)
			if resp.Status != 400 {
				t.Fatalf("status %d, want 400", resp.Status)
			}
			var data accountPage
			json.Unmarshal(resp.Rendered[0].Data, &data)
			if data.Error != tc.error {
				t.Errorf("error %q, want %q", data.Error, tc.error)
			}
			contains(t, "page", page(t, resp, tc.lang), `id="error"`, tc.error)
			if es := entries(t); len(es) != 0 {
				t.Errorf("published %v", es)
			}
		})
	}
}

func TestAccountPostBackendDown(t *testing.T) {
	reset()
	post := func() *sdktest.Response {
		return sdktest.Serve("account", sdktest.NewRequest("POST", "/demo/account").WithForm(url.Values{"text": {"hi"}}).WithHeader("Cookie", sdktest.User("demo")))
	}
	sdktest.DefaultKV.SetUnavailable(true)
	resp := post()
	sdktest.DefaultKV.SetUnavailable(false)
	if resp.Status != 503 || len(entries(t)) != 0 || len(published()) != 0 {
		t.Errorf("store down: status %d, %d entries, %d published; want 503 and none", resp.Status, len(entries(t)), len(published()))
	}
	// Without pub/sub the entry is kept; only the wake-up is lost.
	sdktest.DefaultBroker().SetUnavailable(true)
	resp = post()
	sdktest.DefaultBroker().SetUnavailable(false)
	if resp.Status != 302 || len(entries(t)) != 1 {
		t.Errorf("pub/sub down: status %d, %d entries; want 302 and the entry stored", resp.Status, len(entries(t)))
	}
}

func TestLanguage(t *testing.T) {
	post := func(form url.Values) *sdktest.Request {
		return sdktest.NewRequest("POST", "/demo/lang").WithForm(form).WithTranslations("es", nil).WithTranslations("de", nil)
	}
	tests := []struct {
		name     string
		form     url.Values
		status   int
		location string
		cookie   string // the locale cookie set
	}{
		{"Spanish", url.Values{"locale": {"es"}, "next": {"/demo/login?next=%2Fdemo%2Faccount"}}, 302, "/demo/login?next=%2Fdemo%2Faccount", "wasmweb_locale=es;"},
		{"German, no next", url.Values{"locale": {"de"}}, 302, "/demo/", "wasmweb_locale=de;"},
		{"English, the default", url.Values{"locale": {"en"}, "next": {"/chat"}}, 302, "/chat", "wasmweb_locale=en;"},
		{"next on another site", url.Values{"locale": {"es"}, "next": {"https://evil.example/"}}, 302, "/demo/", "wasmweb_locale=es;"},
		{"scheme-relative next", url.Values{"locale": {"es"}, "next": {"//evil.example"}}, 302, "/demo/", "wasmweb_locale=es;"},
		{"a language the site lacks", url.Values{"locale": {"fr"}, "next": {"/demo/"}}, 400, "", ""},
		{"not a language", url.Values{"locale": {"x<y>"}}, 400, "", ""},
		{"no language", url.Values{"next": {"/demo/"}}, 400, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := sdktest.Serve("language", post(tc.form))
			if resp.Status != tc.status || resp.Location != tc.location {
				t.Fatalf("status %d, location %q; want %d, %q (failure %q)", resp.Status, resp.Location, tc.status, tc.location, resp.Failure)
			}
			var cookie string
			for _, v := range resp.Header.Values("Set-Cookie") {
				if strings.HasPrefix(v, "wasmweb_locale=") {
					cookie = v
				}
			}
			if !strings.HasPrefix(cookie, tc.cookie) || (tc.cookie == "") != (cookie == "") {
				t.Errorf("locale cookie %q, want %q...", cookie, tc.cookie)
			}
		})
	}
}

// The page a chosen language renders: the switch shows it selected and
// comes back to where it was used.
func TestLanguageSwitchOnPages(t *testing.T) {
	resp := sdktest.Serve("login", spanish(sdktest.NewRequest("GET", "/demo/login?next=%2Fdemo%2Faccount"), nil))
	var data loginPage
	json.Unmarshal(resp.Rendered[0].Data, &data)
	if data.Lang != "es" {
		t.Fatalf("lang %q", data.Lang)
	}
	contains(t, "page", page(t, resp, data.Lang), `<html lang="es">`, `<option value="es" selected lang="es">Español</option>`,
		`<input type="hidden" name="next" value="/demo/login?next=%2Fdemo%2Faccount">`, "Iniciar sesión", "Prueba la cuenta de demostración:")
}

// translated finds the messages of the site's templates: {{translate
// "msg"}} and {{translate "singular" "plural" n}}.
var translated = regexp.MustCompile(`\{\{-?\s*translate "([^"]+)"(?: "([^"]+)")?`)

// Every message the pages and handlers write has a translation in each
// of the site's languages: es.csv (Tornado's CSV) and de.po (gettext).
func TestTranslationsComplete(t *testing.T) {
	msgs := map[string]string{ // singular or message -> plural or ""
		msgMissing: "", msgDenied: "", msgNoAccounts: "", msgEmpty: "", msgTooLong: msgTooLongPlur, msgNoProvider: "",
	}
	err := filepath.WalkDir("templates", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Base(path) == "chat.html" { // the chat's page is in English
			return err
		}
		src, err := os.ReadFile(path)
		for _, m := range translated.FindAllStringSubmatch(string(src), -1) {
			msgs[m[1]] = m[2]
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) < 25 {
		t.Fatalf("found %d messages; is the pattern right?", len(msgs))
	}
	b, err := locale.Load("translations", "en")
	if err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{"es", "de"} {
		l, ok := b.Locale(code)
		if !ok {
			t.Fatalf("no %s translations", code)
		}
		for msg, plural := range msgs {
			if plural == "" {
				if l.Translate(msg) == msg {
					t.Errorf("%s: no translation of %q", code, msg)
				}
				continue
			}
			for _, n := range []int{1, 2} {
				english := strings.ReplaceAll(map[bool]string{true: msg, false: plural}[n == 1], "%d", fmt.Sprint(n))
				if got := l.TranslatePlural(msg, plural, n); got == english || !strings.Contains(got, fmt.Sprint(n)) {
					t.Errorf("%s: %q for %d is %q", code, msg, n, got)
				}
			}
		}
	}
}
