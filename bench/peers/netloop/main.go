// Command netloop is wasmweb's HTTP/1.1 core (package netloop) with a native
// Go hello handler and no WebAssembly: it answers GET / with 200
// "Hello, world", like conformance/http1.Demo. It measures the core and its
// transports apart from the plugin host that `wasmweb serve` puts in front of
// every route.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"

	"github.com/wasmweb/wasmweb/netloop"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8083", "address to listen on")
	transport := flag.String("transport", "netpoll", "netloop transport: netpoll or std")
	flag.Parse()

	tr, err := netloop.NewTransport(*transport)
	if err != nil {
		log.Fatal(err)
	}
	h := netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		if string(r.Path) != "/" {
			w.SetStatus(404)
			return
		}
		w.AddHeader("Content-Type", "text/plain; charset=utf-8")
		w.WriteString("Hello, world")
	})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("netloop (%s) listening on %s\n", tr.Name(), ln.Addr())
	log.Fatal(netloop.NewServer(netloop.Config{}, h, tr).Serve(ln))
}
