package sdktest

import (
	"encoding/json"
	"fmt"
	"github.com/wasmweb/wasmweb/internal/form"
	"net/http"
	"os"
	"strings"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/internal/locale"
	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/internal/native"
)

// fakeHost is the host of one request: native.Host with the ABI's rules,
// including the validation the real host does on responses, so that tests
// catch what it would refuse. Used by one goroutine at a time (package
// native serializes requests).
type fakeHost struct {
	// The request; immutable.
	req        *Request
	handler    string
	requestID  string
	header     []headerField
	body       []byte
	query      string
	path       string
	args       *form.Arguments
	maxRespLen int

	// Publish and wait.
	broker *Broker
	site   string
	// timedOut makes wait return 0, as on a request resumed because its
	// wait timed out.
	timedOut bool
	// waited is set by the first wait call; msgs holds what it found.
	waited bool
	msgs   []sdk.Message
	// shared is set by resp_share.
	shared bool
	// parked is the wait that parked the request, if one did; parkGen is
	// the broker's generation then.
	parked  *waitCall
	parkGen int

	// The site's locales, made on first use, and the request's locale,
	// chosen on first use.
	locales *locale.Bundle
	loc     *locale.Locale

	// The response.
	status       int
	respHeader   http.Header
	respBody     []byte
	rendered     []Rendered
	finished     bool
	failure      string
	location     string
	errorMessage string
	logs         []string
	trace        []string
}

var _ native.Host = (*fakeHost)(nil)

// waitCall is the arguments of a wait.
type waitCall struct {
	topic     string
	cursor    int64
	timeoutMS int32
}

func newFakeHost(b *Broker, handler, requestID string, req *Request) *fakeHost {
	header, body := req.wire()
	h := &fakeHost{
		req:        req,
		handler:    handler,
		requestID:  requestID,
		header:     header,
		body:       body,
		maxRespLen: abi.DefaultMaxResponseBytes,
		status:     200,
		respHeader: http.Header{},
		broker:     b,
		site:       req.site,
	}
	h.path, h.query, _ = strings.Cut(req.target, "?")
	h.args = form.Parse(h.query, h.firstHeader("Content-Type"), body)
	return h
}

func (h *fakeHost) firstHeader(name string) string {
	for _, f := range h.header {
		if strings.EqualFold(f.name, name) {
			return f.value
		}
	}
	return ""
}

// call records a host call in the trace and returns its result.
func (h *fakeHost) call(result int32, fn, format string, args ...any) int32 {
	h.trace = append(h.trace, fmt.Sprintf("%s(%s) = %d", fn, fmt.Sprintf(format, args...), result))
	return result
}

// fail marks the response failed, as ERR_INVALID from a response function
// does, and returns ERR_INVALID.
func (h *fakeHost) fail(fn, format string, args ...any) int32 {
	if h.failure == "" {
		h.failure = fn + ": " + fmt.Sprintf(format, args...)
	}
	return abi.ErrInvalid
}

// output applies the (buf, buf_limit) -> len rule.
func output[T string | []byte](buf []byte, v T) int32 {
	if len(v) <= len(buf) {
		copy(buf, v)
	}
	return int32(len(v))
}

// nulList joins names, each followed by NUL.
func nulList(names []string) string {
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte(0)
	}
	return b.String()
}

var levelNames = map[int32]string{
	abi.LogDebug: "debug",
	abi.LogInfo:  "info",
	abi.LogWarn:  "warn",
	abi.LogError: "error",
}

// features are the fake host's feature bits, in and out of requests.
const features = abi.FeatureCore | abi.FeaturePubSub | abi.FeatureLocale

func (h *fakeHost) HostFeatures() int64 {
	return features
}

func (h *fakeHost) Log(level int32, msg string) {
	name, ok := levelNames[level]
	if !ok {
		name = levelNames[abi.LogInfo]
	}
	if len(msg) > abi.MaxLogMessage {
		msg = msg[:abi.MaxLogMessage]
	}
	h.logs = append(h.logs, name+": "+strings.TrimRight(msg, "\n"))
	h.call(0, abi.FuncLog, "level=%d, msg=%q", level, msg)
}

