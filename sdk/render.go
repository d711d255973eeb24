package sdk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sync"
	"unsafe"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/hostcall"
)

// Render renders the site's template name with data and appends the
// result to the body; the Content-Type becomes "text/html;
// charset=utf-8" unless set. The host renders it with Go's html/template,
// so data is escaped for where it lands. A template that fails makes the
// response a 500, and the host logs the template, line and cause. It
// returns ErrNotFound for a page the site does not have.
//
// data reaches the host as JSON. A json.RawMessage is sent as it is,
// without being scanned here: the host checks it, and JSON it cannot
// parse makes the response a 500 and Render return ErrInvalid. A handler
// that builds its JSON itself, which in Wasm is much faster than
// encoding/json's reflection, passes it so. Anything else is encoded
// with encoding/json (as json.Marshal does, except that <, > and & are
// not escaped: the host decodes the text, so the escapes would change
// nothing but its length).
func (c *Context) Render(name string, data any) error {
	if c.finished {
		return finishedErr(abi.FuncRender)
	}
	if raw, ok := data.(json.RawMessage); ok {
		return c.result(abi.FuncRender, hostcall.Render(name, unsafe.SliceData(raw), int32(len(raw))))
	}
	e := renderEncoders.Get().(*renderEncoder)
	defer e.put()
	if err := e.enc.Encode(data); err != nil {
		return fmt.Errorf("sdk: Render %s: %w", name, err)
	}
	b := bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")) // Encode ends the value with a newline
	return c.result(abi.FuncRender, hostcall.Render(name, unsafe.SliceData(b), int32(len(b))))
}

// renderEncoder is a JSON encoder and the buffer it writes to, reused by
// Render: the host is done with the data when render returns.
type renderEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var renderEncoders = sync.Pool{New: func() any {
	e := new(renderEncoder)
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}}

// maxPooledRender is the largest buffer kept for reuse, so that one huge
// page does not pin its memory.
const maxPooledRender = 1 << 20

func (e *renderEncoder) put() {
	if e.buf.Cap() <= maxPooledRender {
		e.buf.Reset()
		renderEncoders.Put(e)
	}
}
