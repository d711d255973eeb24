package sdk_test

import (
	"fmt"

	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// A plugin registers its handlers from init; in a plugin this file would
// be package main with an empty func main.
func init() {
	sdk.Handle("hello", func(c *sdk.Context) {
		c.SetHeader("Content-Type", "text/plain; charset=utf-8")
		c.WriteString("Hello, world")
	})
}

func Example() {
	resp := sdktest.Serve("hello", sdktest.NewRequest("GET", "/"))
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	fmt.Println(string(resp.Body))
	// Output:
	// 200 text/plain; charset=utf-8
	// Hello, world
}
