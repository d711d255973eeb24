// Command chat is a wasmweb plugin that serves Tornado's chat demo with the
// same HTTP API: a page, and two JSON endpoints, one that posts a message
// and one that long-polls for new ones with the SDK's Publish and Wait.
// Every message goes to the site's topic "room", which keeps the most
// recent ones; a message's id is its cursor. The page is the site's
// template chat.html, whose script and style are the site's static files
// (on the demo site, under plugins/demo).
package main

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/wasmweb/wasmweb/sdk"
)

func main() {}

func init() {
	sdk.Handle("chat-page", page{})
	sdk.Handle("message-new", messageNew{})
	sdk.Handle("message-updates", messageUpdates{})
}

const (
	// topic is where messages are published and waited for.
	topic = "room"
	// pollTimeout is how long an updates request waits before answering
	// an empty list; the client then polls again.
	pollTimeout = 60 * time.Second
)

// A message's JSON, as Tornado's demo sends it, is
//
//	{"id": "ID", "body": "BODY", "html": "<div class=\"message\" id=\"mID\">BODY AS HTML</div>"}
//
// The topic holds what does not depend on the id, rendered once when the
// message is posted: the body and its HTML (escaped, links made), each
// already quoted for JSON, separated by a NUL. Answering a waiter then only
// joins strings: one message can wake thousands of waiters, and each of
// them gets its own answer.
func stored(body string) string {
	return jsonQuote(body) + "\x00" + jsonQuote(linkify(body))
}

// appendMessage appends message id, stored as data, as JSON.
func appendMessage(b []byte, id int64, data string) []byte {
	bodyJSON, htmlJSON, ok := strings.Cut(data, "\x00")
	if !ok || len(htmlJSON) < 2 {
		// Published by something else than this plugin: a plain body.
		bodyJSON, htmlJSON, _ = strings.Cut(stored(data), "\x00")
	}
	ids := strconv.FormatInt(id, 10)
	b = append(b, `{"id":"`...)
	b = append(b, ids...)
	b = append(b, `","body":`...)
	b = append(b, bodyJSON...)
	b = append(b, `,"html":"<div class=\"message\" id=\"m`...)
	b = append(b, ids...)
	b = append(b, `\">`...)
	b = append(b, htmlJSON[1:len(htmlJSON)-1]...) // the quoted HTML, without its quotes
	b = append(b, `</div>"}`...)
	return b
}

// page serves the chat page, GET /chat.
type page struct{}

// Get renders the site's template chat.html, whose form carries the XSRF
// token; the host sets the _xsrf cookie if the browser has none, and
// checks the token of every POST before the handlers below run (the site
// needs xsrf_cookies = true). The inbox starts empty: the script's first
// poll, without a cursor, gets the history at once.
func (page) Get(c *sdk.Context) {
	// The page carries the browser's token.
	c.SetHeader("Cache-Control", "no-store")
	if err := c.Render("chat.html", map[string]any{}); err != nil {
		c.Errorf("chat: %v", err)
		c.Error(500, "chat: the site has no chat.html template (see plugins/chat/README.md)")
	}
}

// messageNew posts a message, POST /a/message/new.
type messageNew struct{}

// Post publishes the argument body and answers the message as JSON, or,
// with a local path in the argument next, redirects there (a form posted
// without the script). An absolute or scheme-relative next is refused
// with 400 rather than followed, so the form cannot redirect off the site.
func (messageNew) Post(c *sdk.Context) {
	body := c.Argument("body") // 400 when missing
	next := c.Argument("next", "")
	if next != "" && !localPath(next) {
		c.Error(400, "next must be a path on this site")
		return
	}
	data := stored(body)
	id, err := c.PublishString(topic, data)
	if err != nil {
		pubsubError(c, err, 413)
		return
	}
	if next != "" {
		c.Redirect(next)
		return
	}
	c.SetHeader("Content-Type", "application/json; charset=UTF-8")
	c.Write(appendMessage(nil, id, data))
}

// localPath reports whether next is a path on this site: it starts with
// "/", but not "//", which browsers take as another host, and has no
// backslash, which some take as a slash.
func localPath(next string) bool {
	return strings.HasPrefix(next, "/") && !strings.HasPrefix(next, "//") && !strings.Contains(next, `\`)
}

// messageUpdates long-polls, POST /a/message/updates.
type messageUpdates struct{}

// Post answers {"messages": [...]} with the messages after the argument
// cursor (all those retained when it is absent or unknown), waiting for
// one when there are none, and an empty list when the wait times out.
func (messageUpdates) Post(c *sdk.Context) {
	cursor := sdk.ParseCursor(c.Argument("cursor", ""))
	msgs, err := c.Wait(topic, cursor, pollTimeout)
	if err != nil {
		pubsubError(c, err, 503)
		return
	}
	b := append(make([]byte, 0, 256*(len(msgs)+1)), `{"messages":[`...)
	for i, m := range msgs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendMessage(b, m.ID, string(m.Data))
	}
	b = append(b, "]}"...)
	if len(msgs) > 0 {
		// The answer is the same for every waiter with this cursor: one
		// publish need not run this handler once per waiter.
		c.ShareResponse()
	}
	c.SetHeader("Content-Type", "application/json; charset=UTF-8")
	c.Write(b)
}

// pubsubError answers a failed Publish or Wait: tooLarge for ErrTooLarge
// (413 for a message over the site's cap, 503 for a wait when the site
// parks as many requests as it may), 503 when the backend is unreachable,
// 500 otherwise.
func pubsubError(c *sdk.Context, err error, tooLarge int) {
	c.Errorf("chat: %v", err)
	switch {
	case errors.Is(err, sdk.ErrTooLarge):
		c.Error(tooLarge, err.Error())
	case errors.Is(err, sdk.ErrUnavailable):
		c.Error(503, err.Error())
	default:
		c.Error(500, err.Error())
	}
}
