// Command demo is the demo site's guestbook, a wasmweb plugin that puts
// the site's building blocks to work together: anyone reads the book;
// users sign in with the site's local accounts, reach a page only
// signed-in users see, and write in the book through a form the host
// protects against cross-site requests; everyone chooses the language
// the pages speak, dates included.
//
// The host does most of it. It renders the pages from templates/, serves
// their stylesheet and script from static/ with versioned URLs, reads
// the translations in translations/, checks passwords, keeps the user and
// the language in cookies, guards the account page and checks every
// POST's XSRF token before this plugin runs. The directory is also where
// the demo site keeps its other shared files: the chat's page and assets.
package main

import (
	"errors"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wasmweb/wasmweb/sdk"
)

func main() {}

func init() {
	sdk.Handle("home", home{})
	sdk.Handle("login", login{})
	sdk.Handle("logout", logout{})
	sdk.Handle("account", account{})
	sdk.Handle("language", language{})
	sdk.Handle("signin", signIn{})
}

const (
	// topic is where each new entry is published, as JSON, for pages
	// that wait for news; the entries themselves are in the site's
	// key-value store (store.go).
	topic = "guestbook"
	// shown is how many entries the home page lists, newest first.
	shown = 20
	// maxLength is the longest entry, in characters.
	maxLength = 500

	homePath    = "/demo/"
	accountPath = "/demo/account"
)

// Messages the handlers write, in English; the site's translations have
// them in the other languages.
const (
	msgMissing     = "Enter your user name and password."
	msgDenied      = "Wrong user name or password."
	msgNoAccounts  = "Sign-in is not set up on this site."
	msgEmpty       = "Write something first."
	msgTooLong     = "At most %d character, please."
	msgTooLongPlur = "At most %d characters, please."
)

// An entry is one message of the guestbook, as stored and published.
type entry struct {
	ID   int64  `json:"id,omitempty"` // its number, for the page; not stored
	User string `json:"user"`         // who wrote it
	Text string `json:"text"`
	At   int64  `json:"at"` // when, in Unix seconds
}

// A lang is a choice of the language switch.
type lang struct {
	Code string `json:"code"`
	Name string `json:"name"` // in the language itself
}

// languages are the site's locales: the default and one per file in its
// translations directory.
var languages = []lang{{"en", "English"}, {"es", "Español"}, {"de", "Deutsch"}}

// layout is what the layout of every page needs.
type layout struct {
	Lang      string `json:"lang"` // the request's locale
	User      string `json:"user"` // the signed-in user, or ""
	Here      string `json:"here"` // where the language switch comes back to
	Languages []lang `json:"languages"`
}

func newLayout(c *sdk.Context, here string) layout {
	return layout{Lang: c.Locale(), User: displayName(c), Here: here, Languages: languages}
}

// render renders page with data, which the host completes with the XSRF
// token for {{xsrf_form_html $}}.
func render(c *sdk.Context, page string, data any) {
	// The page carries the browser's XSRF token: no cache may keep it.
	c.SetHeader("Cache-Control", "no-store")
	if err := c.Render(page, data); err != nil {
		c.Errorf("demo: %s: %v", page, err)
		c.Error(500, "demo: the site has no page "+page+" (see plugins/demo/README.md)")
	}
}

// home lists the guestbook, GET /demo/.
type home struct{}

// Get shows the newest entries, each dated relative to now in the
// request's language. /demo, without its slash, goes to /demo/.
func (home) Get(c *sdk.Context) {
	if c.Path() != homePath {
		c.Redirect(homePath, 301)
		return
	}
	entries, count, err := newestEntries(c, shown)
	if err != nil {
		c.Errorf("demo: reading the guestbook: %v", err)
		c.Error(503, err.Error())
		return
	}
	render(c, "home.html", struct {
		layout
		Entries []entry `json:"entries"`
		Count   int64   `json:"count"`
	}{newLayout(c, homePath), entries, count})
}

// login signs users in, GET and POST /demo/login.
type login struct{}

// loginPage is the sign-in page's data.
type loginPage struct {
	layout
	Next      string         `json:"next"`      // where to go once signed in: a local path, or ""
	Name      string         `json:"name"`      // the name tried
	Error     string         `json:"error"`     // why it failed, translated
	Providers []providerLink `json:"providers"` // the site's sign-in providers
}

// next returns the request's next argument when it is a path on this
// site, and "" otherwise.
func next(c *sdk.Context) string {
	if n := c.Argument("next", ""); sdk.LocalPath(n) {
		return n
	}
	return ""
}

