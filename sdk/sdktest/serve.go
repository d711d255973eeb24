// Package sdktest runs wasmweb handlers natively, under plain go test,
// against a fake host that keeps the ABI's rules.
//
// Serve runs a handler registered with sdk.Handle through the same
// dispatch code as the plugin's wasmweb_serve export, so Prepare, 405s,
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
//
// # Publish and wait
//
// The fake host has a pub/sub backend, a Broker, and Serve uses
// DefaultBroker; call Reset at the start of a test that publishes or
// waits, or give the test a broker of its own with NewBroker. A handler
// whose Wait finds nothing newer parks its request: Serve returns a
// Response with Parked set and no status, header or body. The test then
// does what would wake it and resumes it:
//
//	sdktest.Reset()
//	updates := sdktest.Serve("updates", sdktest.NewRequest("POST", "/updates"))
//	// updates.Parked is true: the topic is empty.
//	sdktest.Serve("new", sdktest.NewRequest("POST", "/new").WithForm(url.Values{"body": {"hi"}}))
//	resp := updates.Resume() // the handler runs again; Wait returns "hi"
//
// Timeout runs a parked request again as if its wait had timed out.
//
// # What the fake leaves out
//
// The fake renders no templates: Render records the page's name and data
// in Response.Rendered. It checks no XSRF token (the host does, before
// the handler runs), does not lock an account after failed sign-ins,
// knows no Public Suffix List (a domain's last label stands for its
// public suffix), and writes dates and numbers with internal/locale's
// Basic rather than CLDR's data.
package sdktest

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/internal/native"

	// The sdk registers its wasmweb_serve with package native when linked in.
	_ "github.com/wasmweb/wasmweb/sdk"
)

// Rendered is one call of Context.Render: the template and its JSON data.
type Rendered struct {
	Name string
	Data []byte
}

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

	// Rendered lists the templates the handler rendered, in order. The
	// fake has no templates: it records the calls and appends nothing.
	Rendered []Rendered

	// Shared reports that the handler called ShareResponse after its Wait
	// returned messages: the host may give a copy of this response to
	// other waiters woken by the same messages.
	Shared bool

	// Parked reports that the handler's Wait found nothing newer and the
	// host parked the request. A parked response is no response yet:
	// Status is 0, Header is empty and Body nil, what the handler wrote
	// being discarded; Logs and Trace are the run's. Resume and Timeout
	// run the request again as the host does later.
	Parked bool
	// WaitCall is the Wait that parked the request; zero unless Parked.
	WaitCall WaitCall

	// park is set when Parked.
	park *parkedRequest
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
// response, publishing to and waiting on DefaultBroker. A nil req is
// NewRequest("GET", "/").
func Serve(handler string, req *Request) *Response {
	return defaultBroker.Serve(handler, req)
}

// Serve serves req with the handler registered as handler and returns the
// response, publishing to and waiting on b. A nil req is
// NewRequest("GET", "/"). If the handler's Wait parks the request, the
// response is Parked; see Response.Resume.
func (b *Broker) Serve(handler string, req *Request) *Response {
	if req == nil {
		req = NewRequest("GET", "/")
	}
	return b.serve(handler, req, false)
}

// serve serves req; timedOut makes its wait return 0, as after a wait
// that timed out.
func (b *Broker) serve(handler string, req *Request, timedOut bool) *Response {
	id, requestID := route(handler)
	h := newFakeHost(b, handler, requestID, req)
	h.timedOut = timedOut
	result := native.Serve(h, noRequest{}, id, abi.MethodNumber(req.method))
	if h.parked != nil {
		if result == abi.StatusWait && h.failure == "" {
			return &Response{
				Header:   http.Header{},
				Logs:     h.logs,
				Trace:    h.trace,
				Parked:   true,
				WaitCall: WaitCall{h.parked.topic, h.parked.cursor, time.Duration(h.parked.timeoutMS) * time.Millisecond},
				park:     &parkedRequest{broker: b, handler: handler, req: req, gen: h.parkGen},
			}
		}
		// Answered after all, or failed: not parked, whatever wait
		// returned.
		b.unpark(h.parkGen)
	}
	if result == abi.StatusWait && h.parked == nil && h.failure == "" {
		h.failure = fmt.Sprintf("%s returned STATUS_WAIT (%d) without a wait that parked", abi.ExportServe, result)
	}
	if result != abi.StatusDone && h.failure == "" {
		h.failure = fmt.Sprintf("%s returned %d", abi.ExportServe, result)
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
		Rendered:     h.rendered,
		Shared:       h.shared,
	}
}

// A WaitCall is the arguments of the Wait that parked a request.
type WaitCall struct {
	Topic  string
	Cursor int64
	// Timeout is the timeout the guest passed, in whole milliseconds; 0
	// means the site's max_wait.
	Timeout time.Duration
}

// parkedRequest is what the host keeps of a parked request.
type parkedRequest struct {
	broker  *Broker
	handler string
	req     *Request
	gen     int
	done    atomic.Bool
}

// Resume runs a parked request again, as the host does when a message is
// published to the topic it waits on: the handler runs from the start
// with the same request, and its Wait returns the messages newer than its
// cursor, so the test publishes first (with another handler or
// Broker.Publish) and resumes after. If there is still nothing newer, the
// wait parks again and so does the returned response, which can be
// resumed in turn. A parked response can be resumed, or timed out, once;
// Resume panics if r is not parked or was resumed already.
func (r *Response) Resume() *Response {
	return r.rerun("Resume", false)
}

// Timeout runs a parked request again as the host does when its wait
// times out: the handler runs from the start with the same request and
// its Wait returns no messages (nil, nil), whatever was published. It
// panics as Resume does.
func (r *Response) Timeout() *Response {
	return r.rerun("Timeout", true)
}

func (r *Response) rerun(method string, timedOut bool) *Response {
	p := r.park
	if p == nil {
		panic("sdktest: " + method + " of a response that is not parked")
	}
	if p.done.Swap(true) {
		panic("sdktest: " + method + " of a parked response already resumed")
	}
	p.broker.unpark(p.gen)
	return p.broker.serve(p.handler, p.req, timedOut)
}
