package sdktest

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/internal/form"
	"github.com/wasmweb/wasmweb/internal/locale"
	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/internal/native"
)

// This file holds the fake host of one request and its request calls.
// The calls of the response are in response.go, of cookies and the user
// in cookie.go, of sign-in in accounts.go, of pub/sub in pubsub.go, of
// locales in locale.go, and the host outside a request in norequest.go.

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

	// The call's last fetched response (Fetch).
	fetched *fetched

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
const features = abi.FeatureCore | abi.FeaturePubSub | abi.FeatureLocale | abi.FeatureKV | abi.FeatureVars | abi.FeatureFetch

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
