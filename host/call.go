package host

import (
	"bytes"
	"context"
	"strconv"
	"strings"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/form"
	"github.com/wasmweb/wasmweb/host/internal/errorpage"
	"github.com/wasmweb/wasmweb/host/internal/longpoll"
	"github.com/wasmweb/wasmweb/host/internal/pubsub"
	"github.com/wasmweb/wasmweb/host/internal/route"
	"github.com/wasmweb/wasmweb/host/locale"
	"github.com/wasmweb/wasmweb/netloop"
)

// call is one request being served by a guest: what the host functions
// read and write. It is used by one goroutine at a time.
type call struct {
	req      *netloop.Request
	w        *netloop.Response
	route    *route.Route
	params   []route.Param
	paramBuf [4]route.Param // storage for params
	id       uint64
	idStr    string
	args     *form.Arguments // parsed on first use
	site     *Site

	resumed  bool             // a parked request, run again
	timedOut bool             // ... because its wait's deadline passed
	waited   bool             // wait was called in this call
	msgs     []pubsub.Message // what the last wait returned
	waitKey  string           // the topic of the call's wait, as the broker names it
	waitCur  int64            // ... and its cursor
	share    bool             // resp_share: the response depends only on the messages
	waiter   *longpoll.Waiter // set when wait parked the request
	xsrf     []byte           // the request's XSRF token, once asked for
	loc      *locale.Locale   // the request's locale, once asked for

	written  int64 // body bytes written by the guest
	finished bool  // a redirect or error page was sent
	failed   bool  // the guest broke a rule: the client gets 500
	reason   string
}

// begin makes c the call that serves r for route rt on site s.
func (c *call) begin(s *Site, r *netloop.Request, w *netloop.Response, rt *route.Route, params []route.Param, id uint64, resumed, timedOut bool) {
	*c = call{req: r, w: w, route: rt, site: s, id: id, paramBuf: c.paramBuf, resumed: resumed, timedOut: timedOut}
	c.params = append(c.paramBuf[:0], params...)
}

// end ends the call: until the next begin, host functions find no
// request.
func (c *call) end() { *c = call{paramBuf: c.paramBuf} }

// RequestID implements guest.State: the id of the request being served,
// "" between calls.
func (c *call) RequestID() string {
	if c.req == nil {
		return ""
	}
	if c.idStr == "" {
		c.idStr = formatRequestID(c.id)
	}
	return c.idStr
}

// unpark undoes a wait that parked the request, when the guest answers
// it after all (or fails).
func (c *call) unpark() {
	if c.waiter == nil {
		return
	}
	c.site.parking.Unpark(c.waiter, c.w)
	c.waiter = nil
}

// fail marks the response as failed; the client will get 500.
func (c *call) fail(reason string) {
	if !c.failed {
		c.failed, c.reason = true, reason
	}
}

func mustCall(ctx context.Context, stack []uint64) *call {
	c := current(ctx)
	if c == nil {
		ret(stack, abi.ErrNoRequest)
	}
	return c
}

func reqGet(ctx context.Context, mod api.Module, stack []uint64) {
	c := mustCall(ctx, stack)
	if c == nil {
		read(mod, arg(stack, 1), arg(stack, 2))
		return
	}
	r := c.req
	switch arg(stack, 0) {
	case abi.FieldMethod:
		output(mod, stack, 1, r.Method)
	case abi.FieldTarget:
		output(mod, stack, 1, r.Target)
	case abi.FieldPath:
		output(mod, stack, 1, r.Path)
	case abi.FieldQuery:
		output(mod, stack, 1, r.Query)
	case abi.FieldHost:
		output(mod, stack, 1, r.Host)
	case abi.FieldRemoteAddr:
		addr := ""
		if r.RemoteAddr != nil {
			addr = r.RemoteAddr.String()
		}
		outputString(mod, stack, 1, addr)
	case abi.FieldProtocol:
		if r.ProtoMinor == 0 {
			outputString(mod, stack, 1, "HTTP/1.0")
		} else {
			outputString(mod, stack, 1, "HTTP/1.1")
		}
	case abi.FieldBody:
		output(mod, stack, 1, r.Body)
	case abi.FieldHandler:
		outputString(mod, stack, 1, c.route.Handler)
	case abi.FieldRequestID:
		outputString(mod, stack, 1, c.RequestID())
	case abi.FieldRoutePattern:
		outputString(mod, stack, 1, c.route.Pattern.String())
	default:
		read(mod, arg(stack, 1), arg(stack, 2))
		ret(stack, abi.ErrInvalid)
	}
}

