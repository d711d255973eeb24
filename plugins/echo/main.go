// Command echo is a wasmweb plugin with one handler, "echo", which answers
// any method with the method, a space, the request-target verbatim, a
// newline and the request body verbatim.
package main

import "github.com/wasmweb/wasmweb/sdk"

func main() {}

func init() {
	sdk.Handle("echo", echo)
}

// echo serves every method.
func echo(c *sdk.Context) {
	c.SetHeader("Content-Type", "text/plain; charset=utf-8")
	c.WriteString(c.Method() + " " + c.Target() + "\n")
	c.Write(c.Body())
}
