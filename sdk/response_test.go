package sdk_test

import (
	"errors"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// respond runs the function of the current TestResponse case.
var respond func(c *sdk.Context) error

func init() {
	sdk.Handle("test-respond", func(c *sdk.Context) {
		got = map[string]any{"err": respond(c)}
	})
}

func TestResponse(t *testing.T) {
	tests := []struct {
		name    string
		respond func(c *sdk.Context) error
		wantErr error  // nil: no error
		status  int    // the client's status
		header  string // a header the client gets, as "Name: value"
		body    string
		failure string // the start of Response.Failure
	}{
		{
			name: "status and headers",
			respond: func(c *sdk.Context) error {
				return errors.Join(c.SetStatus(201), c.AddHeader("X-A", "1"), c.AddHeader("x-a", "2"),
					c.SetHeader("X-B", "gone"), c.ClearHeader("x-b"), c.SetHeader("X-C", "a\tb"))
			},
			status: 201, header: "X-A: 1, X-A: 2, X-C: a\tb",
		},
		{
			name: "write, string and printf",
			respond: func(c *sdk.Context) error {
				c.Write([]byte("a"))
				c.WriteString("")
				_, err := c.Printf("%d", 42)
				return err
			},
			status: 200, body: "a42",
		},
		{
			name:    "status out of range",
			respond: func(c *sdk.Context) error { return c.SetStatus(99) },
			wantErr: sdk.ErrInvalid, status: 500, failure: "resp_set_status: status 99 outside 200-599",
		},
		{
			name:    "status past int32",
			respond: func(c *sdk.Context) error { return c.SetStatus(1<<32 + 200) },
			wantErr: sdk.ErrInvalid, status: 500, failure: "resp_set_status: status -1",
		},
		{
			name:    "header name not a token",
			respond: func(c *sdk.Context) error { return c.SetHeader("Bad Name", "x") },
			wantErr: sdk.ErrInvalid, status: 500, failure: `resp_header: header name "Bad Name" is not a token`,
		},
		{
			name: "header value with CRLF",
			respond: func(c *sdk.Context) error {
				err := c.SetHeader("X-Split", "a\r\nSet-Cookie: evil=1")
				c.WriteString("not sent")
				return err
			},
			wantErr: sdk.ErrInvalid, status: 500, failure: "resp_header: header X-Split: value",
		},
		{
			name:    "header value with NUL",
			respond: func(c *sdk.Context) error { return c.AddHeader("X-Nul", "a\x00b") },
			wantErr: sdk.ErrInvalid, status: 500, failure: "resp_header: header X-Nul",
		},
		{
			name:    "header value with surrounding space",
			respond: func(c *sdk.Context) error { return c.AddHeader("X-Space", " a") },
			wantErr: sdk.ErrInvalid, status: 500, failure: "resp_header: header X-Space",
		},
		{
			name:    "host-owned header",
			respond: func(c *sdk.Context) error { return c.SetHeader("content-length", "5") },
			wantErr: sdk.ErrInvalid, status: 500, failure: "resp_header: header Content-Length belongs to the host",
		},
		{
			name:    "host-owned header cleared",
			respond: func(c *sdk.Context) error { return c.ClearHeader("Date") },
			status:  200,
		},
		{
			name:    "header cleared with a bad name",
			respond: func(c *sdk.Context) error { return c.ClearHeader("X:Y") },
			wantErr: sdk.ErrInvalid, status: 500, failure: `resp_header: header name "X:Y" is not a token`,
		},
		{
			name: "too many headers",
			respond: func(c *sdk.Context) error {
				for i := range abi.MaxResponseHeaders {
					if err := c.AddHeader("X-Many", "v"); err != nil {
						return errors.New("early " + err.Error() + " at " + string(rune('0'+i)))
					}
				}
				return c.AddHeader("X-Many", "v")
			},
			wantErr: sdk.ErrTooLarge, status: 500, failure: "resp_header: more than 100 header fields",
		},
		{
			name: "header bytes",
			respond: func(c *sdk.Context) error {
				// 64 KiB as sent: "X-Big: " + value + "\r\n".
				v := strings.Repeat("v", abi.MaxResponseHeaderBytes-len("X-Big: \r\n"))
				if err := c.SetHeader("X-Big", v); err != nil {
					return errors.New("early " + err.Error())
				}
				return c.SetHeader("X", "")
			},
			wantErr: sdk.ErrTooLarge, status: 500, failure: "resp_header: more than 100 header fields or 65536 bytes",
		},
		{
			name: "redirect",
			respond: func(c *sdk.Context) error {
				c.WriteString("dropped")
				return c.Redirect("/login?next=%2F")
			},
			status: 302, header: "Location: /login?next=%2F",
		},
		{
			name:    "redirect with status",
			respond: func(c *sdk.Context) error { return c.Redirect("https://example.com/", http.StatusMovedPermanently) },
			status:  301, header: "Location: https://example.com/",
		},
		{
			name:    "redirect with a bad status",
			respond: func(c *sdk.Context) error { return c.Redirect("/", 200) },
			wantErr: sdk.ErrInvalid, status: 500, failure: "resp_redirect: status 200",
		},
		{
			name:    "redirect to a URL with a space",
			respond: func(c *sdk.Context) error { return c.Redirect("/a b") },
			wantErr: sdk.ErrInvalid, status: 500, failure: "resp_redirect: URL",
		},
		{
			name:    "redirect to nowhere",
			respond: func(c *sdk.Context) error { return c.Redirect("") },
			wantErr: sdk.ErrInvalid, status: 500, failure: "resp_redirect: URL",
		},
		{
			name:    "redirect to a URL with a backslash",
			respond: func(c *sdk.Context) error { return c.Redirect(`/\evil.example`) },
			wantErr: sdk.ErrInvalid, status: 500, failure: "resp_redirect: URL",
		},
		{
			name: "write after redirect",
			respond: func(c *sdk.Context) error {
				c.Redirect("/")
				_, err := c.WriteString("x")
				return err
			},
			wantErr: sdk.ErrFinished, status: 302,
		},
		{
			name: "error keeps headers",
			respond: func(c *sdk.Context) error {
				c.SetHeader("WWW-Authenticate", `Basic realm="x"`)
				c.WriteString("dropped")
				return c.Error(401, "who", "are you")
			},
			status: 401, header: `Content-Type: text/html; charset=utf-8, Www-Authenticate: Basic realm="x"`,
			body: "<!DOCTYPE html>\n<html><head><title>401: Unauthorized</title></head>\n<body><h1>401: Unauthorized</h1></body></html>\n",
		},
		{
			name:    "error status out of range",
			respond: func(c *sdk.Context) error { return c.Error(302) },
			wantErr: sdk.ErrInvalid, status: 500, failure: "resp_error: status 302",
		},
		{
			name: "error after error",
			respond: func(c *sdk.Context) error {
				c.Error(404)
				return c.Error(500)
			},
			wantErr: sdk.ErrFinished, status: 404,
		},
		{
			name: "finish",
			respond: func(c *sdk.Context) error {
				c.WriteString("kept")
				c.Finish()
				if !c.Finished() {
					return errors.New("not Finished after Finish")
				}
				if err := c.Finish(); !errors.Is(err, sdk.ErrFinished) {
					return errors.New("second Finish did not fail")
				}
				_, err := c.WriteString("dropped")
				return errors.Join(err, c.SetHeader("X-Late", "1"))
			},
			wantErr: sdk.ErrFinished, status: 200, body: "kept",
		},
		{
			name:    "json",
			respond: func(c *sdk.Context) error { return c.WriteJSON(map[string]any{"a": []int{1}, "html": "</script>"}) },
			status:  200, header: "Content-Type: application/json; charset=UTF-8",
			body: `{"a":[1],"html":"\u003c/script\u003e"}`,
		},
		{
			name:    "json array refused",
			respond: func(c *sdk.Context) error { return c.WriteJSON([2]int{1, 2}) },
			wantErr: sdk.ErrJSONArray, status: 200,
		},
		{
			name:    "json raw array refused",
			respond: func(c *sdk.Context) error { return c.WriteJSON(jsonRaw(" [1]")) },
			wantErr: sdk.ErrJSONArray, status: 200,
		},
		{
			name:    "json bytes allowed",
			respond: func(c *sdk.Context) error { return c.WriteJSON([]byte("hi")) },
			status:  200, body: `"aGk="`, header: "Content-Type: application/json; charset=UTF-8",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			respond = tc.respond
			resp := sdktest.Serve("test-respond", sdktest.NewRequest("GET", "/"))
			err, _ := got["err"].(error)
			if tc.wantErr == nil && err != nil || !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v, want %v", err, tc.wantErr)
			}
			if resp.Status != tc.status {
				t.Errorf("status %d, want %d (failure %q)", resp.Status, tc.status, resp.Failure)
			}
			if !strings.HasPrefix(resp.Failure, tc.failure) || (tc.failure == "") != (resp.Failure == "") {
				t.Errorf("failure %q, want %q", resp.Failure, tc.failure)
			}
			if tc.header != "" {
				if got := headerLine(resp.Header); got != tc.header {
					t.Errorf("header %q, want %q", got, tc.header)
				}
			}
			if tc.body != "" && string(resp.Body) != tc.body {
				t.Errorf("body %q, want %q", resp.Body, tc.body)
			}
			if tc.failure != "" && strings.Contains(string(resp.Body), "not sent") {
				t.Errorf("a failed response sent the guest's body %q", resp.Body)
			}
		})
	}
}

