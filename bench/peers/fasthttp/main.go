// Command fasthttp is the valyala/fasthttp peer for the benchmark: it answers
// every request with 200 "Hello, world".
package main

import (
	"flag"
	"fmt"
	"log"
	"net"

	"github.com/valyala/fasthttp"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8082", "address to listen on")
	flag.Parse()

	body := []byte("Hello, world")
	h := func(ctx *fasthttp.RequestCtx) {
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetBody(body)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("fasthttp listening on %s\n", ln.Addr())
	s := &fasthttp.Server{Handler: h, Name: "fasthttp"}
	log.Fatal(s.Serve(ln))
}
