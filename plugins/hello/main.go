// Command hello is a wasmweb plugin with one handler, "hello", which
// answers GET and HEAD with "Hello, world".
package main

import "github.com/wasmweb/wasmweb/sdk"

func main() {}

func init() {
	sdk.Handle("hello", hello{})
}

// hello has Get only: HEAD uses it too (the host drops the body) and other
// methods get 405 with "Allow: GET, HEAD".
type hello struct{}

// Get answers with a plain-text greeting.
func (hello) Get(c *sdk.Context) {
	c.SetHeader("Content-Type", "text/plain; charset=utf-8")
	c.WriteString("Hello, world")
}
