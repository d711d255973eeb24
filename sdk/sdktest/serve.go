// Package sdktest runs wasmweb handlers natively, under plain go test,
// against a fake host that keeps the ABI's rules.
//
// Serve runs a handler registered with sdk.Handle through the same
// dispatch code as the plugin's wasmweb_handle export, so Prepare, 405s,
// missing arguments and panics behave as they do under the real host. The
// fake host refuses what the real one refuses (header names that are not
// tokens, values with CR, LF or NUL, the headers the host owns, statuses
// out of range) and answers 500 for it, so tests catch those mistakes.
//
//	func TestHello(t *testing.T) {
//		resp := sdktest.Serve("hello", sdktest.NewRequest("GET", "/"))
//		if resp.Status != 200 || string(resp.Body) != "Hello, world" {
//			t.Errorf("got %d %q", resp.Status, resp.Body)
//		}
//	}
//
// Requests are served one at a time, as a plugin instance serves them, so
// parallel tests wait for each other inside Serve.
package sdktest

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/internal/hostcall"

	// The sdk registers its wasmweb_handle with hostcall when linked in.
	_ "github.com/wasmweb/wasmweb/sdk"
)

// A Response is what the client of a request served by Serve would get,
// and what the host saw on the way.
type Response struct {
	// Status is the status code.
	Status int
	// Header holds the response headers the guest set, and those the host
	// adds for a redirect (Location) or an error page (Content-Type), but
	// not those it adds on the wire, such as Content-Length and Date.
	Header http.Header
	// Body is the body as sent: empty for HEAD, after a redirect, and the
	// host's page after an error.
	Body []byte
	// Location is the URL of a redirect made with Redirect; empty
	// otherwise.
	Location string
	// ErrorMessage is the message of the error finished with Error,
	// including "Missing argument NAME"; the host shows it only on sites
	// that run with debug = true.
	ErrorMessage string
	// Failure says why the host answered 500 instead of the guest's
	// response: a refused status, header or redirect, a body past the
	// cap, or wasmweb_handle returning failure (after a panic, for
	// example). Empty when the response is the guest's.
	Failure string
	// Logs holds the lines the guest logged, as "LEVEL: message" with
	// LEVEL one of debug, info, warn and error.
	Logs []string
	// Trace holds the host calls the guest made, in order, one line each,
	// such as `req_get(field=0, buf_limit=256) = 3`.
	Trace []string
}

var (
	mu        sync.Mutex
	routeIDs  = map[string]int32{}
	requestNo int
)

// route returns the route id of handler: a fixed number per name, as the
// host numbers a plugin's routes, and a new request id.
func route(handler string) (int32, string) {
	mu.Lock()
	defer mu.Unlock()
	id, ok := routeIDs[handler]
	if !ok {
		id = int32(len(routeIDs) + 1)
		routeIDs[handler] = id
	}
	requestNo++
	return id, fmt.Sprintf("sdktest-%d", requestNo)
}

// Serve serves req with the handler registered as handler and returns the
// response. A nil req is NewRequest("GET", "/").
func Serve(handler string, req *Request) *Response {
	if req == nil {
		req = NewRequest("GET", "/")
	}
	id, requestID := route(handler)
	h := newFakeHost(handler, requestID, req)
	result := hostcall.Serve(h, noRequest{}, id)
	if result != abi.StatusDone && h.failure == "" {
		h.failure = fmt.Sprintf("%s returned %d", abi.ExportHandle, result)
	}
	if h.failure != "" {
		h.respHeader = http.Header{}
		h.location, h.errorMessage = "", ""
		h.errorPage(http.StatusInternalServerError)
	}
	if req.method == http.MethodHead {
		h.respBody = nil
	}
	return &Response{
		Status:       h.status,
		Header:       h.respHeader,
		Body:         h.respBody,
		Location:     h.location,
		ErrorMessage: h.errorMessage,
		Failure:      h.failure,
		Logs:         h.logs,
		Trace:        h.trace,
	}
}
