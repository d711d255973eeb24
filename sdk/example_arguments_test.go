package sdk_test

import (
	"fmt"
	"net/url"

	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

func init() {
	sdk.Handle("greet", func(c *sdk.Context) {
		greeting := c.Argument("greeting", "Hello") // a default
		name := c.Argument("name")                  // required: 400 if missing
		c.Printf("%s, %s!", greeting, name)
	})
}

func ExampleContext_Argument() {
	resp := sdktest.Serve("greet", sdktest.NewRequest("GET", "/greet?name=+Ada+"))
	fmt.Println(resp.Status, string(resp.Body))

	form := sdktest.NewRequest("POST", "/greet?greeting=Hi").
		WithForm(url.Values{"name": {"Grace"}})
	resp = sdktest.Serve("greet", form)
	fmt.Println(resp.Status, string(resp.Body))

	resp = sdktest.Serve("greet", sdktest.NewRequest("GET", "/greet"))
	fmt.Println(resp.Status, resp.ErrorMessage)
	// Output:
	// 200 Hello, Ada!
	// 200 Hi, Grace!
	// 400 Missing argument name
}
