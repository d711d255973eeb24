package netlooptest_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

func Example() {
	h := netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		w.WriteString("hello, " + string(r.Query))
	})
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
	c := netlooptest.Open(srv)
	c.Feed([]byte("GET /?world HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n"))

	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(c.Output())), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.Status, string(body))
	fmt.Println("closed:", c.Closed())
	// Output:
	// 200 OK hello, world
	// closed: true
}