func (login) page(c *sdk.Context, next string) loginPage {
	here := "/demo/login"
	if next != "" {
		here += "?next=" + url.QueryEscape(next)
	}
	return loginPage{layout: newLayout(c, here), Next: next, Providers: providerLinks(c, next)}
}

// Get shows the form. next, a local path, is where a successful sign-in
// goes (the account page by default).
func (h login) Get(c *sdk.Context) {
	render(c, "login.html", h.page(c, next(c)))
}

// Post checks the name and password against the site's accounts: on a
// match the user is signed in and goes to next, or to the account page;
// otherwise the form comes back with 403 and why. The password is read
// from the form body only, never from the URL, which servers log.
func (h login) Post(c *sdk.Context) {
	p := h.page(c, next(c))
	p.Name = c.BodyArgument("user", "")
	password := c.BodyArgument("password", "")
	if p.Name == "" || password == "" {
		p.Error = c.Translate(msgMissing)
		c.SetStatus(400)
		render(c, "login.html", p)
		return
	}
	switch err := c.Login(p.Name, password); {
	case err == nil:
		c.RedirectNext(accountPath)
		return
	case errors.Is(err, sdk.ErrDenied), errors.Is(err, sdk.ErrInvalid):
		// ErrInvalid: longer than any password bcrypt checks, so wrong.
		p.Error = c.Translate(msgDenied)
		c.SetStatus(403)
	case errors.Is(err, sdk.ErrNotFound):
		p.Error = c.Translate(msgNoAccounts)
		c.SetStatus(503)
	default:
		c.Errorf("demo: login: %v", err)
		c.Error(500, err.Error())
		return
	}
	render(c, "login.html", p)
}

// logout signs out, POST /demo/logout.
type logout struct{}

// Post signs the user out and goes to the guestbook.
func (logout) Post(c *sdk.Context) {
	if err := c.SetCurrentUser(""); err != nil {
		c.Errorf("demo: logout: %v", err)
		return // the response has failed: 500
	}
	c.Redirect(homePath)
}

// account is the signed-in user's page, GET and POST /demo/account. Its
// route is auth = "required": the host sends visitors who are not signed
// in to the login page (GET) or refuses them (403) without calling the
// plugin; the handlers check again all the same.
type account struct{}

// accountPage is the account page's data.
type accountPage struct {
	layout
	MaxLength int    `json:"maxLength"`
	Text      string `json:"text"`  // the entry being written, after an error
	Error     string `json:"error"` // why it was not posted, translated
}

// Get greets the user and shows the form that writes in the guestbook.
func (account) Get(c *sdk.Context) {
	if _, ok := c.CurrentUser(); !ok {
		c.Error(403)
		return
	}
	render(c, "account.html", accountPage{layout: newLayout(c, accountPath), MaxLength: maxLength})
}

// Post publishes the argument text as the user's entry and goes to the
// guestbook; an empty or overlong text brings the form back with 400.
func (account) Post(c *sdk.Context) {
	_, ok := c.CurrentUser()
	if !ok {
		c.Error(403)
		return
	}
	text := c.Argument("text", "")
	p := accountPage{layout: newLayout(c, accountPath), MaxLength: maxLength, Text: text}
	switch n := utf8.RuneCountInString(text); {
	case strings.TrimSpace(text) == "":
		p.Error = c.Translate(msgEmpty)
	case n > maxLength:
		p.Error = c.TranslatePlural(msgTooLong, msgTooLongPlur, maxLength)
	}
	if p.Error != "" {
		c.SetStatus(400)
		render(c, "account.html", p)
		return
	}
	switch err := addEntry(c, entry{User: displayName(c), Text: text, At: time.Now().Unix()}); {
	case err == nil:
		c.Redirect(homePath)
	case errors.Is(err, sdk.ErrTooLarge):
		c.Error(413, err.Error())
	case errors.Is(err, sdk.ErrUnavailable):
		c.Error(503, err.Error())
	default:
		c.Errorf("demo: storing the entry: %v", err)
		c.Error(500, err.Error())
	}
}

// language switches the pages' language, POST /demo/lang.
type language struct{}

// Post makes the argument locale, one of the site's, the user's choice
// (the host keeps it in a cookie) and goes back to next, a local path, or
// to the guestbook. A locale the site does not have is 400.
func (language) Post(c *sdk.Context) {
	code := c.Argument("locale", "")
	if code == "" {
		c.Error(400, "demo: no locale chosen")
		return
	}
	switch err := c.SetLocale(code); {
	case errors.Is(err, sdk.ErrNotFound):
		c.Error(400, "demo: the site has no locale "+code)
		return
	case err != nil:
		c.Errorf("demo: choosing the locale: %v", err)
		return // the response has failed: 500
	}
	c.RedirectNext(homePath)
}
