// Package sdk writes wasmweb request handlers in Go, in the manner of
// Tornado's RequestHandler. A plugin is a main package that registers its
// handlers from init and has an empty main; it is built for wasip1 as a
// reactor:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o posts.wasm .
//
// A complete plugin:
//
//	package main
//
//	import (
//		"net/http"
//
//		"github.com/wasmweb/wasmweb/sdk"
//	)
//
//	func main() {}
//
//	func init() {
//		// A function serves every method.
//		sdk.Handle("hello", func(c *sdk.Context) {
//			c.SetHeader("Content-Type", "text/plain; charset=utf-8")
//			c.WriteString("Hello, world")
//		})
//		// A value serves the methods it has; others get 405.
//		sdk.Handle("posts", &Posts{})
//	}
//
//	// Posts serves /posts/{id}.
//	type Posts struct{}
//
//	// Prepare runs before Get and Post.
//	func (*Posts) Prepare(c *sdk.Context) {
//		if c.Header("Authorization") == "" {
//			c.Error(http.StatusUnauthorized)
//		}
//	}
//
//	func (*Posts) Get(c *sdk.Context) {
//		c.WriteJSON(map[string]string{"id": c.Param("id")})
//	}
//
//	func (*Posts) Post(c *sdk.Context) {
//		title := c.Argument("title") // 400 "Missing argument title" if absent
//		c.Infof("new post %q", title)
//		c.Redirect("/posts/"+c.Param("id"), http.StatusSeeOther)
//	}
//
// The site's configuration routes paths to handlers by the names given to
// Handle.
//
// # Requests and responses
//
// A handler gets a *Context. Its request methods (Method, Path, Header,
// Argument, File, ...) ask the host; its response methods (SetStatus,
// SetHeader, Write, WriteJSON, Redirect, Error) tell it. The host buffers
// the response and sends it when the handler returns.
//
// The host refuses what would put an invalid response on the wire: a
// header name that is not a token, a value with CR, LF or NUL, the headers
// it owns (Content-Length, Transfer-Encoding, Connection, Date), a status
// out of range. Refused calls return an error wrapping ErrInvalid and the
// client gets 500, whatever the handler does next; so a handler need not
// check these errors to be safe, only to stop early.
//
// A handler that panics gets 500; the panic and its stack go to the host's
// log. Argument without a default ends the request with 400 when the
// argument is missing, as Tornado's MissingArgumentError does.
//
// # Publish and wait
//
// Long polling, as in Tornado's chat demo, is Publish and Wait on a topic
// of the site (when HostFeatures has abi.FeaturePubSub). Publish stores a
// message and returns its id; Wait returns the messages newer than a
// cursor, the id of the last message the client has seen:
//
//	func updates(c *sdk.Context) {
//		cursor := sdk.ParseCursor(c.Argument("cursor", ""))
//		msgs, err := c.Wait("room", cursor, time.Minute)
//		switch {
//		case err != nil:
//			c.Error(503) // too many waiters, or the backend is down
//		case msgs == nil:
//			c.WriteJSON(map[string]any{"messages": []any{}}) // timed out
//		default:
//			c.WriteJSON(map[string]any{"messages": render(msgs)})
//		}
//	}
//
// Wait never blocks the instance. When there is nothing newer, the host
// parks the request, the handler is unwound from inside Wait and what it
// wrote is discarded; when a message arrives or the wait times out, the
// host runs the handler again from the start, on any instance, with the
// same request, and this time Wait returns (an empty result means the wait
// timed out). The code before Wait runs again when the request resumes:
// do not publish or have side effects before Wait in the same handler.
//
// A handler whose answer depends only on the cursor and the messages
// calls ShareResponse after Wait: one publish that wakes thousands of
// waiters then runs it once per distinct cursor, and the host sends the
// others a copy. Messages reads a topic without waiting, for a page that
// lists what is there.
//
// # Languages
//
// The host keeps a site's translations ([site.locale] in its config:
// es.csv in Tornado's layout, ru.po from gettext) and chooses each
// request's locale: the one the user chose with SetLocale, else the best
// match for Accept-Language, else the site's default. A handler writes in
// it with Translate and TranslatePlural, FormatDate and FormatDay, and
// FormatNumber and FormatDecimal; pages rendered with Render get the same
// in templates, {{translate "Sign in"}} and {{date .t "relative"}}:
//
//	func inbox(c *sdk.Context) {
//		n := unread(c)
//		c.WriteString(c.TranslatePlural("%d new message", "%d new messages", n)) // "3 nuevos mensajes"
//		c.WriteString(c.FormatDate(lastVisit(c), true))                         // "hace 2 minutos"
//	}
//
// A message the site has not translated stays as written, in English.
// sdktest's Request.WithTranslations gives a test's site its languages.
//
// # Variables and outbound HTTP
//
// A site's config gives its plugins variables ([site.vars]: inline, from
// the environment or from a file), which Var reads; the host never shows
// their values. Fetch makes an HTTP request to an origin the site's
// [site.outbound] allow list names, and to nothing else: the host refuses
// other URLs, internal addresses the list does not name (on every
// connection, after any DNS answer) and redirects that leave the list,
// and caps each fetch's time and body and the site's fetches in flight:
//
//	func weather(c *sdk.Context) {
//		key, _ := c.Var("api_key")
//		resp, err := c.Fetch(sdk.FetchRequest{URL: "https://api.example.com/today",
//			Header: sdk.Header{"authorization": {"Bearer " + key}}})
//		if err != nil { // ErrDenied, ErrUnavailable, ErrTooLarge, ErrInvalid
//			c.Error(502)
//			return
//		}
//		c.Write(resp.Body)
//	}
//
// The call waits for the answer within the handler's deadline.
// sdktest's Request.WithVar and Request.WithUpstream give a test's site
// its variables and an upstream served in process.
//
// With WithProviderToken("github"), the host attaches the signed-in
// user's token of that sign-in provider to the fetch, when the site
// forwards it to that URL; the handler never sees the token:
//
//	resp, err := c.Fetch(sdk.FetchRequest{URL: "https://api.github.com/user"},
//		sdk.WithProviderToken("github"))
//	if errors.Is(err, sdk.ErrNotFound) { // not signed in with GitHub
//		c.LoginWith("github", "/repos")
//		return
//	}
//
// # Testing
//
// The same handler code runs natively under go test: package sdktest
// serves requests through the SDK's dispatch code against a fake host that
// keeps the real host's rules. Outside sdktest and outside wasmweb, the
// request and response methods panic with "sdk: not running under
// wasmweb; use sdktest".
//
// # Modules
//
// The SDK is a Go module of its own, github.com/wasmweb/wasmweb/sdk, which
// needs the standard library and two sibling modules alone: abi (the
// ABI's names) and internal (the rules its fake host shares with the
// host). A plugin is a module too: "wasmweb new NAME" writes its go.mod,
// requiring the SDK's modules from a wasmweb checkout with replace
// directives, so that the plugin's go.mod and go.sum hold nothing of the
// server's dependencies. Package hostcall, under the SDK, is the host
// functions as raw calls, for what the SDK does not wrap.
//
// # Instances
//
// The host runs several instances of a plugin and reuses each for many
// requests, one at a time. Package-level state therefore persists between
// some requests and not others: use it for caches, never for one user's
// data. A Context is valid only until its handler returns.
package sdk
