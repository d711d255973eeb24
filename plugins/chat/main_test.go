package main

import (
	"encoding/json"
	"html/template"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// token is a token the host would accept as both cookie and field. The
// fake host checks no tokens (the host does, before the plugin runs);
// conformance/e2e's TestChatXSRF posts through the host.
const token = sdktest.FakeXSRFToken

// post is a POST of form to path with a matching XSRF cookie and argument.
func post(path string, form url.Values) *sdktest.Request {
	f := url.Values{"_xsrf": {token}}
	for k, vs := range form {
		f[k] = vs
	}
	return sdktest.NewRequest("POST", path).
		WithHeader("Cookie", "theme=dark; _xsrf="+token).
		WithForm(f)
}

func newReq(body string) *sdktest.Request {
	return post("/a/message/new", url.Values{"body": {body}})
}

func updatesReq(cursor string) *sdktest.Request {
	form := url.Values{}
	if cursor != "" {
		form.Set("cursor", cursor)
	}
	return post("/a/message/updates", form)
}

func decode[T any](t *testing.T, resp *sdktest.Response) T {
	t.Helper()
	var v T
	if resp.Status != 200 {
		t.Fatalf("status %d (failure %q, message %q, logs %q)", resp.Status, resp.Failure, resp.ErrorMessage, resp.Logs)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json; charset=UTF-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if err := json.Unmarshal(resp.Body, &v); err != nil {
		t.Fatalf("%v: %s", err, resp.Body)
	}
	return v
}

// message is the JSON of a chat message.
type message struct {
	ID   string `json:"id"`
	Body string `json:"body"`
	HTML string `json:"html"`
}

type updates struct {
	Messages []message `json:"messages"`
}

func TestMessageNew(t *testing.T) {
	sdktest.Reset()
	got := decode[message](t, sdktest.Serve("message-new", newReq("hello")))
	want := message{ID: "1", Body: "hello", HTML: `<div class="message" id="m1">hello</div>`}
	if got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}

	got = decode[message](t, sdktest.Serve("message-new", newReq(`<script>alert("x")</script> see http://x.org/a?b=1&c=2.`)))
	wantHTML := `<div class="message" id="m2">&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; see ` +
		`<a href="http://x.org/a?b=1&amp;c=2">http://x.org/a?b=1&amp;c=2</a>.</div>`
	if got.ID != "2" || got.HTML != wantHTML {
		t.Errorf("got %+v, want id 2 and html %s", got, wantHTML)
	}
	if msgs := sdktest.DefaultBroker().Messages(sdktest.DefaultSite, "room"); len(msgs) != 2 || string(msgs[1].Data) != stored(got.Body) {
		t.Errorf("published %+v, want the rendered bodies", msgs)
	}
}

func TestMessageNewMissingBody(t *testing.T) {
	sdktest.Reset()
	resp := sdktest.Serve("message-new", post("/a/message/new", nil))
	if resp.Status != 400 || resp.ErrorMessage != "Missing argument body" {
		t.Errorf("status %d, message %q; want 400 Missing argument body", resp.Status, resp.ErrorMessage)
	}
}

func TestMessageNewNext(t *testing.T) {
	tests := []struct {
		next     string
		status   int
		location string
	}{
		{"/chat", 302, "/chat"},
		{"/chat?x=1#y", 302, "/chat?x=1#y"},
		{"//evil.com", 400, ""},
		{"//evil.com/chat", 400, ""},
		{"http://evil.com", 400, ""},
		{"https://evil.com/chat", 400, ""},
		{`/\evil.com`, 400, ""},
		{"javascript:alert(1)", 400, ""},
		{"chat", 400, ""},
	}
	for _, tc := range tests {
		t.Run(tc.next, func(t *testing.T) {
			sdktest.Reset()
			resp := sdktest.Serve("message-new", post("/a/message/new", url.Values{"body": {"hi"}, "next": {tc.next}}))
			if resp.Status != tc.status || resp.Location != tc.location {
				t.Errorf("status %d, Location %q; want %d, %q", resp.Status, resp.Location, tc.status, tc.location)
			}
			published := len(sdktest.DefaultBroker().Messages(sdktest.DefaultSite, "room"))
			if want := map[bool]int{true: 1, false: 0}[tc.status == 302]; published != want {
				t.Errorf("%d messages published, want %d", published, want)
			}
		})
	}
}

// The page is the site's chat.html template (the fake records the
// render); the end-to-end tests check the rendered page.
func TestPageRendered(t *testing.T) {
	resp := sdktest.Serve("chat-page", sdktest.NewRequest("GET", "/chat"))
	if resp.Status != 200 || len(resp.Rendered) != 1 || resp.Rendered[0].Name != "chat.html" {
		t.Fatalf("status %d, rendered %v", resp.Status, resp.Rendered)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
}

// The template, among the demo site's (plugins/demo/templates), is valid
// html/template with the host's functions.
func TestPageTemplate(t *testing.T) {
	src, err := os.ReadFile("../demo/templates/chat.html")
	if err != nil {
		t.Fatal(err)
	}
	funcs := template.FuncMap{
		"static_url":     func(p string) string { return "/static/" + p + "?v=1" },
		"xsrf_form_html": func(any) template.HTML { return `<input type="hidden" name="_xsrf" value="t">` },
	}
	tmpl, err := template.New("chat.html").Funcs(funcs).Parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, map[string]any{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<script src="/static/chat.js?v=1">`, `href="/static/chat.css?v=1"`, `name="_xsrf"`, `id="messageform"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("rendered page lacks %s", want)
		}
	}
}

func TestUpdatesHistory(t *testing.T) {
	sdktest.Reset()
	for _, body := range []string{"one", "two <b>", "three"} {
		sdktest.Serve("message-new", newReq(body))
	}
	got := decode[updates](t, sdktest.Serve("message-updates", updatesReq("")))
	if len(got.Messages) != 3 || got.Messages[1] != (message{ID: "2", Body: "two <b>", HTML: `<div class="message" id="m2">two &lt;b&gt;</div>`}) {
		t.Errorf("history %+v", got.Messages)
	}
	if got.Messages[1].HTML != `<div class="message" id="m2">two &lt;b&gt;</div>` {
		t.Errorf("html %s", got.Messages[1].HTML)
	}
	got = decode[updates](t, sdktest.Serve("message-updates", updatesReq("2")))
	if len(got.Messages) != 1 || got.Messages[0].ID != "3" {
		t.Errorf("after cursor 2: %+v", got.Messages)
	}
	// A cursor from before a restart, or garbage, gets the history.
	for _, cursor := range []string{"99", "abc"} {
		if got := decode[updates](t, sdktest.Serve("message-updates", updatesReq(cursor))); len(got.Messages) != 3 {
			t.Errorf("cursor %q: %d messages, want the history", cursor, len(got.Messages))
		}
	}
}

func TestUpdatesParkAndResume(t *testing.T) {
	sdktest.Reset()
	sdktest.Serve("message-new", newReq("first"))

	waiting := sdktest.Serve("message-updates", updatesReq("1"))
	if !waiting.Parked {
		t.Fatalf("not parked: %d %s", waiting.Status, waiting.Body)
	}
	if w := waiting.WaitCall; w.Topic != "room" || w.Cursor != 1 || w.Timeout != pollTimeout {
		t.Errorf("wait %+v", w)
	}
	// Another client posts; the host resumes the parked request.
	posted := decode[message](t, sdktest.Serve("message-new", newReq("http://x")))
	resumed := waiting.Resume()
	got := decode[updates](t, resumed)
	if len(got.Messages) != 1 || got.Messages[0] != posted {
		t.Errorf("resumed: %+v, want [%+v]", got.Messages, posted)
	}
	if !resumed.Shared {
		t.Error("the answer with messages is not declared shareable")
	}
	if want := `<div class="message" id="m2"><a href="http://x">http://x</a></div>`; got.Messages[0].HTML != want {
		t.Errorf("html %s, want %s", got.Messages[0].HTML, want)
	}
}

func TestUpdatesEmptyRoomParks(t *testing.T) {
	sdktest.Reset()
	waiting := sdktest.Serve("message-updates", updatesReq(""))
	if !waiting.Parked {
		t.Fatalf("empty room, no cursor: not parked: %d %s", waiting.Status, waiting.Body)
	}
	sdktest.Serve("message-new", newReq("hi"))
	if got := decode[updates](t, waiting.Resume()); len(got.Messages) != 1 || got.Messages[0].Body != "hi" {
		t.Errorf("resumed: %+v", got.Messages)
	}
}

func TestUpdatesTimeout(t *testing.T) {
	sdktest.Reset()
	waiting := sdktest.Serve("message-updates", updatesReq("5"))
	if !waiting.Parked {
		t.Fatalf("not parked: %d %s", waiting.Status, waiting.Body)
	}
	resp := waiting.Timeout()
	decode[updates](t, resp)
	if resp.Shared {
		t.Error("an empty answer is declared shareable")
	}
	if string(resp.Body) != `{"messages":[]}` {
		t.Errorf("timed out: %s, want an empty list", resp.Body)
	}
}

func TestPubSubErrors(t *testing.T) {
	b := sdktest.DefaultBroker()
	sdktest.Reset()
	b.SetMaxWaiters(1)
	if !sdktest.Serve("message-updates", updatesReq("")).Parked {
		t.Fatal("first waiter not parked")
	}
	if resp := sdktest.Serve("message-updates", updatesReq("")); resp.Status != 503 {
		t.Errorf("past max_waiters: %d, want 503", resp.Status)
	}
	sdktest.Reset()
	b.SetUnavailable(true)
	if resp := sdktest.Serve("message-updates", updatesReq("")); resp.Status != 503 {
		t.Errorf("updates with the backend down: %d, want 503", resp.Status)
	}
	if resp := sdktest.Serve("message-new", newReq("x")); resp.Status != 503 {
		t.Errorf("new with the backend down: %d, want 503", resp.Status)
	}
	sdktest.Reset()
}

func TestLinkify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"<b>&'\"", "&lt;b&gt;&amp;&#39;&#34;"},
		{"http://x", `<a href="http://x">http://x</a>`},
		{"go to HTTPS://X.org/p.", `go to <a href="HTTPS://X.org/p">HTTPS://X.org/p</a>.`},
		{"(see http://x.org/a_(b))", `(see <a href="http://x.org/a_(b)">http://x.org/a_(b)</a>)`},
		{"(see http://x.org/a)!", `(see <a href="http://x.org/a">http://x.org/a</a>)!`},
		{`http://x/"onmouseover="alert(1)`, `<a href="http://x/">http://x/</a>&#34;onmouseover=&#34;alert(1)`},
		{"http://x/<script>", `<a href="http://x/">http://x/</a>&lt;script&gt;`},
		{"http://x/?a=1&b=2", `<a href="http://x/?a=1&amp;b=2">http://x/?a=1&amp;b=2</a>`},
		{"http:// and http://", "http:// and http://"},
		{"xhttp://x", "xhttp://x"},
		{"ftp://x javascript:alert(1)", "ftp://x javascript:alert(1)"},
		{"a http://1 b https://2", `a <a href="http://1">http://1</a> b <a href="https://2">https://2</a>`},
		{"é http://x/é", `é <a href="http://x/é">http://x/é</a>`},
	}
	for _, tc := range tests {
		if got := linkify(tc.in); got != tc.want {
			t.Errorf("linkify(%q)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

func FuzzLinkify(f *testing.F) {
	for _, s := range []string{"http://x", "(http://x/(a))", `https://x/"<>`, "xhttps://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := linkify(s)
		// Whatever the text, no tag but the links', and no attribute
		// can be opened.
		rest := strings.NewReplacer(`<a href="`, "", `">`, "", "</a>", "").Replace(out)
		if strings.ContainsAny(rest, `<>"'`) {
			t.Errorf("linkify(%q) = %q", s, out)
		}
	})
}

func TestJSONQuote(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ back`, "nl\nret\rtab\t", "\x00\x1f ctl", "<b>&</b>", "é ☃ 𝄞", "\u2028\u2029", "bad \xff utf8"} {
		var back string
		if err := json.Unmarshal([]byte(jsonQuote(s)), &back); err != nil {
			t.Fatalf("%q: %s is not JSON: %v", s, jsonQuote(s), err)
		}
		want := strings.ToValidUTF8(s, "\uFFFD")
		if back != want {
			t.Errorf("%q: round trip gives %q", s, back)
		}
	}
}
