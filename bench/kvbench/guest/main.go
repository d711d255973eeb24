// Command guest is the key-value benchmark's plugin: GET /get/{n} answers
// the value of key k/{n}, POST /set/{n} stores the request's body under
// it.
package main

import (
	"errors"

	"github.com/wasmweb/wasmweb/sdk"
)

func main() {}

func init() {
	sdk.Handle("get", func(c *sdk.Context) {
		e, err := c.KV().Get("k/" + c.Param("n"))
		switch {
		case errors.Is(err, sdk.ErrNotFound):
			c.Error(404)
		case err != nil:
			c.Error(503, err.Error())
		default:
			c.Write(e.Value)
		}
	})
	sdk.Handle("set", func(c *sdk.Context) {
		if _, err := c.KV().Set("k/"+c.Param("n"), c.Body()); err != nil {
			c.Error(503, err.Error())
		}
	})
}
