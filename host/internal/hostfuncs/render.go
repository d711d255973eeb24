package hostfuncs

import (
	"bytes"
	"errors"
	"sync"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/pagedata"
	"github.com/wasmweb/wasmweb/host/templates"
)

// render is the template function (abi/ABI.md section 7.5).
func render(c *Call, name string, raw []byte) int32 {
	switch {
	case c.done():
		return abi.ErrFinished
	case c.site.Templates == nil:
		return abi.ErrNotFound
	}
	var data any
	if len(raw) > 0 {
		var err error
		if data, err = pagedata.Decode(raw); err != nil {
			c.fail("render " + name + ": data is not JSON: " + err.Error())
			return abi.ErrInvalid
		}
	}
	if m, ok := data.(map[string]any); ok && c.site.XSRF {
		if _, taken := m["_xsrf"]; !taken {
			m["_xsrf"] = c.xsrfToken() // for {{xsrf_form_html $}}
		}
	}
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer putRenderBuffer(buf)
	err := c.site.Templates.RenderLocaleTo(buf, c.locale().Code(), name, templates.JSON{V: data})
	out := buf.Bytes()
	switch {
	case errors.Is(err, templates.ErrNotFound):
		return abi.ErrNotFound
	case err != nil:
		c.fail(err.Error()) // names the template, line and cause
		return abi.ErrInvalid
	case c.written+int64(len(out)) > c.site.MaxResponseBytes:
		c.fail(ReasonResponseTooLarge)
		return abi.ErrTooLarge
	}
	if _, ok := c.w.HeaderValue("Content-Type"); !ok {
		c.w.SetHeader("Content-Type", "text/html; charset=utf-8")
	}
	c.written += int64(len(out))
	c.w.Write(out)
	return 0
}

// renderBuffers hold pages while they are rendered, before they are
// copied into the response: html/template writes in small pieces, and a
// fresh buffer would grow through every size up to the page's.
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledPage is the largest buffer kept for reuse, so that one huge
// page does not pin its memory.
const maxPooledPage = 1 << 20

func putRenderBuffer(b *bytes.Buffer) {
	if b.Cap() <= maxPooledPage {
		b.Reset()
		renderBuffers.Put(b)
	}
}
