package sdk_test

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// got is where the test handlers below leave what they read, for the test
// to check; Serve runs one request at a time.
var got map[string]any

func init() {
	sdk.Handle("test-request", func(c *sdk.Context) {
		id, hasID := c.ParamOK("id")
		_, hasNone := c.ParamOK("none")
		got = map[string]any{
			"method":      c.Method(),
			"target":      c.Target(),
			"path":        c.Path(),
			"query":       c.Query(),
			"host":        c.Host(),
			"remote":      c.RemoteAddr(),
			"protocol":    c.Protocol(),
			"handler":     c.Handler(),
			"pattern":     c.RoutePattern(),
			"id":          id,
			"hasID":       hasID,
			"hasNone":     hasNone,
			"param":       c.Param("none"),
			"accept":      c.Header("ACCEPT"),
			"accepts":     c.Headers("accept"),
			"missing":     c.Header("X-Missing"),
			"headerNames": c.HeaderNames(),
			"body":        string(c.Body()),
			"sameBody":    len(c.Body()) == 0 || &c.Body()[0] == &c.Body()[0],
			"requestID":   c.RequestID(),
		}
	})
	sdk.Handle("test-arguments", func(c *sdk.Context) {
		got = map[string]any{
			"a":          c.Argument("a"),
			"as":         c.Arguments("a"),
			"queryA":     c.QueryArgument("a"),
			"queryAs":    c.QueryArguments("a"),
			"bodyA":      c.BodyArgument("a", "none"),
			"bodyAs":     c.BodyArguments("a"),
			"def":        c.Argument("missing", "default "),
			"missingAll": c.Arguments("missing"),
			"names":      c.ArgumentNames(),
			"control":    c.Argument("ctl", ""),
		}
	})
	sdk.Handle("test-required", func(c *sdk.Context) {
		c.WriteString("before ")
		c.Argument("required")
		c.WriteString("after") // not reached
	})
	sdk.Handle("test-files", func(c *sdk.Context) {
		f, ok := c.File("upload")
		_, none := c.File("none")
		var files []sdk.File
		for _, f := range c.Files("upload") {
			files = append(files, *f)
		}
		got = map[string]any{"ok": ok, "none": none, "files": files, "field": c.Argument("field")}
		if ok {
			got["first"] = *f
		}
	})
}