func (h *fakeHost) ReqGet(field int32, buf []byte) int32 {
	var v []byte
	switch field {
	case abi.FieldMethod:
		v = []byte(h.req.method)
	case abi.FieldTarget:
		v = []byte(h.req.target)
	case abi.FieldPath:
		v = []byte(h.path)
	case abi.FieldQuery:
		v = []byte(h.query)
	case abi.FieldHost:
		v = []byte(h.firstHeader("Host"))
	case abi.FieldRemoteAddr:
		v = []byte(h.req.remoteAddr)
	case abi.FieldProtocol:
		v = []byte(h.req.protocol)
	case abi.FieldBody:
		v = h.body
	case abi.FieldHandler:
		v = []byte(h.handler)
	case abi.FieldRequestID:
		v = []byte(h.requestID)
	case abi.FieldRoutePattern:
		v = []byte(h.req.routePattern)
	default:
		return h.call(abi.ErrInvalid, abi.FuncReqGet, "field=%d, buf_limit=%d", field, len(buf))
	}
	return h.call(output(buf, v), abi.FuncReqGet, "field=%d, buf_limit=%d", field, len(buf))
}

func (h *fakeHost) ReqHeader(name string, index int32, buf []byte) int32 {
	r := int32(abi.ErrNotFound)
	i := int32(0)
	for _, f := range h.header {
		if strings.EqualFold(f.name, name) {
			if i == index {
				r = output(buf, f.value)
				break
			}
			i++
		}
	}
	return h.call(r, abi.FuncReqHeader, "name=%q, index=%d, buf_limit=%d", name, index, len(buf))
}

