package sdk

import (
	"strings"
	"unsafe"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/hostcall"
)

// Variables and outbound HTTP (abi/ABI.md sections 7.14 and 7.15).

// Var returns the value of the site's variable name, from the config's
// [site.vars] table, and whether the site has it. A variable may be a
// secret (an API key read from a file): the host never logs or shows it,
// and neither should the handler.
func (c *Context) Var(name string) (string, bool) {
	v, n := c.outputString(func(buf *byte, bufLimit int32) int32 { return hostcall.Var(name, buf, bufLimit) })
	return v, n >= 0
}

// Header is a set of HTTP header fields, by lower-case name.
type Header map[string][]string

// Get returns the first value of the field name (in any case), or "".
func (h Header) Get(name string) string {
	if v := h[strings.ToLower(name)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Add adds a value to the field name, stored under its lower-case form.
func (h Header) Add(name, value string) {
	n := strings.ToLower(name)
	h[n] = append(h[n], value)
}

// A FetchRequest is an HTTP request for Fetch to make.
type FetchRequest struct {
	// Method is the request's method; "" means GET.
	Method string
	// URL is the absolute http or https URL to fetch; its origin must be
	// in the site's [site.outbound] allow list.
	URL string
	// Header holds the request's header fields. Host, Content-Length and
	// the hop-by-hop fields are the host's, and ignored.
	Header Header
	// Body is sent as it is; nil for none.
	Body []byte
}

// A FetchResponse is what Fetch got back.
type FetchResponse struct {
	// Status is the response's status code.
	Status int
	// Header holds the response's header fields, without hop-by-hop ones.
	Header Header
	// Body is the whole body, at most the site's max_response_bytes.
	Body []byte
}

// A FetchOption changes how the host makes one fetch.
type FetchOption func(*fetchOptions)

type fetchOptions struct {
	provider string // the provider whose token the host attaches
	asked    bool
}

// WithProviderToken asks the host to attach the signed-in user's access
// token of the sign-in provider name ("github") to the fetch, as
// "Authorization: Bearer": the handler never sees the token. The host
// does so only when the site's provider has forward_token = true and
// the URL is under one of its api prefixes (else ErrDenied), the
// request carries no Authorization field of its own (else ErrInvalid),
// and the request's user signed in with that provider in this browser
// (else ErrNotFound: offer them LoginWith). The token goes on a
// redirect only to the same origin, under the prefixes.
func WithProviderToken(name string) FetchOption {
	return func(o *fetchOptions) { o.provider, o.asked = name, true }
}

// Fetch makes an HTTP request through the host and returns its response,
// after any redirects. The host lets a site fetch only from the origins
// of its [site.outbound] allow list, never from internal addresses it
// does not name, and only within its caps. The call waits for the answer
// and counts against the handler's deadline.
//
// The error wraps ErrDenied for a URL, redirect or address the site does
// not allow; ErrInvalid for a malformed method, URL or header;
// ErrTooLarge for a body over max_response_bytes; and ErrUnavailable when
// the upstream cannot be reached or is too slow, or the site has its
// max_concurrent fetches in flight. A response with any status, 404 and
// 500 included, is not an error. With WithProviderToken, ErrNotFound
// says that the user has no token of that provider.
func (c *Context) Fetch(req FetchRequest, opts ...FetchOption) (*FetchResponse, error) {
	method := req.Method
	if method == "" {
		method = "GET"
	}
	var o fetchOptions
	for _, opt := range opts {
		opt(&o)
	}
	var hdr []byte
	if o.asked {
		hdr = append(append(append(append(hdr, abi.FetchProviderToken...), 0), o.provider...), 0)
	}
	for name, vals := range req.Header {
		for _, v := range vals {
			hdr = append(append(append(append(hdr, name...), 0), v...), 0)
		}
	}
	if len(hdr) > maxInt32 || len(req.Body) > maxInt32 {
		return nil, &CallError{Func: abi.FuncFetch, Code: abi.ErrTooLarge}
	}
	status := hostcall.Fetch(method, req.URL, unsafe.SliceData(hdr), int32(len(hdr)),
		unsafe.SliceData(req.Body), int32(len(req.Body)))
	if status < 0 {
		return nil, &CallError{Func: abi.FuncFetch, Code: status}
	}
	resp := &FetchResponse{Status: int(status), Header: Header{}}
	raw, n := c.output(false, func(buf *byte, bufLimit int32) int32 {
		return hostcall.FetchResult(abi.FetchHeaders, buf, bufLimit)
	})
	if n < 0 {
		return nil, &CallError{Func: abi.FuncFetchResult, Code: n}
	}
	for rest := string(raw); rest != ""; {
		name, after, ok1 := strings.Cut(rest, "\x00")
		value, next, ok2 := strings.Cut(after, "\x00")
		if !ok1 || !ok2 {
			break
		}
		resp.Header[name] = append(resp.Header[name], value)
		rest = next
	}
	body, n := c.output(true, func(buf *byte, bufLimit int32) int32 {
		return hostcall.FetchResult(abi.FetchBody, buf, bufLimit)
	})
	if n < 0 {
		return nil, &CallError{Func: abi.FuncFetchResult, Code: n}
	}
	resp.Body = body
	return resp, nil
}

const maxInt32 = 1<<31 - 1
