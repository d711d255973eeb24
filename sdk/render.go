package sdk

import (
	"encoding/json"
	"fmt"
	"unsafe"

	"github.com/wasmweb/wasmweb/abi"
)

// Render renders the site's template name with data, encoded as JSON,
// and appends the result to the body; the Content-Type becomes
// "text/html; charset=utf-8" unless set. The host renders it with Go's
// html/template, so data is escaped for where it lands. A template that
// fails makes the response a 500, and the host logs the template, line
// and cause. It returns ErrNotFound for a page the site does not have.
func (c *Context) Render(name string, data any) error {
	if c.finished {
		return finishedErr(abi.FuncRender)
	}
	b, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("sdk: Render %s: %w", name, err)
	}
	return c.result(abi.FuncRender, render(name, unsafe.SliceData(b), int32(len(b))))
}
