package sdk_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// resource is a method set with Prepare. Prepare finishes the response
// when the request has ?stop=1.
type resource struct{}

func (resource) Prepare(c *sdk.Context) {
	c.AddHeader("X-Prepared", "yes")
	if c.QueryArgument("stop", "") == "1" {
		c.Finish()
	}
}

func (resource) Get(c *sdk.Context)    { c.WriteString("get") }
func (resource) Delete(c *sdk.Context) { c.WriteString("delete") }

// withHead has its own Head.
type withHead struct{ resource }

func (withHead) Head(c *sdk.Context) { c.SetHeader("X-Head", "own") }

type postOnly struct{}

func (*postOnly) Post(c *sdk.Context) { c.WriteString("post") }

// retained is the Context of the last test-retain request, kept past its
// handler's return.
var retained *sdk.Context

func init() {
	sdk.Handle("test-resource", resource{})
	sdk.Handle("test-with-head", withHead{})
	sdk.Handle("test-post-only", &postOnly{})
	sdk.Handle("test-func", sdk.HandlerFunc(func(c *sdk.Context) { c.WriteString(c.Method()) }))
	sdk.Handle("test-panic", func(c *sdk.Context) {
		c.WriteString("partial")
		var m map[string]int
		m["boom"]++
	})
	sdk.Handle("test-retain", func(c *sdk.Context) { retained = c })
	sdk.Handle("test-route-cache", func(c *sdk.Context) {})
	sdk.Handle("test-echo-header", func(c *sdk.Context) {
		c.SetHeader("X-Echo", c.Header("X-Echo"))
		c.Write(c.Body())
	})
}

func TestMethodDispatch(t *testing.T) {
	tests := []struct {
		name, handler, method, target string
		status                        int
		body, allow, prepared         string
	}{
		{"get", "test-resource", "GET", "/", 200, "get", "", "yes"},
		{"delete", "test-resource", "DELETE", "/", 200, "delete", "", "yes"},
		{"head falls back to get", "test-resource", "HEAD", "/", 200, "", "", "yes"},
		{"method not allowed", "test-resource", "POST", "/", 405, "", "GET, HEAD, DELETE", ""},
		{"unknown method", "test-resource", "BREW", "/", 405, "", "GET, HEAD, DELETE", ""},
		{"prepare finishes", "test-resource", "GET", "/?stop=1", 200, "", "", "yes"},
		{"own head", "test-with-head", "HEAD", "/", 200, "", "", "yes"},
		{"pointer receiver", "test-post-only", "POST", "/", 200, "post", "", ""},
		{"no head without get", "test-post-only", "HEAD", "/", 405, "", "POST", ""},
		{"options not defined", "test-post-only", "OPTIONS", "/", 405, "", "POST", ""},
		{"func serves any method", "test-func", "PATCH", "/", 200, "PATCH", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := sdktest.Serve(tc.handler, sdktest.NewRequest(tc.method, tc.target))
			if resp.Status != tc.status {
				t.Errorf("status %d, want %d (failure %q, logs %q)", resp.Status, tc.status, resp.Failure, resp.Logs)
			}
			if tc.status == 200 && string(resp.Body) != tc.body {
				t.Errorf("body %q, want %q", resp.Body, tc.body)
			}
			if got := resp.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			if got := resp.Header.Get("X-Prepared"); got != tc.prepared {
				t.Errorf("X-Prepared %q, want %q", got, tc.prepared)
			}
		})
	}
	if resp := sdktest.Serve("test-with-head", sdktest.NewRequest("HEAD", "/")); resp.Header.Get("X-Head") != "own" {
		t.Errorf("HEAD did not use Head: header %v", resp.Header)
	}
}

// TestMethodFromTheCall checks that a method the host numbers
// (wasmweb_serve's method argument) costs no host call, and that any
// other method is read from the host, once.
func TestMethodFromTheCall(t *testing.T) {
	for _, tc := range []struct {
		method string
		reads  int
	}{
		{"GET", 0}, {"HEAD", 0}, {"POST", 0}, {"PUT", 0}, {"DELETE", 0}, {"PATCH", 0}, {"OPTIONS", 0},
		{"BREW", 1}, {"get", 1},
	} {
		resp := sdktest.Serve("test-func", sdktest.NewRequest(tc.method, "/"))
		if resp.Status != 200 || (tc.method != "HEAD" && string(resp.Body) != tc.method) {
			t.Errorf("%s: %d %q, want 200 with the method", tc.method, resp.Status, resp.Body)
		}
		n := 0
		for _, c := range resp.Trace {
			if strings.HasPrefix(c, "req_get(field=0,") {
				n++
			}
		}
		if n != tc.reads {
			t.Errorf("%s: read the method from the host %d times, want %d; trace %q", tc.method, n, tc.reads, resp.Trace)
		}
	}
}

func TestPanic(t *testing.T) {
	resp := sdktest.Serve("test-panic", nil)
	if resp.Status != 500 || strings.Contains(string(resp.Body), "partial") {
		t.Errorf("got %d %q, want 500 without the partial body", resp.Status, resp.Body)
	}
	if resp.Failure != "wasmweb_serve returned -2" { // STATUS_PANICKED
		t.Errorf("failure %q", resp.Failure)
	}
	if len(resp.Logs) != 1 ||
		!strings.HasPrefix(resp.Logs[0], `error: sdk: handler "test-panic" panicked: assignment to entry in nil map`) ||
		!strings.Contains(resp.Logs[0], "handler_test.go") {
		t.Errorf("logs %q, want the panic and a stack naming handler_test.go", resp.Logs)
	}
}

