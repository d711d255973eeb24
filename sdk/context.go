package sdk

import (
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/hostcall"
)

// A Context is one request and its response, passed to the handler that
// serves it. It is valid only until the handler returns, and it is not
// safe for concurrent use by multiple goroutines.
//
// Request values are read from the host when asked for; the method and the
// body are read once and kept.
type Context struct {
	handler  *handler
	method   string
	body     []byte
	bodyRead bool
	// finished is set once the response is finished: by Finish, by a
	// successful Redirect or Error, or when the host says ERR_FINISHED.
	finished bool

	// scratch is the first buffer of every output call; big replaces it
	// once a value did not fit, up to maxScratch.
	scratch [256]byte
	big     []byte
}

// maxScratch caps the buffer a Context keeps for later output calls;
// larger values get a buffer of their own.
const maxScratch = 64 << 10

// output runs an output host function under the (buf, buf_limit) -> len
// rule: it calls call with the Context's buffer and, when the value is
// longer, again with a buffer of the value's length. It returns the value,
// or the host's negative result with a nil slice. Unless own is set, the
// value may share the Context's buffer and is valid only until the next
// output call.
func (c *Context) output(own bool, call func(buf *byte, bufLimit int32) int32) ([]byte, int32) {
	buf, shared := c.big, true
	if buf == nil {
		buf = c.scratch[:]
	}
	for {
		n := call(unsafe.SliceData(buf), int32(len(buf)))
		if n < 0 {
			return nil, n
		}
		if int(n) <= len(buf) {
			if own && shared {
				return append([]byte(nil), buf[:n]...), n
			}
			return buf[:n], n
		}
		// The value did not fit: ask again with room for all of it (and
		// again if it has grown in between).
		buf = make([]byte, n)
		if own {
			shared = false
		} else if n <= maxScratch {
			c.big = buf
		}
	}
}

// outputString is output as a string; "" and the code on an error.
func (c *Context) outputString(call func(buf *byte, bufLimit int32) int32) (string, int32) {
	b, n := c.output(false, call)
	if n < 0 {
		return "", n
	}
	return string(b), n
}

// outputList is output for a list of NUL-terminated strings.
func (c *Context) outputList(call func(buf *byte, bufLimit int32) int32) []string {
	b, n := c.output(false, call)
	if n <= 0 {
		return nil
	}
	list := strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
	return list
}

// field returns a request field, or "" if the host has none.
func (c *Context) field(field int32) string {
	s, _ := c.outputString(func(buf *byte, bufLimit int32) int32 {
		return hostcall.ReqGet(field, buf, bufLimit)
	})
	return s
}

// Method returns the request method, such as "GET".
func (c *Context) Method() string {
	if c.method == "" {
		b, n := c.output(false, func(buf *byte, bufLimit int32) int32 {
			return hostcall.ReqGet(abi.FieldMethod, buf, bufLimit)
		})
		if n >= 0 {
			c.method = internMethod(b)
		}
	}
	return c.method
}

// internMethod returns the method in b as a string, without allocating
// for the common ones.
func internMethod(b []byte) string {
	switch string(b) {
	case "GET":
		return "GET"
	case "HEAD":
		return "HEAD"
	case "POST":
		return "POST"
	case "PUT":
		return "PUT"
	case "DELETE":
		return "DELETE"
	case "PATCH":
		return "PATCH"
	case "OPTIONS":
		return "OPTIONS"
	}
	return string(b)
}

// Target returns the request-target as the client sent it, such as
// "/p?q=1".
func (c *Context) Target() string { return c.field(abi.FieldTarget) }

// Path returns the path of the request-target, such as "/p".
func (c *Context) Path() string { return c.field(abi.FieldPath) }

// Query returns the query of the request-target without the "?", possibly
// empty.
func (c *Context) Query() string { return c.field(abi.FieldQuery) }

// Host returns the host the request is for.
func (c *Context) Host() string { return c.field(abi.FieldHost) }

// RemoteAddr returns the client's address as "ip:port".
func (c *Context) RemoteAddr() string { return c.field(abi.FieldRemoteAddr) }

// Protocol returns the request's protocol, "HTTP/1.1" or "HTTP/1.0".
func (c *Context) Protocol() string { return c.field(abi.FieldProtocol) }

// RequestID returns the id the host logs the request with.
func (c *Context) RequestID() string { return c.field(abi.FieldRequestID) }

// RoutePattern returns the pattern of the route being served, such as
// "/posts/{id}".
func (c *Context) RoutePattern() string { return c.field(abi.FieldRoutePattern) }

// Handler returns the name the handler serving the request was registered
// with.
func (c *Context) Handler() string {
	if c.handler == nil {
		return ""
	}
	return c.handler.name
}

// Body returns the request body, read from the host on the first call;
// later calls return the same slice.
func (c *Context) Body() []byte {
	if !c.bodyRead {
		c.body, _ = c.output(true, func(buf *byte, bufLimit int32) int32 {
			return hostcall.ReqGet(abi.FieldBody, buf, bufLimit)
		})
		c.bodyRead = true
	}
	return c.body
}

// Param returns the path parameter name captured by the route's pattern
// (for "/posts/{id}" and "/posts/42", "id" is "42"), percent-decoded, or ""
// if the pattern has no such parameter.
func (c *Context) Param(name string) string {
	v, _ := c.ParamOK(name)
	return v
}