func (h *fakeHost) ReqHeaderNames(buf []byte) int32 {
	var names []string
	seen := map[string]bool{}
	for _, f := range h.header {
		n := strings.ToLower(f.name)
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	return h.call(output(buf, nulList(names)), abi.FuncReqHeaderNames, "buf_limit=%d", len(buf))
}

func (h *fakeHost) ReqParam(name string, buf []byte) int32 {
	r := int32(abi.ErrNotFound)
	if v, ok := h.req.params[name]; ok {
		r = output(buf, v)
	}
	return h.call(r, abi.FuncReqParam, "name=%q, buf_limit=%d", name, len(buf))
}

func (h *fakeHost) ReqArg(source int32, name string, index int32, buf []byte) int32 {
	vs, ok := h.args.Values(source, name)
	r := int32(abi.ErrInvalid)
	if ok {
		r = abi.ErrNotFound
		if index >= 0 && int(index) < len(vs) {
			r = output(buf, vs[index])
		}
	}
	return h.call(r, abi.FuncReqArg, "source=%d, name=%q, index=%d, buf_limit=%d", source, name, index, len(buf))
}

func (h *fakeHost) ReqArgNames(source int32, buf []byte) int32 {
	names, ok := h.args.Names(source)
	r := int32(abi.ErrInvalid)
	if ok {
		r = output(buf, nulList(names))
	}
	return h.call(r, abi.FuncReqArgNames, "source=%d, buf_limit=%d", source, len(buf))
}

func (h *fakeHost) ReqFile(name string, index, part int32, buf []byte) int32 {
	r := int32(abi.ErrNotFound)
	if files := h.args.Files[name]; index >= 0 && int(index) < len(files) {
		f := files[index]
		switch part {
		case abi.FileName:
			r = output(buf, f.Name)
		case abi.FileType:
			r = output(buf, f.ContentType)
		case abi.FileBody:
			r = output(buf, f.Body)
		default:
			r = abi.ErrInvalid
		}
	}
	return h.call(r, abi.FuncReqFile, "name=%q, index=%d, part=%d, buf_limit=%d", name, index, part, len(buf))
}

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

// CookieGet returns the request's first cookie named name.
func (h *fakeHost) CookieGet(name string, buf []byte) int32 {
	r := int32(abi.ErrNotFound)
	if v, ok := h.cookieValue(name); ok {
		r = output(buf, v)
	}
	return h.call(r, abi.FuncCookieGet, "name=%q, buf_limit=%d", name, len(buf))
}

// CookieSet adds a Set-Cookie as the host does (abi/ABI.md section 7.6),
// refusing what it refuses.
func (h *fakeHost) CookieSet(name, value, attrs string) int32 {
	r := int32(0)
	switch v, err := h.cookieScope().Build(name, value, attrs); {
	case h.finished:
		r = abi.ErrFinished
	case err != nil:
		r = h.fail(abi.FuncCookieSet, "%v", err)
	default:
		h.respHeader.Add("Set-Cookie", v)
	}
	return h.call(r, abi.FuncCookieSet, "name=%q, value=%q, attrs=%q", name, value, attrs)
}

// SignedCookieGet verifies a cookie signed by SignedCookieSet (the fake's
// own format, with a fixed test key; the host uses securecookie).
func (h *fakeHost) SignedCookieGet(name string, buf []byte) int32 {
	r := int32(abi.ErrNotFound)
	if raw, ok := h.cookieValue(name); ok {
		if v, ok := fakeVerify(name, raw); ok {
			r = output(buf, v)
		} else {
			r = abi.ErrInvalid
		}
	}
	return h.call(r, abi.FuncSignedGet, "name=%q, buf_limit=%d", name, len(buf))
}

// SignedCookieSet signs value with the fake's key and sets it as
// CookieSet does.
func (h *fakeHost) SignedCookieSet(name, value, attrs string) int32 {
	enc := fakeSign(name, value)
	r := int32(0)
	if !strings.Contains(strings.ToLower(attrs), "max-age") {
		attrs += "; Max-Age=2678400"
	}
	switch v, err := h.cookieScope().Build(name, enc, attrs); {
	case h.finished:
		r = abi.ErrFinished
	case len(enc) > 4096:
		r = abi.ErrTooLarge
	case err != nil:
		r = h.fail(abi.FuncSignedSet, "%v", err)
	default:
		h.respHeader.Add("Set-Cookie", v)
	}
	return h.call(r, abi.FuncSignedSet, "name=%q, value_len=%d, attrs=%q", name, len(value), attrs)
}

// UserGet returns the user in the fake-signed user cookie (see
// SignedCookie; sdktest.User makes one).
func (h *fakeHost) UserGet(buf []byte) int32 {
	r := int32(abi.ErrNotFound)
	if raw, ok := h.cookieValue(abi.UserCookie); ok {
		if v, ok := fakeVerify(abi.UserCookie, raw); ok && v != "" {
			r = output(buf, v)
		}
	}
	return h.call(r, abi.FuncUserGet, "buf_limit=%d", len(buf))
}

// UserSet signs a user in (or out, for an empty value) as the host does.
func (h *fakeHost) UserSet(value string) int32 {
	return h.call(h.setUser(abi.FuncUserSet, value), abi.FuncUserSet, "value_len=%d", len(value))
}

// setUser signs value in, or out when it is empty, for host function fn
// and returns the ABI result.
func (h *fakeHost) setUser(fn, value string) int32 {
	attrs, enc := "Max-Age=2678400", fakeSign(abi.UserCookie, value)
	if value == "" {
		attrs, enc = "Max-Age=0", ""
	}
	r := int32(0)
	switch v, err := setCookie(abi.UserCookie, enc, attrs); {
	case h.finished:
		r = abi.ErrFinished
	case err != nil:
		r = h.fail(fn, "%v", err)
	default:
		h.respHeader.Add("Set-Cookie", v)
	}
	return r
}

// XSRFToken returns a token for forms. The fake's token is fixed
// (FakeXSRFToken) and it does not check tokens: the host does, before the
// handler runs, on sites with xsrf_cookies = true.
func (h *fakeHost) XSRFToken(buf []byte) int32 {
	return h.call(output(buf, FakeXSRFToken), abi.FuncXSRFToken, "buf_limit=%d", len(buf))
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

func (h *fakeHost) Publish(topic string, msg []byte) int64 {
	r := h.broker.publish(h.site, topic, msg)
	h.trace = append(h.trace, fmt.Sprintf("%s(topic=%q, msg_len=%d) = %d", abi.FuncPublish, topic, len(msg), r))
	return r
}

func (h *fakeHost) Wait(topic string, cursor int64, timeoutMS int32) int32 {
	r := h.wait(topic, cursor, timeoutMS)
	return h.call(r, abi.FuncWait, "topic=%q, cursor=%d, timeout_ms=%d", topic, cursor, timeoutMS)
}

func (h *fakeHost) wait(topic string, cursor int64, timeoutMS int32) int32 {
	if h.waited {
		return abi.ErrInvalid // one wait per call of wasmweb_handle
	}
	h.waited = true
	if !abi.ValidTopic(topic) {
		return abi.ErrInvalid
	}
	if h.timedOut {
		return 0
	}
	msgs, gen, r := h.broker.wait(h.site, topic, cursor, timeoutMS >= 0)
	switch r {
	case abi.WaitParked:
		h.parked = &waitCall{topic, cursor, timeoutMS}
		h.parkGen = gen
	default:
		h.msgs = msgs
	}
	return r
}

func (h *fakeHost) MsgID(index int32) int64 {
	r := int64(abi.ErrNotFound)
	if index >= 0 && int(index) < len(h.msgs) {
		r = h.msgs[index].ID
	}
	h.trace = append(h.trace, fmt.Sprintf("%s(index=%d) = %d", abi.FuncMsgID, index, r))
	return r
}

func (h *fakeHost) MsgData(index int32, buf []byte) int32 {
	r := int32(abi.ErrNotFound)
	if index >= 0 && int(index) < len(h.msgs) {
		r = output(buf, h.msgs[index].Data)
	}
	return h.call(r, abi.FuncMsgData, "index=%d, buf_limit=%d", index, len(buf))
}

// RespShare records that the handler declared its answer shareable; the
// fake answers every request itself, so nothing is shared.
func (h *fakeHost) RespShare() int32 {
	r := int32(abi.ErrInvalid)
	if len(h.msgs) > 0 {
		r, h.shared = 0, true
	}
	return h.call(r, abi.FuncRespShare, "")
}

// noRequest is the host between requests: as during _initialize, only log
// and host_features work.
type noRequest struct{}

var _ native.Host = noRequest{}

func (noRequest) HostFeatures() int64 { return features }

func (noRequest) Log(level int32, msg string) {
	fmt.Fprintf(os.Stderr, "sdktest: log outside a request: %s\n", msg)
}

func (noRequest) ReqGet(int32, []byte) int32                 { return abi.ErrNoRequest }
func (noRequest) ReqHeader(string, int32, []byte) int32      { return abi.ErrNoRequest }
func (noRequest) ReqHeaderNames([]byte) int32                { return abi.ErrNoRequest }
func (noRequest) ReqParam(string, []byte) int32              { return abi.ErrNoRequest }
func (noRequest) ReqArg(int32, string, int32, []byte) int32  { return abi.ErrNoRequest }
func (noRequest) ReqArgNames(int32, []byte) int32            { return abi.ErrNoRequest }
func (noRequest) ReqFile(string, int32, int32, []byte) int32 { return abi.ErrNoRequest }
func (noRequest) RespSetStatus(int32) int32                  { return abi.ErrNoRequest }
func (noRequest) RespHeader(int32, string, string) int32     { return abi.ErrNoRequest }
func (noRequest) RespWrite([]byte) int32                     { return abi.ErrNoRequest }
func (noRequest) RespRedirect(string, int32) int32           { return abi.ErrNoRequest }
func (noRequest) RespError(int32, string) int32              { return abi.ErrNoRequest }
func (noRequest) Publish(string, []byte) int64               { return abi.ErrNoRequest }
func (noRequest) Render(string, []byte) int32                { return abi.ErrNoRequest }
func (noRequest) CookieGet(string, []byte) int32             { return abi.ErrNoRequest }
func (noRequest) CookieSet(string, string, string) int32     { return abi.ErrNoRequest }
func (noRequest) SignedCookieGet(string, []byte) int32       { return abi.ErrNoRequest }
func (noRequest) UserGet([]byte) int32                       { return abi.ErrNoRequest }
func (noRequest) UserSet(string) int32                       { return abi.ErrNoRequest }
func (noRequest) XSRFToken([]byte) int32                     { return abi.ErrNoRequest }
func (noRequest) UserLogin(string, string) int32             { return abi.ErrNoRequest }
func (noRequest) SignedCookieSet(string, string, string) int32 {
	return abi.ErrNoRequest
}
func (noRequest) Wait(string, int64, int32) int32 { return abi.ErrNoRequest }
func (noRequest) MsgID(int32) int64               { return abi.ErrNoRequest }
func (noRequest) MsgData(int32, []byte) int32     { return abi.ErrNoRequest }
func (noRequest) RespShare() int32                { return abi.ErrNoRequest }
