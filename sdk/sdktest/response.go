package sdktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/wasmweb/wasmweb/abi"
)

// This file holds the fake host's response calls: the status, headers
// and body a handler sets, checked as the host checks them, redirects
// and error pages, and the templates it renders.

func (h *fakeHost) RespSetStatus(code int32) int32 {
	r := int32(0)
	switch {
	case h.finished:
		r = abi.ErrFinished
	case code < 200 || code > 599:
		r = h.fail(abi.FuncRespSetStatus, "status %d outside 200-599", code)
	default:
		h.status = int(code)
	}
	return h.call(r, abi.FuncRespSetStatus, "code=%d", code)
}

func (h *fakeHost) RespHeader(op int32, name, value string) int32 {
	r := h.respHeaderOp(op, name, value)
	return h.call(r, abi.FuncRespHeader, "op=%d, name=%q, value=%q", op, name, value)
}

// hostOwned are the response headers the host writes itself.
var hostOwned = []string{"Content-Length", "Transfer-Encoding", "Connection", "Date"}

func (h *fakeHost) respHeaderOp(op int32, name, value string) int32 {
	fn := abi.FuncRespHeader
	switch {
	case h.finished:
		return abi.ErrFinished
	case !isToken(name):
		return h.fail(fn, "header name %q is not a token", name)
	case op == abi.HeaderDel:
		h.respHeader.Del(name)
		return 0
	case op != abi.HeaderSet && op != abi.HeaderAdd:
		return h.fail(fn, "unknown op %d", op)
	}
	for _, o := range hostOwned {
		if strings.EqualFold(name, o) {
			return h.fail(fn, "header %s belongs to the host", o)
		}
	}
	if msg := badValue(value); msg != "" {
		return h.fail(fn, "header %s: value %q %s", name, value, msg)
	}
	if strings.EqualFold(name, "Set-Cookie") {
		if err := h.cookieScope().CheckHeader(value); err != nil {
			return h.fail(fn, "%v", err)
		}
	}
	// As the host counts: fields before this one, and bytes as sent
	// ("Name: value\r\n").
	fields, size := h.headerSize()
	if fields >= abi.MaxResponseHeaders || size+len(name)+len(value)+4 > abi.MaxResponseHeaderBytes {
		h.fail(fn, "more than %d header fields or %d bytes", abi.MaxResponseHeaders, abi.MaxResponseHeaderBytes)
		return abi.ErrTooLarge
	}
	if op == abi.HeaderSet {
		h.respHeader.Set(name, value)
	} else {
		h.respHeader.Add(name, value)
	}
	return 0
}

// headerSize returns the number of response header fields and their size
// as sent, "Name: value\r\n" each.
func (h *fakeHost) headerSize() (fields, size int) {
	for name, vs := range h.respHeader {
		for _, v := range vs {
			fields++
			size += len(name) + len(v) + 4
		}
	}
	return fields, size
}

// isToken reports whether s is an RFC 9110 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// badValue says what is wrong with a header value, or "" if nothing is.
func badValue(v string) string {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return fmt.Sprintf("has control character %#02x", c)
		}
	}
	if v != strings.Trim(v, " \t") {
		return "has surrounding whitespace"
	}
	return ""
}

func (h *fakeHost) RespWrite(b []byte) int32 {
	r := int32(0)
	switch {
	case h.finished:
		r = abi.ErrFinished
	case len(h.respBody)+len(b) > h.maxRespLen:
		r = abi.ErrTooLarge
		if h.failure == "" {
			h.failure = fmt.Sprintf("%s: body past %d bytes", abi.FuncRespWrite, h.maxRespLen)
		}
	default:
		h.respBody = append(h.respBody, b...)
	}
	return h.call(r, abi.FuncRespWrite, "len=%d", len(b))
}

func (h *fakeHost) RespRedirect(url string, status int32) int32 {
	fn := abi.FuncRespRedirect
	r := int32(0)
	switch {
	case h.finished:
		r = abi.ErrFinished
	case status != 0 && status != 301 && status != 302 && status != 303 && status != 307 && status != 308:
		r = h.fail(fn, "status %d is not a redirect status", status)
	case url == "" || strings.ContainsFunc(url, func(c rune) bool { return c < 0x20 || c == 0x7f || c == ' ' || c == '\\' }):
		r = h.fail(fn, "URL %q is empty or has a control character, a space or a backslash", url)
	default:
		h.status = int(status)
		if status == 0 {
			h.status = http.StatusFound
		}
		h.location, h.respBody, h.finished = url, nil, true
		h.respHeader.Set("Location", url)
	}
	return h.call(r, fn, "url=%q, status=%d", url, status)
}

func (h *fakeHost) RespError(status int32, msg string) int32 {
	r := int32(0)
	switch {
	case h.finished:
		r = abi.ErrFinished
	case status < 400 || status > 599:
		r = h.fail(abi.FuncRespError, "status %d outside 400-599", status)
	default:
		h.errorPage(int(status))
		h.errorMessage, h.finished = msg, true
	}
	return h.call(r, abi.FuncRespError, "status=%d, msg=%q", status, msg)
}

// errorPage makes the response the host's error page for status, without
// the message (shown only on debug sites). Headers set before stay, as
// ABI.md has it: only the body is discarded.
func (h *fakeHost) errorPage(status int) {
	text := http.StatusText(status)
	if text == "" {
		text = "Error"
	}
	h.status = status
	h.respHeader.Set("Content-Type", "text/html; charset=utf-8")
	h.respBody = fmt.Appendf(nil, "<!DOCTYPE html>\n<html><head><title>%d: %s</title></head>\n<body><h1>%d: %s</h1></body></html>\n",
		status, text, status, text)
}

// Render records the call; the fake has no templates, so it appends
// nothing to the body. The host renders them (abi/ABI.md section 7.5).
// Data that is not JSON fails the response, as on the host.
func (h *fakeHost) Render(name string, data []byte) int32 {
	r := int32(0)
	switch {
	case h.finished:
		r = abi.ErrFinished
	case len(data) > 0 && !json.Valid(data):
		r = h.fail(abi.FuncRender, "render %s: data is not JSON", name)
	default:
		h.rendered = append(h.rendered, Rendered{Name: name, Data: append([]byte(nil), data...)})
	}
	return h.call(r, abi.FuncRender, "name=%q, data_len=%d", name, len(data))
}
