// Command guest is fetchtime's plugin: "fetch" fetches the site's
// variable "upstream" and answers its body; "hello" answers "Hello,
// world" without fetching, the same request's cost without the fetch.
package main

import (
	"net/http"

	"github.com/wasmweb/wasmweb/sdk"
)

func main() {}

func init() {
	sdk.Handle("fetch", func(c *sdk.Context) {
		u, _ := c.Var("upstream")
		resp, err := c.Fetch(sdk.FetchRequest{URL: u})
		if err != nil {
			c.Error(http.StatusBadGateway, err.Error())
			return
		}
		c.Write(resp.Body)
	})
	sdk.Handle("hello", func(c *sdk.Context) { c.WriteString("Hello, world") })
}