type jsonRaw string

func (j jsonRaw) MarshalJSON() ([]byte, error) { return []byte(j), nil }

// headerLine flattens h as "Name: v1, Name: v2, Other: v", sorted by name.
func headerLine(h http.Header) string {
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(h)) {
		for _, v := range h[name] {
			parts = append(parts, name+": "+v)
		}
	}
	return strings.Join(parts, ", ")
}

func TestLog(t *testing.T) {
	respond = func(c *sdk.Context) error {
		c.Debugf("d %d", 1)
		c.Infof("i")
		c.Warnf("w")
		c.Errorf("e")
		c.Log(sdk.LogLevel(9), "odd level")
		sdk.Logf(sdk.LogInfo, "%s", strings.Repeat("x", abi.MaxLogMessage+10))
		return nil
	}
	resp := sdktest.Serve("test-respond", nil)
	want := []string{"debug: d 1", "info: i", "warn: w", "error: e", "info: odd level", "info: " + strings.Repeat("x", abi.MaxLogMessage)}
	if !reflect.DeepEqual(resp.Logs, want) {
		t.Errorf("logs %q, want %q", resp.Logs, want)
	}
}

func TestHostFeatures(t *testing.T) {
	respond = func(c *sdk.Context) error {
		if sdk.HostFeatures()&abi.FeatureCore == 0 {
			return errors.New("FeatureCore not set")
		}
		return nil
	}
	sdktest.Serve("test-respond", nil)
	if err, _ := got["err"].(error); err != nil {
		t.Error(err)
	}
}

func TestCallError(t *testing.T) {
	tests := []struct {
		code int32
		want error
		msg  string
	}{
		{abi.ErrNotFound, sdk.ErrNotFound, "sdk: req_get: not found"},
		{abi.ErrInvalid, sdk.ErrInvalid, "sdk: req_get: invalid argument"},
		{abi.ErrTooLarge, sdk.ErrTooLarge, "sdk: req_get: too large"},
		{abi.ErrFinished, sdk.ErrFinished, "sdk: req_get: response already finished"},
		{abi.ErrNoRequest, sdk.ErrNoRequest, "sdk: req_get: no request in progress"},
		{-99, nil, "sdk: req_get: error code -99"},
	}
	for _, tc := range tests {
		err := &sdk.CallError{Func: abi.FuncReqGet, Code: tc.code}
		if err.Error() != tc.msg || errors.Unwrap(err) != tc.want {
			t.Errorf("code %d: %q unwrapping to %v, want %q and %v", tc.code, err, errors.Unwrap(err), tc.msg, tc.want)
		}
	}
}
