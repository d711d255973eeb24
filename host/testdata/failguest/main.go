// Command failguest is a test plugin whose handlers fail in each way a
// guest call can fail, for the host's reports of failures: "ok"
// answers, "panic" panics in its handler (the SDK recovers it), "alloc"
// allocates until the Go runtime runs out of memory, "crash" panics on
// another goroutine (the runtime exits), "loop" runs until its deadline,
// "spew" writes megabytes to stderr before it panics, "deep" panics
// under a deep stack, and "chatty" logs and writes a few lines and
// answers.
package main

import (
	"os"
	"strings"

	"github.com/wasmweb/wasmweb/sdk"
)

func main() {}

var sink [][]byte

func init() {
	sdk.Handle("ok", func(c *sdk.Context) { c.Write([]byte("ok")) })
	sdk.Handle("panic", func(c *sdk.Context) {
		c.Write([]byte("partial"))
		os.Stderr.WriteString("before the panic\n")
		panic("failguest: deliberate")
	})
	sdk.Handle("alloc", func(c *sdk.Context) {
		for {
			sink = append(sink, make([]byte, 1<<20))
		}
	})
	sdk.Handle("crash", func(c *sdk.Context) {
		done := make(chan struct{})
		go func() {
			defer close(done)
			panic("failguest: crash on a goroutine")
		}()
		<-done
	})
	sdk.Handle("loop", func(c *sdk.Context) {
		for i := 0; ; i++ {
			if i < 0 {
				c.Write(nil)
			}
		}
	})
	sdk.Handle("spew", func(c *sdk.Context) {
		line := strings.Repeat("x", 1000) + "\n"
		for range 4000 {
			os.Stderr.WriteString(line)
		}
		panic("failguest: after the flood")
	})
	sdk.Handle("deep", func(c *sdk.Context) { deep(200) })
	sdk.Handle("chatty", func(c *sdk.Context) {
		c.Infof("failguest: a log line")
		os.Stdout.WriteString("failguest: an output line\n")
		c.Write([]byte("chatty"))
	})
}

func deep(n int) {
	if n == 0 {
		panic("failguest: deep down")
	}
	deep(n - 1)
}
