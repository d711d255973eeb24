package host

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/templates"
)

func render(ctx context.Context, mod api.Module, stack []uint64) {
	name := string(read(mod, arg(stack, 0), arg(stack, 1)))
	raw := read(mod, arg(stack, 2), arg(stack, 3))
	c := mustCall(ctx, stack)
	switch {
	case c == nil:
		return
	case c.finished || c.w.Sent():
		ret(stack, abi.ErrFinished)
		return
	case c.site.templates == nil:
		ret(stack, abi.ErrNotFound)
		return
	}
	var data any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &data); err != nil {
			c.fail("render " + name + ": data is not JSON: " + err.Error())
			ret(stack, abi.ErrInvalid)
			return
		}
	}
	if m, ok := data.(map[string]any); ok && c.site.xsrf {
		if _, taken := m["_xsrf"]; !taken {
			m["_xsrf"] = c.xsrfToken() // for {{xsrf_form_html $}}
		}
	}
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer putRenderBuffer(buf)
	err := c.site.templates.RenderLocaleTo(buf, c.locale().Code(), name, data)
	out := buf.Bytes()
	switch {
	case errors.Is(err, templates.ErrNotFound):
		ret(stack, abi.ErrNotFound)
		return
	case err != nil:
		c.fail(err.Error()) // names the template, line and cause
		ret(stack, abi.ErrInvalid)
		return
	case c.written+int64(len(out)) > int64(c.site.limits.MaxResponseBytes):
		c.fail("response body over max_response_bytes")
		ret(stack, abi.ErrTooLarge)
		return
	}
	if _, ok := c.w.HeaderValue("Content-Type"); !ok {
		c.w.SetHeader("Content-Type", "text/html; charset=utf-8")
	}
	c.written += int64(len(out))
	c.w.Write(out)
	ret(stack, 0)
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
