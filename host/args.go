package host

import (
	"github.com/wasmweb/wasmweb/internal/form"
	"github.com/wasmweb/wasmweb/netloop"
)

// arguments returns the call's Tornado-style arguments, parsed on first
// use.
func (c *call) arguments() *form.Arguments {
	if c.args == nil {
		c.args = parseArguments(c.req)
	}
	return c.args
}

// parseArguments parses a request's query and form body.
func parseArguments(r *netloop.Request) *form.Arguments {
	return form.Parse(string(r.Query), string(r.Header("Content-Type")), r.Body)
}
