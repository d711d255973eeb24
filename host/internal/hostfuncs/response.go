package hostfuncs

import (
	"strconv"
	"strings"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/errorpage"
	"github.com/wasmweb/wasmweb/netloop"
)

// The response functions (abi/ABI.md section 7.3).

func respSetStatus(c *Call, code int32) int32 {
	switch {
	case c.done():
		return abi.ErrFinished
	case code < 200 || code > 599:
		c.fail("status " + strconv.Itoa(int(code)) + " out of range")
		return abi.ErrInvalid
	}
	c.w.SetStatus(int(code))
	return 0
}

// respHeader works on views of guest memory: netloop copies the name and
// value into the response, and the messages of failures copy them too.
func respHeader(c *Call, op int32, name, value []byte) int32 {
	if c.done() {
		return abi.ErrFinished
	}
	n, v := view(name), view(value)
	if !netloop.ValidHeaderName(n) {
		c.fail("invalid response header name " + strconv.Quote(n))
		return abi.ErrInvalid
	}
	var err error
	switch op {
	case abi.HeaderSet, abi.HeaderAdd:
		if strings.EqualFold(n, "Set-Cookie") {
			if err := c.cookieScope().CheckHeader(string(value)); err != nil {
				c.fail(abi.FuncRespHeader + ": " + err.Error())
				return abi.ErrInvalid
			}
		}
		if fields, size := c.w.HeaderFields(); fields >= abi.MaxResponseHeaders || size+len(n)+len(v)+4 > abi.MaxResponseHeaderBytes {
			c.fail("too many response headers")
			return abi.ErrTooLarge
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
		return abi.ErrInvalid
	}
	if err != nil {
		c.fail("invalid response header " + strconv.Quote(n) + ": " + strconv.Quote(v))
		return abi.ErrInvalid
	}
	return 0
}

// respWrite appends to a body whose head may have gone out already (a
// streamed body), so only a finished response refuses it.
func respWrite(c *Call, b []byte) int32 {
	switch {
	case c.finished:
		return abi.ErrFinished
	case c.written+int64(len(b)) > c.site.MaxResponseBytes:
		c.fail(ReasonResponseTooLarge)
		return abi.ErrTooLarge
	}
	c.written += int64(len(b))
	c.w.Write(b)
	return 0
}

func respRedirect(c *Call, url string, status int32) int32 {
	if c.done() {
		return abi.ErrFinished
	}
	if status == 0 {
		status = 302
	}
	switch status {
	case 301, 302, 303, 307, 308:
	default:
		c.fail("redirect status " + strconv.Itoa(int(status)))
		return abi.ErrInvalid
	}
	if url == "" || strings.ContainsAny(url, " \t\\") || !netloop.ValidHeaderValue(url) {
		c.fail("invalid redirect URL " + strconv.Quote(url))
		return abi.ErrInvalid
	}
	c.w.ResetBody()
	c.w.SetStatus(int(status))
	c.w.SetHeader("Location", url)
	c.finished = true
	return 0
}

func respError(c *Call, status int32, msg string) int32 {
	if c.done() {
		return abi.ErrFinished
	}
	if status < 400 || status > 599 {
		c.fail("error status " + strconv.Itoa(int(status)))
		return abi.ErrInvalid
	}
	if !c.site.Debug {
		msg = ""
	}
	c.w.ResetBody()
	errorpage.WriteBody(c.w, int(status), msg)
	c.finished = true
	return 0
}
