package sdk_test

import (
	"fmt"
	"net/http"

	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// Article serves the methods it has methods for.
type Article struct{}

// Prepare runs before Get and Post; finishing the response skips them.
func (Article) Prepare(c *sdk.Context) {
	if c.Header("Authorization") == "" {
		c.Error(http.StatusUnauthorized, "log in first")
	}
}

func (Article) Get(c *sdk.Context) {
	c.Printf("article %s\n", c.Param("id"))
}

func (Article) Post(c *sdk.Context) {
	c.Redirect("/articles/"+c.Param("id"), http.StatusSeeOther)
}

func init() {
	sdk.Handle("article", Article{})
}

func Example_methodSet() {
	req := sdktest.NewRequest("GET", "/articles/7").
		WithParam("id", "7").
		WithHeader("Authorization", "Bearer x")

	resp := sdktest.Serve("article", req)
	fmt.Print(resp.Status, " ", string(resp.Body))

	resp = sdktest.Serve("article", sdktest.NewRequest("POST", "/articles/7").WithParam("id", "7"))
	fmt.Println(resp.Status, resp.ErrorMessage)

	resp = sdktest.Serve("article", sdktest.NewRequest("DELETE", "/articles/7"))
	fmt.Println(resp.Status, resp.Header.Get("Allow"))
	// Output:
	// 200 article 7
	// 401 log in first
	// 405 GET, HEAD, POST
}
