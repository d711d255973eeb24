package sdk_test

import (
	"errors"
	"fmt"

	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

func init() {
	sdk.Handle("status", func(c *sdk.Context) {
		// A top-level array is refused: wrap lists in an object.
		if err := c.WriteJSON([]string{"a", "b"}); errors.Is(err, sdk.ErrJSONArray) {
			c.WriteJSON(map[string]any{"items": []string{"a", "b"}, "ok": true})
		}
	})
}

func ExampleContext_WriteJSON() {
	resp := sdktest.Serve("status", nil)
	fmt.Println(resp.Header.Get("Content-Type"))
	fmt.Println(string(resp.Body))
	// Output:
	// application/json; charset=UTF-8
	// {"items":["a","b"],"ok":true}
}
