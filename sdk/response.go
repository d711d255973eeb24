package sdk

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"unsafe"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/hostcall"
)

// The response is buffered by the host and sent when the handler returns.
// Its status defaults to 200 and its body to empty. Errors from these
// methods need no checking to be safe: when the host refuses something it
// answers 500 rather than send it. Check them to stop early.

// finishedErr is what an output method returns after Finish.
func finishedErr(fn string) error {
	return &CallError{Func: fn, Code: abi.ErrFinished}
}

// result turns the result of host function fn into an error. ERR_FINISHED
// from a head change does not finish the Context: once a streamed body's
// head has gone out the host refuses head changes but still takes writes.
func (c *Context) result(fn string, r int32) error {
	if r == abi.ErrFinished && fn == abi.FuncRespWrite {
		c.finished = true
	}
	return callErr(fn, r)
}

// status32 converts a status code for the host; one outside int32 is
// passed as -1, which every function refuses.
func status32(code int) int32 {
	if code < 0 || code > math.MaxInt32 {
		return -1
	}
	return int32(code)
}

// SetStatus sets the response status code. Codes outside 200–599 are
// refused with ErrInvalid, and the response fails with 500.
func (c *Context) SetStatus(code int) error {
	if c.finished {
		return finishedErr(abi.FuncRespSetStatus)
	}
	return c.result(abi.FuncRespSetStatus, hostcall.RespSetStatus(status32(code)))
}

// SetHeader replaces every response header named name with one whose
// value is value. A name that is not a token, a value with a control
// character other than HTAB or with surrounding whitespace, and the
// headers the host owns (Content-Length, Transfer-Encoding, Connection and
// Date) are refused with ErrInvalid, and the response fails with 500.
func (c *Context) SetHeader(name, value string) error {
	return c.respHeader(abi.HeaderSet, name, value)
}

// AddHeader adds a response header, keeping those of the same name. Its
// rules are SetHeader's.
func (c *Context) AddHeader(name, value string) error {
	return c.respHeader(abi.HeaderAdd, name, value)
}

// ClearHeader removes every response header named name.
func (c *Context) ClearHeader(name string) error {
	return c.respHeader(abi.HeaderDel, name, "")
}

func (c *Context) respHeader(op int32, name, value string) error {
	if c.finished {
		return finishedErr(abi.FuncRespHeader)
	}
	return c.result(abi.FuncRespHeader, hostcall.RespHeader(op, name, value))
}

// Write appends b to the response body. It returns ErrTooLarge, and the
// response fails with 500, past the site's cap on response bodies.
// Context implements io.Writer with it.
func (c *Context) Write(b []byte) (int, error) {
	if c.finished {
		return 0, finishedErr(abi.FuncRespWrite)
	}
	if len(b) > math.MaxInt32 {
		return 0, &CallError{Func: abi.FuncRespWrite, Code: abi.ErrTooLarge}
	}
	if err := c.result(abi.FuncRespWrite, hostcall.RespWrite(unsafe.SliceData(b), int32(len(b)))); err != nil {
		return 0, err
	}
	return len(b), nil
}

// WriteString is Write for a string, without copying it.
func (c *Context) WriteString(s string) (int, error) {
	return c.Write(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// Printf formats as fmt.Printf does and appends the result to the body.
func (c *Context) Printf(format string, args ...any) (int, error) {
	return fmt.Fprintf(c, format, args...)
}

// WriteJSON sets the Content-Type to "application/json; charset=UTF-8"
// and appends v encoded by encoding/json to the body. It refuses a value
// that encodes as a top-level array with ErrJSONArray, as Tornado does.
func (c *Context) WriteJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("sdk: WriteJSON: %w", err)
	}
	if len(b) > 0 && b[0] == '[' {
		return ErrJSONArray
	}
	if err := c.SetHeader("Content-Type", "application/json; charset=UTF-8"); err != nil {
		return err
	}
	_, err = c.Write(b)
	return err
}

// Redirect finishes the response as a redirect to url: the Location header
// is url and the body is discarded. The status is 302 unless one of 301,
// 302, 303, 307 and 308 is given. A url with control characters, spaces or
// backslashes is refused with ErrInvalid, and the response fails with 500.
func (c *Context) Redirect(url string, status ...int) error {
	if c.finished {
		return finishedErr(abi.FuncRespRedirect)
	}
	var code int32
	if len(status) > 0 {
		code = status32(status[0])
	}
	err := c.result(abi.FuncRespRedirect, hostcall.RespRedirect(url, code))
	if err == nil {
		c.finished = true
	}
	return err
}

// Error finishes the response with the host's error page for status
// (400–599), discarding the body written so far. The page shows msg, its
// parts joined by spaces, only when the site runs with debug = true.
func (c *Context) Error(status int, msg ...string) error {
	if c.finished {
		return finishedErr(abi.FuncRespError)
	}
	err := c.result(abi.FuncRespError, hostcall.RespError(status32(status), strings.Join(msg, " ")))
	if err == nil {
		c.finished = true
	}
	return err
}

// Finish ends the response as it stands: later output methods return
// ErrFinished, and a method handler does not run after a Prepare that
// calls Finish. The host sends the response when the handler returns.
// Finish returns ErrFinished if the response was already finished.
func (c *Context) Finish() error {
	if c.finished {
		return ErrFinished
	}
	c.finished = true
	return nil
}

// Finished reports whether the response is finished: by Finish, Redirect
// or Error.
func (c *Context) Finished() bool {
	return c.finished
}
