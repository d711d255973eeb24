// Command nethttp is the Go net/http peer for the benchmark: it answers every
// request with 200 "Hello, world".
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8081", "address to listen on")
	flag.Parse()

	body := []byte("Hello, world")
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(body)
	})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("nethttp listening on %s\n", ln.Addr())
	log.Fatal(http.Serve(ln, h))
}