func reqHeader(ctx context.Context, mod api.Module, stack []uint64) {
	name := read(mod, arg(stack, 0), arg(stack, 1))
	index := int(int32(arg(stack, 2)))
	c := mustCall(ctx, stack)
	if c == nil {
		read(mod, arg(stack, 3), arg(stack, 4))
		return
	}
	for _, f := range c.req.Fields() {
		if len(f.Name) == len(name) && bytes.EqualFold(f.Name, name) {
			if index == 0 {
				output(mod, stack, 3, f.Value)
				return
			}
			index--
		}
	}
	read(mod, arg(stack, 3), arg(stack, 4))
	ret(stack, abi.ErrNotFound)
}

func reqHeaderNames(ctx context.Context, mod api.Module, stack []uint64) {
	c := mustCall(ctx, stack)
	if c == nil {
		read(mod, arg(stack, 0), arg(stack, 1))
		return
	}
	var out []byte
	seen := make(map[string]bool, len(c.req.Fields()))
	for _, f := range c.req.Fields() {
		n := strings.ToLower(string(f.Name))
		if !seen[n] {
			seen[n] = true
			out = append(append(out, n...), 0)
		}
	}
	output(mod, stack, 0, out)
}

func reqParam(ctx context.Context, mod api.Module, stack []uint64) {
	name := read(mod, arg(stack, 0), arg(stack, 1))
	c := mustCall(ctx, stack)
	if c == nil {
		read(mod, arg(stack, 2), arg(stack, 3))
		return
	}
	for _, p := range c.params {
		if p.Name == string(name) {
			outputString(mod, stack, 2, p.Value)
			return
		}
	}
	read(mod, arg(stack, 2), arg(stack, 3))
	ret(stack, abi.ErrNotFound)
}

func reqArg(ctx context.Context, mod api.Module, stack []uint64) {
	source := arg(stack, 0)
	name := string(read(mod, arg(stack, 1), arg(stack, 2)))
	index := int(int32(arg(stack, 3)))
	c := mustCall(ctx, stack)
	if c == nil {
		read(mod, arg(stack, 4), arg(stack, 5))
		return
	}
	vals, ok := c.arguments().Values(int32(source), name)
	if !ok {
		read(mod, arg(stack, 4), arg(stack, 5))
		ret(stack, abi.ErrInvalid)
		return
	}
	if index < 0 || index >= len(vals) {
		read(mod, arg(stack, 4), arg(stack, 5))
		ret(stack, abi.ErrNotFound)
		return
	}
	outputString(mod, stack, 4, vals[index])
}

func reqArgNames(ctx context.Context, mod api.Module, stack []uint64) {
	source := arg(stack, 0)
	c := mustCall(ctx, stack)
	if c == nil {
		read(mod, arg(stack, 1), arg(stack, 2))
		return
	}
	names, ok := c.arguments().Names(int32(source))
	if !ok {
		read(mod, arg(stack, 1), arg(stack, 2))
		ret(stack, abi.ErrInvalid)
		return
	}
	var out []byte
	for _, n := range names {
		out = append(append(out, n...), 0)
	}
	output(mod, stack, 1, out)
}

func reqFile(ctx context.Context, mod api.Module, stack []uint64) {
	name := string(read(mod, arg(stack, 0), arg(stack, 1)))
	index, part := int(int32(arg(stack, 2))), arg(stack, 3)
	c := mustCall(ctx, stack)
	if c == nil {
		read(mod, arg(stack, 4), arg(stack, 5))
		return
	}
	files := c.arguments().Files[name]
	if index < 0 || index >= len(files) {
		read(mod, arg(stack, 4), arg(stack, 5))
		ret(stack, abi.ErrNotFound)
		return
	}
	f := files[index]
	switch part {
	case abi.FileName:
		outputString(mod, stack, 4, f.Name)
	case abi.FileType:
		outputString(mod, stack, 4, f.ContentType)
	case abi.FileBody:
		output(mod, stack, 4, f.Body)
	default:
		read(mod, arg(stack, 4), arg(stack, 5))
		ret(stack, abi.ErrInvalid)
	}
}

func respSetStatus(ctx context.Context, _ api.Module, stack []uint64) {
	code := int(int32(arg(stack, 0)))
	c := mustCall(ctx, stack)
	switch {
	case c == nil:
	case c.finished || c.w.Sent():
		ret(stack, abi.ErrFinished)
	case code < 200 || code > 599:
		c.fail("status " + strconv.Itoa(code) + " out of range")
		ret(stack, abi.ErrInvalid)
	default:
		c.w.SetStatus(code)
		ret(stack, 0)
	}
}

