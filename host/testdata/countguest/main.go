// Command countguest is a test plugin for instance isolation: its
// "count" handler adds one to a package variable and to a heap-held
// map, and answers with both, so a test sees whether a request finds
// what an earlier one left in the instance.
package main

import (
	"strconv"

	"github.com/wasmweb/wasmweb/sdk"
)

func main() {}

var (
	calls int
	seen  = map[string]int{}
)

func init() {
	sdk.Handle("count", count{})
}

type count struct{}

func (count) Get(c *sdk.Context) {
	calls++
	seen[c.Argument("k", "k")]++
	c.WriteString(strconv.Itoa(calls) + " " + strconv.Itoa(seen[c.Argument("k", "k")]))
}
