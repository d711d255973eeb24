package sdk

import (
	"errors"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/hostcall"
)

// A HandlerFunc handles every request of its route, whatever the method.
type HandlerFunc func(c *Context)

// The method handlers Handle looks for, in the order an Allow header lists
// them (Tornado's SUPPORTED_METHODS).
type (
	getHandler     interface{ Get(c *Context) }
	headHandler    interface{ Head(c *Context) }
	postHandler    interface{ Post(c *Context) }
	deleteHandler  interface{ Delete(c *Context) }
	patchHandler   interface{ Patch(c *Context) }
	putHandler     interface{ Put(c *Context) }
	optionsHandler interface{ Options(c *Context) }
	prepareHandler interface{ Prepare(c *Context) }
)

// handler is a registered handler. Immutable after Handle.
type handler struct {
	name string
	// fn serves every method; nil for a method set.
	fn func(c *Context)
	// methods holds a method set's handlers; HEAD falls back to GET. An
	// array, not a map: the lookup is on every request.
	methods methodTable
	// prepare runs before a method handler; may be nil.
	prepare func(c *Context)
	// allow is the Allow header of a 405.
	allow string
}

// handlers holds what Handle registered, by name. Written only during
// package initialization, so it needs no lock.
var handlers = map[string]*handler{}

// Handle registers h as the handler named name; routes in the site's
// configuration refer to it by that name. Call it from an init function,
// which runs when the host initializes an instance, before any request;
// Handle is not safe to call while requests are being served.
//
// h is a func(*Context), a HandlerFunc, or a value with at least one of
// the methods Get, Head, Post, Delete, Patch, Put and Options, each taking
// a *Context. A func serves every method. A method set answers a method it
// lacks with 405 and an Allow header listing those it has; HEAD uses Get
// when there is no Head (the host drops the body of a HEAD response). If
// the value also has a Prepare(*Context) method, it runs before the
// method's handler, as Tornado's prepare does, and the method's handler is
// skipped when Prepare finishes the response (Finish, Redirect or Error).
// A method not allowed gets its 405 before Prepare runs.
//
// A method set's value is shared by every request the instance serves:
// keep per-request state in local variables, not in its fields.
//
// The host learns the registered names at load (abi/ABI.md section 4)
// and refuses a configuration whose routes name a handler the plugin
// lacks.
//
// Handle panics if name is empty, longer than abi.MaxHandlerName bytes,
// holds a NUL byte, or is already registered, or if h is none of the
// above.
func Handle(name string, h any) {
	switch {
	case name == "":
		panic("sdk: Handle: empty handler name")
	case len(name) > abi.MaxHandlerName:
		panic("sdk: Handle: handler name " + strconv.Quote(name[:32]+"...") + " is longer than " + strconv.Itoa(abi.MaxHandlerName) + " bytes")
	case strings.IndexByte(name, 0) >= 0:
		panic("sdk: Handle: handler name " + strconv.Quote(name) + " holds a NUL byte")
	case len(handlers) == abi.MaxHandlers:
		panic("sdk: Handle: more than " + strconv.Itoa(abi.MaxHandlers) + " handlers")
	}
	if _, dup := handlers[name]; dup {
		panic("sdk: Handle: handler " + strconv.Quote(name) + " registered twice")
	}
	hd := &handler{name: name}
	switch f := h.(type) {
	case func(c *Context):
		hd.fn = f
	case HandlerFunc:
		hd.fn = f
	default:
		hd.methods = methodsOf(h)
		hd.allow = allowHeader(&hd.methods)
		if hd.allow == "" {
			panic("sdk: Handle: handler " + strconv.Quote(name) +
				" is neither a func(*sdk.Context) nor a value with a Get, Head, Post, Delete, Patch, Put or Options method")
		}
		if p, ok := h.(prepareHandler); ok {
			hd.prepare = p.Prepare
		}
	}
	if hd.fn == nil && hd.allow == "" {
		panic("sdk: Handle: handler " + strconv.Quote(name) + " is a nil func")
	}
	handlers[name] = hd
	names = nil
}

// allowOrder is the order of an Allow header.
var allowOrder = [...]string{"GET", "HEAD", "POST", "DELETE", "PATCH", "PUT", "OPTIONS"}

// methodTable holds a method set's handlers by method number
// (abi.MethodNumber); MethodOther's entry stays nil.
type methodTable [abi.MethodOptions + 1]func(c *Context)

func methodsOf(h any) (m methodTable) {
	if x, ok := h.(getHandler); ok {
		m[abi.MethodGet] = x.Get
		m[abi.MethodHead] = x.Get
	}
	if x, ok := h.(headHandler); ok {
		m[abi.MethodHead] = x.Head
	}
	if x, ok := h.(postHandler); ok {
		m[abi.MethodPost] = x.Post
	}
	if x, ok := h.(deleteHandler); ok {
		m[abi.MethodDelete] = x.Delete
	}
	if x, ok := h.(patchHandler); ok {
		m[abi.MethodPatch] = x.Patch
	}
	if x, ok := h.(putHandler); ok {
		m[abi.MethodPut] = x.Put
	}
	if x, ok := h.(optionsHandler); ok {
		m[abi.MethodOptions] = x.Options
	}
	return m
}