func TestUnknownHandler(t *testing.T) {
	resp := sdktest.Serve("test-no-such-handler", nil)
	if resp.Status != 500 {
		t.Errorf("status %d, want 500", resp.Status)
	}
	if len(resp.Logs) != 1 || !strings.Contains(resp.Logs[0], `no handler registered as "test-no-such-handler"`) ||
		!strings.Contains(resp.Logs[0], `"hello"`) {
		t.Errorf("logs %q, want the unknown name and the registered ones", resp.Logs)
	}
}

// TestHandlerNames checks what wasmweb_handlers tells the host: every
// registered name, sorted, separated by NUL bytes.
func TestHandlerNames(t *testing.T) {
	names := strings.Split(sdk.HandlerNames(), "\x00")
	if !slices.IsSorted(names) {
		t.Errorf("names not sorted: %q", names)
	}
	for _, want := range []string{"hello", "test-panic", "test-route-cache"} {
		if !slices.Contains(names, want) {
			t.Errorf("names %q lack %q", names, want)
		}
	}
	if slices.Contains(names, "test-bad") || slices.Contains(names, "") {
		t.Errorf("names %q hold a refused or empty name", names)
	}
}

// TestRouteCache checks that the handler name of a route is read from the
// host once, on the route's first request.
func TestRouteCache(t *testing.T) {
	sdk.ForgetRoutes() // as a fresh instance: earlier tests filled the cache
	for i := range 3 {
		resp := sdktest.Serve("test-route-cache", nil)
		n := 0
		for _, c := range resp.Trace {
			if strings.HasPrefix(c, "req_get(field=8,") {
				n++
			}
		}
		want := 0
		if i == 0 {
			want = 1
		}
		if n != want {
			t.Errorf("request %d read the handler name %d times, want %d; trace %q", i, n, want, resp.Trace)
		}
	}
}

func TestHandlePanics(t *testing.T) {
	type noMethods struct{}
	tests := []struct {
		name    string
		handler string
		h       any
		want    string
	}{
		{"empty name", "", func(*sdk.Context) {}, "sdk: Handle: empty handler name"},
		{"duplicate", "hello", func(*sdk.Context) {}, `sdk: Handle: handler "hello" registered twice`},
		{"no methods", "test-bad", noMethods{}, `sdk: Handle: handler "test-bad" is neither a func(*sdk.Context) nor a value with a Get`},
		{"wrong func", "test-bad", func() {}, `"test-bad" is neither`},
		{"nil", "test-bad", nil, `"test-bad" is neither`},
		{"nil func", "test-bad", (func(*sdk.Context))(nil), `sdk: Handle: handler "test-bad" is a nil func`},
		{"NUL", "test\x00bad", func(*sdk.Context) {}, `sdk: Handle: handler name "test\x00bad" holds a NUL byte`},
		{"long name", strings.Repeat("x", 257), func(*sdk.Context) {}, "is longer than 256 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, tc.want) {
					t.Errorf("panic %v, want one containing %q", r, tc.want)
				}
			}()
			sdk.Handle(tc.handler, tc.h)
		})
	}
	if resp := sdktest.Serve("test-bad", nil); resp.Status != 500 {
		t.Errorf("a refused handler was registered: status %d", resp.Status)
	}
}

// TestNoRequestAfterReturn checks that a Context kept past its handler's
// return gets ErrNoRequest, as from the real host.
func TestNoRequestAfterReturn(t *testing.T) {
	sdktest.Serve("test-retain", nil)
	if err := retained.SetStatus(201); !errors.Is(err, sdk.ErrNoRequest) {
		t.Errorf("SetStatus after return: %v, want ErrNoRequest", err)
	}
	if m := retained.Path(); m != "" {
		t.Errorf("Path after return: %q, want empty", m)
	}
}

// TestNotUnderHost checks the message a request method panics with in a
// program where sdktest never served a request: it runs itself in a
// child process, since any earlier Serve in this one installs a host.
func TestNotUnderHost(t *testing.T) {
	if os.Getenv("SDK_TEST_NOT_UNDER_HOST") == "1" {
		defer func() {
			fmt.Println("panic:", recover())
		}()
		var c sdk.Context
		c.Method()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNotUnderHost$", "-test.v")
	cmd.Env = append(os.Environ(), "SDK_TEST_NOT_UNDER_HOST=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if want := "panic: sdk: not running under wasmweb; use sdktest"; !strings.Contains(string(out), want) {
		t.Errorf("child output %q, want %q", out, want)
	}
}

// TestConcurrentServe serves from many goroutines; run with -race. Each
// response must be its own request's.
func TestConcurrentServe(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan error, 8*50)
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				v := fmt.Sprintf("g%d-i%d", g, i)
				req := sdktest.NewRequest("POST", "/").WithHeader("X-Echo", v).WithBodyString(strings.Repeat(v, i*10))
				resp := sdktest.Serve("test-echo-header", req)
				if resp.Header.Get("X-Echo") != v || string(resp.Body) != strings.Repeat(v, i*10) {
					errs <- fmt.Errorf("request %s got header %q, body %d bytes", v, resp.Header.Get("X-Echo"), len(resp.Body))
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestTemplateRequestUnchanged(t *testing.T) {
	base := sdktest.NewRequest("GET", "/")
	base.WithHeader("Accept", "x").WithParam("id", "1")
	sdktest.Serve("test-request", base)
	if got["accept"] != "" || got["hasID"] != false {
		t.Errorf("With methods changed their receiver: %v", got)
	}
	if names := got["headerNames"].([]string); !slices.Equal(names, []string{"host"}) {
		t.Errorf("header names %q, want [host]", names)
	}
}