// ParamOK returns the path parameter name and whether the route's pattern
// has it.
func (c *Context) ParamOK(name string) (string, bool) {
	v, n := c.outputString(func(buf *byte, bufLimit int32) int32 {
		return hostcall.ReqParam(name, buf, bufLimit)
	})
	return v, n >= 0
}

// Header returns the first value of the request header name, compared
// without regard to case, or "" if there is none.
func (c *Context) Header(name string) string {
	v, _ := c.header(name, 0)
	return v
}

// Headers returns every value of the request header name, in order.
func (c *Context) Headers(name string) []string {
	var vs []string
	for i := int32(0); ; i++ {
		v, ok := c.header(name, i)
		if !ok {
			return vs
		}
		vs = append(vs, v)
	}
}

func (c *Context) header(name string, index int32) (string, bool) {
	v, n := c.outputString(func(buf *byte, bufLimit int32) int32 {
		return hostcall.ReqHeader(name, index, buf, bufLimit)
	})
	return v, n >= 0
}

// HeaderNames returns the distinct names of the request's headers,
// lower-cased, in order of first appearance.
func (c *Context) HeaderNames() []string {
	return c.outputList(func(buf *byte, bufLimit int32) int32 {
		return hostcall.ReqHeaderNames(buf, bufLimit)
	})
}

// Arguments, as Tornado's get_argument family.

// Argument returns the last value of the argument name from the query
// string or the form body, as Tornado's get_argument: control characters
// other than whitespace become spaces and surrounding whitespace is
// stripped. If there is no such argument it returns def, the one optional
// default; without a default the request ends there with 400 "Missing
// argument NAME", the handler not running further. A value that is not
// valid UTF-8 also ends the request with 400.
func (c *Context) Argument(name string, def ...string) string {
	return c.argument(abi.ArgsAll, name, def)
}

// Arguments returns every value of the argument name, query values first,
// each cleaned as by Argument; nil if there is none.
func (c *Context) Arguments(name string) []string {
	return c.arguments(abi.ArgsAll, name)
}

// QueryArgument is Argument for the query string alone.
func (c *Context) QueryArgument(name string, def ...string) string {
	return c.argument(abi.ArgsQuery, name, def)
}

// QueryArguments is Arguments for the query string alone.
func (c *Context) QueryArguments(name string) []string {
	return c.arguments(abi.ArgsQuery, name)
}

// BodyArgument is Argument for the form body alone
// (application/x-www-form-urlencoded or multipart/form-data).
func (c *Context) BodyArgument(name string, def ...string) string {
	return c.argument(abi.ArgsBody, name, def)
}

// BodyArguments is Arguments for the form body alone.
func (c *Context) BodyArguments(name string) []string {
	return c.arguments(abi.ArgsBody, name)
}

// ArgumentNames returns the distinct names of the query and body
// arguments.
func (c *Context) ArgumentNames() []string {
	return c.outputList(func(buf *byte, bufLimit int32) int32 {
		return hostcall.ReqArgNames(abi.ArgsAll, buf, bufLimit)
	})
}

func (c *Context) argument(source int32, name string, def []string) string {
	vs := c.arguments(source, name)
	if len(vs) == 0 {
		if len(def) > 0 {
			return def[0]
		}
		panic(requestError{400, "Missing argument " + name})
	}
	return vs[len(vs)-1]
}

func (c *Context) arguments(source int32, name string) []string {
	var vs []string
	for i := int32(0); ; i++ {
		v, n := c.outputString(func(buf *byte, bufLimit int32) int32 {
			return hostcall.ReqArg(source, name, i, buf, bufLimit)
		})
		if n < 0 {
			return vs
		}
		if !utf8.ValidString(v) {
			panic(requestError{400, "Invalid unicode in argument " + name})
		}
		vs = append(vs, cleanArgument(v))
	}
}

// cleanArgument does what Tornado does to an argument's value: control
// characters other than \t, \n, \v, \f and \r become spaces, then
// surrounding whitespace goes.
func cleanArgument(v string) string {
	v = strings.Map(func(r rune) rune {
		if r <= 0x08 || (r >= 0x0e && r <= 0x1f) {
			return ' '
		}
		return r
	}, v)
	return strings.TrimSpace(v)
}

// A File is a file uploaded in a multipart/form-data body.
type File struct {
	// Filename is the file's name as the client sent it. Do not use it as
	// a path.
	Filename string
	// ContentType is the part's content type as the client sent it.
	ContentType string
	// Body is the file's contents.
	Body []byte
}

// File returns the first file uploaded in the form field name, and whether
// there is one.
func (c *Context) File(name string) (*File, bool) {
	return c.file(name, 0)
}

// Files returns every file uploaded in the form field name, in order.
func (c *Context) Files(name string) []*File {
	var fs []*File
	for i := int32(0); ; i++ {
		f, ok := c.file(name, i)
		if !ok {
			return fs
		}
		fs = append(fs, f)
	}
}

func (c *Context) file(name string, index int32) (*File, bool) {
	part := func(part int32, own bool) ([]byte, bool) {
		b, n := c.output(own, func(buf *byte, bufLimit int32) int32 {
			return hostcall.ReqFile(name, index, part, buf, bufLimit)
		})
		return b, n >= 0
	}
	filename, ok := part(abi.FileName, false)
	if !ok {
		return nil, false
	}
	f := &File{Filename: string(filename)}
	ctype, _ := part(abi.FileType, false)
	f.ContentType = string(ctype)
	f.Body, _ = part(abi.FileBody, true)
	return f, true
}