func TestRequestFields(t *testing.T) {
	req := sdktest.NewRequest("POST", "/posts/42?x=1&y").
		WithHeader("Accept", "text/html").
		WithHeader("accept", "application/json").
		WithHeader("Host", "wasmweb.example").
		WithBodyString("the body").
		WithParam("id", "42").
		WithRemoteAddr("198.51.100.7:5555").
		WithRoutePattern("/posts/{id}")
	resp := sdktest.Serve("test-request", req)
	if resp.Status != 200 || resp.Failure != "" {
		t.Fatalf("status %d, failure %q", resp.Status, resp.Failure)
	}
	want := map[string]any{
		"method":      "POST",
		"target":      "/posts/42?x=1&y",
		"path":        "/posts/42",
		"query":       "x=1&y",
		"host":        "wasmweb.example",
		"remote":      "198.51.100.7:5555",
		"protocol":    "HTTP/1.1",
		"handler":     "test-request",
		"pattern":     "/posts/{id}",
		"id":          "42",
		"hasID":       true,
		"hasNone":     false,
		"param":       "",
		"accept":      "text/html",
		"accepts":     []string{"text/html", "application/json"},
		"missing":     "",
		"headerNames": []string{"accept", "host", "content-length"},
		"body":        "the body",
		"sameBody":    true,
	}
	if !strings.HasPrefix(got["requestID"].(string), "sdktest-") {
		t.Errorf("RequestID() = %q, want sdktest-N", got["requestID"])
	}
	delete(got, "requestID")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func TestArguments(t *testing.T) {
	req := sdktest.NewRequest("POST", "/?a=q1&a=+q2+&ctl=%01x%1F&plus=a+b").
		WithForm(url.Values{"a": {"b1", "b2"}, "z": {""}})
	resp := sdktest.Serve("test-arguments", req)
	if resp.Status != 200 {
		t.Fatalf("status %d, failure %q, logs %q", resp.Status, resp.Failure, resp.Logs)
	}
	want := map[string]any{
		"a":          "b2",
		"as":         []string{"q1", "q2", "b1", "b2"},
		"queryA":     "q2",
		"queryAs":    []string{"q1", "q2"},
		"bodyA":      "b2",
		"bodyAs":     []string{"b1", "b2"},
		"def":        "default ",
		"missingAll": []string(nil),
		"names":      []string{"a", "ctl", "plus", "z"},
		"control":    "x",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func TestMissingArgument(t *testing.T) {
	resp := sdktest.Serve("test-required", sdktest.NewRequest("GET", "/"))
	if resp.Status != 400 || resp.ErrorMessage != "Missing argument required" {
		t.Errorf("got %d %q, want 400 %q", resp.Status, resp.ErrorMessage, "Missing argument required")
	}
	if strings.Contains(string(resp.Body), "before") {
		t.Errorf("body %q keeps what was written before the error", resp.Body)
	}
	if resp.Failure != "" || len(resp.Logs) != 0 {
		t.Errorf("failure %q, logs %q; a missing argument is no guest failure", resp.Failure, resp.Logs)
	}
}

func TestInvalidUnicodeArgument(t *testing.T) {
	resp := sdktest.Serve("test-required", sdktest.NewRequest("GET", "/?required=%FF"))
	if resp.Status != 400 || resp.ErrorMessage != "Invalid unicode in argument required" {
		t.Errorf("got %d %q", resp.Status, resp.ErrorMessage)
	}
}

func TestFiles(t *testing.T) {
	req := sdktest.NewRequest("POST", "/upload").
		WithForm(url.Values{"field": {"value"}}).
		WithFile("upload", "a.txt", "text/plain", []byte("first")).
		WithFile("upload", `../dir/b "2".bin`, "", []byte(strings.Repeat("x", 1000)))
	resp := sdktest.Serve("test-files", req)
	if resp.Status != 200 {
		t.Fatalf("status %d, failure %q", resp.Status, resp.Failure)
	}
	want := map[string]any{
		"ok":    true,
		"none":  false,
		"field": "value",
		"first": sdk.File{Filename: "a.txt", ContentType: "text/plain", Body: []byte("first")},
		"files": []sdk.File{
			{Filename: "a.txt", ContentType: "text/plain", Body: []byte("first")},
			// The host keeps a file name's base name, and passes on a
			// missing content type as empty.
			{Filename: `b "2".bin`, ContentType: "", Body: []byte(strings.Repeat("x", 1000))},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

// TestOutputProtocol checks the (buf, buf_limit) -> len rule from the
// guest's side: a value longer than the buffer is asked for again with
// room for all of it, and the larger buffer is kept for the next call and
// the next request.
func TestOutputProtocol(t *testing.T) {
	long := strings.Repeat("v", 300)
	req := sdktest.NewRequest("GET", "/").WithHeader("Accept", long).WithHeader("Accept", "short")
	headerCalls := func(resp *sdktest.Response) []string {
		t.Helper()
		if got["accept"] != long {
			t.Fatalf("Header = %d bytes, want %d", len(got["accept"].(string)), len(long))
		}
		var calls []string
		for _, c := range resp.Trace {
			if strings.HasPrefix(c, `req_header(name="ACCEPT"`) || strings.HasPrefix(c, `req_header(name="accept"`) {
				calls = append(calls, c)
			}
		}
		return calls
	}
	kept := []string{
		`req_header(name="ACCEPT", index=0, buf_limit=300) = 300`,
		`req_header(name="accept", index=0, buf_limit=300) = 300`,
		`req_header(name="accept", index=1, buf_limit=300) = 5`,
		`req_header(name="accept", index=2, buf_limit=300) = -1`,
	}
	// Earlier tests may have grown the buffer: start as a fresh instance.
	sdk.ForgetScratch()
	first := append([]string{`req_header(name="ACCEPT", index=0, buf_limit=256) = 300`}, kept...)
	if calls := headerCalls(sdktest.Serve("test-request", req)); !reflect.DeepEqual(calls, first) {
		t.Errorf("first request, trace:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(first, "\n"))
	}
	// The instance keeps the buffer that grew, so the next request has
	// room for the long value at once.
	if calls := headerCalls(sdktest.Serve("test-request", req)); !reflect.DeepEqual(calls, kept) {
		t.Errorf("second request, trace:\n%s\nwant:\n%s", strings.Join(calls, "\n"), strings.Join(kept, "\n"))
	}
}

// TestLargeBody checks that a body much larger than the scratch buffer is
// read whole, in two calls.
func TestLargeBody(t *testing.T) {
	body := strings.Repeat("0123456789", 100_000)
	resp := sdktest.Serve("test-request", sdktest.NewRequest("PUT", "/").WithBodyString(body))
	if got["body"] != body {
		t.Fatalf("Body() = %d bytes, want %d", len(got["body"].(string)), len(body))
	}
	n := 0
	for _, c := range resp.Trace {
		if strings.HasPrefix(c, "req_get(field=7,") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("body read in %d calls, want 2 (and once per request)", n)
	}
}
