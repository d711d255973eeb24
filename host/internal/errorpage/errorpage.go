// Package errorpage writes the host's own answers that are not a
// guest's: the short HTML error pages of 4xx and 5xx statuses. Which
// status a request gets is its callers' decision.
package errorpage

import (
	"html"
	"strconv"

	"github.com/wasmweb/wasmweb/netloop"
)

// Write replaces the response with a short HTML error page; detail, when
// not empty, is shown escaped. Nothing happens once the head is sent.
func Write(w *netloop.Response, status int, detail string) {
	if !w.Reset() {
		return
	}
	WriteBody(w, status, detail)
}

// Unavailable replaces the response with a 503 page that asks the client
// to come back after retryAfter seconds.
func Unavailable(w *netloop.Response, retryAfter string) {
	Write(w, 503, "")
	w.SetHeader("Retry-After", retryAfter)
}

// WriteBody sets the status and writes an error page as the body,
// keeping the other header fields the response has.
func WriteBody(w *netloop.Response, status int, detail string) {
	w.SetStatus(status)
	w.SetHeader("Content-Type", "text/html; charset=utf-8")
	text := netloop.StatusText(status)
	if text == "" {
		text = "Error"
	}
	code := strconv.Itoa(status)
	w.WriteString("<!DOCTYPE html>\n<html><head><title>" + code + ": " + text + "</title></head>\n<body><h1>" + code + ": " + text + "</h1>")
	if detail != "" {
		w.WriteString("\n<pre>" + html.EscapeString(detail) + "</pre>")
	}
	w.WriteString("</body></html>\n")
}