func respHeader(ctx context.Context, mod api.Module, stack []uint64) {
	op := arg(stack, 0)
	name := read(mod, arg(stack, 1), arg(stack, 2))
	value := read(mod, arg(stack, 3), arg(stack, 4))
	c := mustCall(ctx, stack)
	if c == nil {
		return
	}
	if c.finished || c.w.Sent() {
		ret(stack, abi.ErrFinished)
		return
	}
	n, v := string(name), string(value)
	if !netloop.ValidHeaderName(n) {
		c.fail("invalid response header name " + strconv.Quote(n))
		ret(stack, abi.ErrInvalid)
		return
	}
	var err error
	switch op {
	case abi.HeaderSet, abi.HeaderAdd:
		if strings.EqualFold(n, "Set-Cookie") {
			if err := c.cookieScope().CheckHeader(v); err != nil {
				c.fail(abi.FuncRespHeader + ": " + err.Error())
				ret(stack, abi.ErrInvalid)
				return
			}
		}
		if fields, size := c.w.HeaderFields(); fields >= abi.MaxResponseHeaders || size+len(n)+len(v)+4 > abi.MaxResponseHeaderBytes {
			c.fail("too many response headers")
			ret(stack, abi.ErrTooLarge)
			return
		}
		if op == abi.HeaderSet {
			err = c.w.SetHeader(n, v)
		} else {
			err = c.w.AddHeader(n, v)
		}
	case abi.HeaderDel:
		c.w.DelHeader(n)
	default:
		c.fail("unknown header operation")
		ret(stack, abi.ErrInvalid)
		return
	}
	if err != nil {
		c.fail("invalid response header " + strconv.Quote(n) + ": " + strconv.Quote(v))
		ret(stack, abi.ErrInvalid)
		return
	}
	ret(stack, 0)
}

func respWrite(ctx context.Context, mod api.Module, stack []uint64) {
	b := read(mod, arg(stack, 0), arg(stack, 1))
	c := mustCall(ctx, stack)
	switch {
	case c == nil:
	case c.finished:
		ret(stack, abi.ErrFinished)
	case c.written+int64(len(b)) > int64(c.site.limits.MaxResponseBytes):
		c.fail("response body over max_response_bytes")
		ret(stack, abi.ErrTooLarge)
	default:
		c.written += int64(len(b))
		c.w.Write(b)
		ret(stack, 0)
	}
}

func respRedirect(ctx context.Context, mod api.Module, stack []uint64) {
	url := string(read(mod, arg(stack, 0), arg(stack, 1)))
	status := int(int32(arg(stack, 2)))
	c := mustCall(ctx, stack)
	if c == nil {
		return
	}
	if c.finished || c.w.Sent() {
		ret(stack, abi.ErrFinished)
		return
	}
	if status == 0 {
		status = 302
	}
	switch status {
	case 301, 302, 303, 307, 308:
	default:
		c.fail("redirect status " + strconv.Itoa(status))
		ret(stack, abi.ErrInvalid)
		return
	}
	if url == "" || strings.ContainsAny(url, " \t\\") || !netloop.ValidHeaderValue(url) {
		c.fail("invalid redirect URL " + strconv.Quote(url))
		ret(stack, abi.ErrInvalid)
		return
	}
	c.w.ResetBody()
	c.w.SetStatus(status)
	c.w.SetHeader("Location", url)
	c.finished = true
	ret(stack, 0)
}

func respError(ctx context.Context, mod api.Module, stack []uint64) {
	status := int(int32(arg(stack, 0)))
	msg := string(read(mod, arg(stack, 1), arg(stack, 2)))
	c := mustCall(ctx, stack)
	if c == nil {
		return
	}
	if c.finished || c.w.Sent() {
		ret(stack, abi.ErrFinished)
		return
	}
	if status < 400 || status > 599 {
		c.fail("error status " + strconv.Itoa(status))
		ret(stack, abi.ErrInvalid)
		return
	}
	if !c.site.debug {
		msg = ""
	}
	c.w.ResetBody()
	errorpage.WriteBody(c.w, status, msg)
	c.finished = true
	ret(stack, 0)
}

// formatRequestID renders a request id as 16 hex digits.
func formatRequestID(id uint64) string {
	const hexd = "0123456789abcdef"
	var b [16]byte
	for i := 15; i >= 0; i-- {
		b[i] = hexd[id&15]
		id >>= 4
	}
	return string(b[:])
}