func allowHeader(methods *methodTable) string {
	var allow []string
	for _, m := range allowOrder {
		if methods[abi.MethodNumber(m)] != nil {
			allow = append(allow, m)
		}
	}
	return strings.Join(allow, ", ")
}

// serve runs h for the request of c.
func (h *handler) serve(c *Context) {
	if h.fn != nil {
		h.fn(c)
		return
	}
	m := h.methods[abi.MethodNumber(c.Method())]
	if m == nil {
		if c.SetHeader("Allow", h.allow) == nil {
			c.Error(405)
		}
		return
	}
	if h.prepare != nil {
		h.prepare(c)
		if c.finished {
			return
		}
	}
	m(c)
}

// routes caches each route's handler, by route number: the host numbers
// the routes that name this plugin from 0, and a route's handler name is
// fixed for the plugin generation's lifetime. Only handle touches it, one
// call at a time. A slice, not a map, since it is read on every request;
// a route number past maxCachedRoute (no host numbers that many) is not
// cached.
var routes []*handler

const maxCachedRoute = 4096

// abi.StatusFailed and abi.StatusPanicked are the wasmweb_handle results
// of a failed request: the host fails any result other than STATUS_DONE
// and STATUS_WAIT, and reports the second as a panic.

// requestError is the panic value that ends a request with an error page,
// as Tornado's HTTPError does; handle recovers it. Argument raises it for a
// missing argument. Wait unwinds a parked request the same way, with
// parked.
type requestError struct {
	status int
	msg    string
}

// current is the Context of the request being served. An instance serves
// one request at a time, so one Context, reset for each request, saves an
// allocation per request; handlers must not keep it after they return.
var current Context

// handle serves one request: it is the body of the wasmweb_handle and
// wasmweb_serve exports. method is the request's method number, or
// abi.MethodOther when the host did not say (Method asks then).
func handle(route, method int32) (status int32) {
	c := &current
	*c = Context{big: c.big, method: abi.MethodName(method)}
	defer func() {
		if r := recover(); r != nil {
			status = c.recovered(r)
		}
	}()
	var h *handler
	if route >= 0 && int(route) < len(routes) {
		h = routes[route]
	}
	if h == nil {
		name := c.field(abi.FieldHandler)
		h = handlers[name]
		if h == nil {
			// The host checks the names at load, so only a host that
			// does not (an older one) lets a request get here; its log
			// names the route.
			logError("sdk: no handler registered as " + strconv.Quote(name) + "; this plugin has " + registeredNames())
			return abi.StatusFailed
		}
		if route >= 0 && route <= maxCachedRoute {
			if int(route) >= len(routes) {
				routes = append(routes, make([]*handler, int(route)+1-len(routes))...)
			}
			routes[route] = h
		}
	}
	c.handler = h
	h.serve(c)
	return abi.StatusDone
}

// recovered turns a panic of the handler into the request's result.
func (c *Context) recovered(r any) int32 {
	if _, ok := r.(parked); ok {
		// Wait parked the request: the host resumes it later and
		// discards what the handler wrote.
		return abi.StatusWait
	}
	if e, ok := r.(requestError); ok {
		err := c.Error(e.status, e.msg)
		if err == nil || errors.Is(err, ErrFinished) {
			return abi.StatusDone
		}
		logError("sdk: handler " + strconv.Quote(c.Handler()) + ": sending error " + strconv.Itoa(e.status) + ": " + err.Error())
		return abi.StatusFailed
	}
	// The host reports the panic with this line's first line as its
	// message and the rest as its stack (abi/ABI.md section 9).
	logError("sdk: handler " + strconv.Quote(c.Handler()) + " panicked: " + panicText(r) + "\n" + stack())
	return abi.StatusPanicked
}

// stack returns the calling goroutine's stack, cut at the log's cap.
func stack() string {
	buf := make([]byte, abi.MaxLogMessage)
	return string(buf[:runtime.Stack(buf, false)])
}

// logError logs msg at LogError. The dispatch code, which every plugin
// links, logs without fmt: fmt's printer adds about 300 KB of Wasm to a
// plugin that does not otherwise use it.
func logError(msg string) {
	hostcall.Log(abi.LogError, msg)
}

// panicText describes a panic's value, as the runtime would for the
// common kinds of value.
func panicText(r any) string {
	switch v := r.(type) {
	case error:
		return v.Error()
	case string:
		return v
	case interface{ String() string }:
		return v.String()
	case int:
		return strconv.Itoa(v)
	case bool:
		return strconv.FormatBool(v)
	}
	return "(a value that is not an error, a string or a fmt.Stringer; see the stack)"
}

// names caches handlerNames' result.
var names []byte

// handlerNames returns the registered handler names, sorted and
// separated by NUL bytes, as wasmweb_handlers returns them. The result
// must not be changed.
func handlerNames() []byte {
	if names == nil && len(handlers) > 0 {
		list := make([]string, 0, len(handlers))
		for n := range handlers {
			list = append(list, n)
		}
		slices.Sort(list)
		names = []byte(strings.Join(list, "\x00"))
	}
	return names
}

func registeredNames() string {
	if len(handlers) == 0 {
		return "no handlers (call sdk.Handle from an init function)"
	}
	names := make([]string, 0, len(handlers))
	for n := range handlers {
		names = append(names, strconv.Quote(n))
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
