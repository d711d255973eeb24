package http1

import "github.com/wasmweb/wasmweb/netloop"

// Demo is the native Go handler the case table's expectations are
// written against, and the one a transport is checked with: GET / answers
// "Hello, world"; /echo, for any method, answers with the method, the
// request-target verbatim, a newline and the body. Anything else is 404.
func Demo() netloop.Handler {
	return netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		switch string(r.Path) {
		case "/":
			if m := string(r.Method); m != "GET" && m != "HEAD" {
				w.SetStatus(405)
				w.AddHeader("Allow", "GET, HEAD")
				return
			}
			w.AddHeader("Content-Type", "text/plain; charset=utf-8")
			w.WriteString("Hello, world")
		case "/echo":
			w.AddHeader("Content-Type", "text/plain; charset=utf-8")
			w.Write(r.Method)
			w.WriteString(" ")
			w.Write(r.Target)
			w.WriteString("\n")
			w.Write(r.Body)
		default:
			w.SetStatus(404)
			w.AddHeader("Content-Type", "text/plain; charset=utf-8")
			w.WriteString("404 page not found\n")
		}
	})
}
