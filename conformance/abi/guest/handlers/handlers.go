// Package handlers holds the handlers of the ABI conformance guest. They
// use only the SDK, so they build both for wasip1 (linked into the guest
// in the parent directory) and natively, where package sdktest serves
// them against its fake host. Importing the package registers them.
//
// Each handler's answer is documented in ../README.md; package abikit
// (the parent of ../) checks them.
package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wasmweb/wasmweb/sdk"
)

func init() {
	sdk.Handle("request", request)
	sdk.Handle("args", args)
	sdk.Handle("status", status)
	sdk.Handle("headers", headers)
	sdk.Handle("write", write)
	sdk.Handle("stream", stream)
	sdk.Handle("redirect", redirect)
	sdk.Handle("error", errorPage)
	sdk.Handle("log", logLines)
	sdk.Handle("features", features)
	sdk.Handle("json", jsonValue)
	sdk.Handle("render", renderPage)
	sdk.Handle("cookies", cookies)
	sdk.Handle("signed", signedCookie)
	sdk.Handle("user", user)
	sdk.Handle("xsrf", xsrfForm)
	sdk.Handle("login", login)
	sdk.Handle("methods", &methods{})
	sdk.Handle("panic", func(c *sdk.Context) { panic("abi-panic: deliberate") })
}

// RequestInfo is the body of the request handler: every request field,
// the headers and the path parameters, as the SDK reports them.
type RequestInfo struct {
	Method       string              `json:"method"`
	Target       string              `json:"target"`
	Path         string              `json:"path"`
	Query        string              `json:"query"`
	Host         string              `json:"host"`
	RemoteAddr   string              `json:"remote_addr"`
	Protocol     string              `json:"protocol"`
	Handler      string              `json:"handler"`
	RequestID    string              `json:"request_id"`
	RoutePattern string              `json:"route_pattern"`
	BodyLen      int                 `json:"body_len"`
	BodySHA256   string              `json:"body_sha256"`
	HeaderNames  []string            `json:"header_names"`
	Headers      map[string][]string `json:"headers"`
	// Lookup holds Headers(name) for each query argument "lookup", the
	// name used exactly as given (to check case-insensitive lookup).
	Lookup map[string][]string `json:"lookup"`
	// Params holds the parameters a, b and missing; null when absent.
	Params map[string]*string `json:"params"`
}

func request(c *sdk.Context) {
	body := c.Body()
	sum := sha256.Sum256(body)
	info := RequestInfo{
		Method: c.Method(), Target: c.Target(), Path: c.Path(), Query: c.Query(),
		Host: c.Host(), RemoteAddr: c.RemoteAddr(), Protocol: c.Protocol(),
		Handler: c.Handler(), RequestID: c.RequestID(), RoutePattern: c.RoutePattern(),
		BodyLen: len(body), BodySHA256: hex.EncodeToString(sum[:]),
		HeaderNames: c.HeaderNames(), Headers: map[string][]string{},
		Lookup: map[string][]string{}, Params: map[string]*string{},
	}
	for _, n := range info.HeaderNames {
		info.Headers[n] = c.Headers(n)
	}
	for _, n := range c.QueryArguments("lookup") {
		info.Lookup[n] = c.Headers(n)
	}
	for _, n := range []string{"a", "b", "missing"} {
		if v, ok := c.ParamOK(n); ok {
			info.Params[n] = &v
		} else {
			info.Params[n] = nil
		}
	}
	c.WriteJSON(info)
}

// ArgsInfo is the body of the args handler: every argument by source,
// as the SDK cleans them, and the files of the fields named in the
// request header X-Files (comma-separated).
type ArgsInfo struct {
	Names []string            `json:"names"`
	Query map[string][]string `json:"query"`
	Body  map[string][]string `json:"body"`
	All   map[string][]string `json:"all"`
	// Last is Argument(name): the last value of all.
	Last  map[string]string     `json:"last"`
	Files map[string][]FileInfo `json:"files"`
	// Required is Argument(X-Require) without a default, when the header
	// is set; a missing argument ends the request with 400.
	Required string `json:"required,omitempty"`
}

// FileInfo describes one uploaded file.
type FileInfo struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Size   int    `json:"size"`
	SHA256 string `json:"sha256"`
}

func args(c *sdk.Context) {
	info := ArgsInfo{
		Names: c.ArgumentNames(),
		Query: map[string][]string{}, Body: map[string][]string{}, All: map[string][]string{},
		Last: map[string]string{}, Files: map[string][]FileInfo{},
	}
	for _, n := range info.Names {
		info.Query[n] = c.QueryArguments(n)
		info.Body[n] = c.BodyArguments(n)
		info.All[n] = c.Arguments(n)
		info.Last[n] = c.Argument(n)
	}
	if fields := c.Header("X-Files"); fields != "" {
		for _, f := range strings.Split(fields, ",") {
			f = strings.TrimSpace(f)
			list := []FileInfo{}
			for _, file := range c.Files(f) {
				sum := sha256.Sum256(file.Body)
				list = append(list, FileInfo{file.Filename, file.ContentType, len(file.Body), hex.EncodeToString(sum[:])})
			}
			info.Files[f] = list
		}
	}
	if name := c.Header("X-Require"); name != "" {
		info.Required = c.Argument(name)
	}
	c.WriteJSON(info)
}

// query parses the raw query itself: the SDK's argument methods clean
// control characters, which the header and redirect cases must send.
func query(c *sdk.Context) url.Values {
	v, _ := url.ParseQuery(c.Query())
	return v
}

// code returns the host's error code in err, 0 for nil, or -100 for an
// error that carries none.
func code(err error) int32 {
	if err == nil {
		return 0
	}
	var ce *sdk.CallError
	if errors.As(err, &ce) {
		return ce.Code
	}
	return -100
}

// status sets the status from ?code= and writes "status".
func status(c *sdk.Context) {
	n, err := strconv.Atoi(query(c).Get("code"))
	if err != nil {
		c.Error(400, "bad code")
		return
	}
	r := code(c.SetStatus(n))
	c.Infof("abi-status code=%d result=%d", n, r)
	c.WriteString("status")
}

// headers applies ?ops=JSON, a list of [op, name, value] with op "set",
// "add", "del" or "big" (set name to a value of strconv.Atoi(value)
// bytes "x", which a query could not carry), and answers
// {"results": [code, ...]}.
func headers(c *sdk.Context) {
	var ops [][]string
	if err := json.Unmarshal([]byte(query(c).Get("ops")), &ops); err != nil {
		c.Error(400, "bad ops: "+err.Error())
		return
	}
	results := []int32{}
	for _, op := range ops {
		for len(op) < 3 {
			op = append(op, "")
		}
		var err error
		switch op[0] {
		case "set":
			err = c.SetHeader(op[1], op[2])
		case "add":
			err = c.AddHeader(op[1], op[2])
		case "del":
			err = c.ClearHeader(op[1])
		case "big":
			n, _ := strconv.Atoi(op[2])
			err = c.SetHeader(op[1], strings.Repeat("x", n))
		}
		results = append(results, code(err))
	}
	b, _ := json.Marshal(map[string][]int32{"results": results})
	c.Infof("abi-headers %s", b)
	c.Write(b)
}

// Pattern returns byte i of the bodies write and stream produce.
func Pattern(i int) byte { return byte('a' + i%26) }

// writePattern writes n bytes of Pattern in pieces of m and returns the
// first error.
func writePattern(c *sdk.Context, n, m int) error {
	if m <= 0 {
		m = n
	}
	buf := make([]byte, 0, m)
	for off := 0; off < n; off += len(buf) {
		buf = buf[:0]
		for i := off; i < n && len(buf) < m; i++ {
			buf = append(buf, Pattern(i))
		}
		if _, err := c.Write(buf); err != nil {
			return err
		}
	}
	return nil
}

// write writes ?n= bytes of Pattern in pieces of ?m= (default n).
func write(c *sdk.Context) {
	q := query(c)
	n, _ := strconv.Atoi(q.Get("n"))
	m, _ := strconv.Atoi(q.Get("m"))
	c.SetHeader("Content-Type", "application/octet-stream")
	err := writePattern(c, n, m)
	c.Infof("abi-write n=%d m=%d result=%d", n, m, code(err))
}

// stream writes ?n= bytes of Pattern in pieces of 64 KiB, more than the
// host buffers, so the head goes out; then it tries to change the status
// and a header, to redirect and to send an error page, and appends
// "\n" and {"set_status": code, "header": code, "redirect": code,
// "error": code, "write": code} to the body.
func stream(c *sdk.Context) {
	n, _ := strconv.Atoi(query(c).Get("n"))
	if err := writePattern(c, n, 64<<10); err != nil {
		c.Errorf("abi-stream write: %v", err)
		return
	}
	res := map[string]int32{
		"set_status": code(c.SetStatus(201)),
		"header":     code(c.SetHeader("X-Late", "1")),
		"redirect":   code(c.Redirect("/late")),
		"error":      code(c.Error(500)),
	}
	tail, _ := json.Marshal(res)
	_, err := c.Write(append([]byte("\n"), tail...))
	c.Infof("abi-stream %s write=%d", tail, code(err))
}

// redirect writes a body, sets Set-Cookie when ?cookie= is set, then
// redirects to ?url= with ?status= (0 when absent).
func redirect(c *sdk.Context) {
	q := query(c)
	c.WriteString("this body is discarded")
	if v := q.Get("cookie"); v != "" {
		c.SetHeader("Set-Cookie", v)
	}
	st, _ := strconv.Atoi(q.Get("status"))
	err := c.Redirect(q.Get("url"), st)
	after := code(c.SetHeader("X-After", "1"))
	c.Infof("abi-redirect status=%d result=%d after=%d", st, code(err), after)
}

// errorPage sets Allow (?allow=) and WWW-Authenticate (?www=) when
// given, writes a body, then finishes with Error(?status=, ?msg=).
func errorPage(c *sdk.Context) {
	q := query(c)
	if v := q.Get("allow"); v != "" {
		c.SetHeader("Allow", v)
	}
	if v := q.Get("www"); v != "" {
		c.SetHeader("WWW-Authenticate", v)
	}
	c.WriteString("this body is discarded")
	st, _ := strconv.Atoi(q.Get("status"))
	err := c.Error(st, q.Get("msg"))
	_, werr := c.WriteString("late")
	c.Infof("abi-error status=%d result=%d after=%d", st, code(err), code(werr))
}

// logLines logs "abi-log LEVEL MARKER" at each level, at the unknown
// level 7, a message of 5000 bytes and one that ends in newlines, and
// answers "logged " and the request id.
func logLines(c *sdk.Context) {
	m := query(c).Get("marker")
	c.Debugf("abi-log debug %s", m)
	c.Infof("abi-log info %s", m)
	c.Warnf("abi-log warn %s", m)
	c.Errorf("abi-log error %s", m)
	sdk.Logf(sdk.LogLevel(7), "abi-log level7 %s", m)
	sdk.Logf(sdk.LogInfo, "abi-log long %s %s", m, strings.Repeat("x", 5000))
	sdk.Logf(sdk.LogInfo, "abi-log newline %s\n\n", m)
	c.WriteString("logged " + c.RequestID())
}

// features answers {"features": bits}.
func features(c *sdk.Context) {
	c.WriteJSON(map[string]uint64{"features": sdk.HostFeatures()})
}

// JSONValue is what the json handler writes.
var JSONValue = map[string]any{"html": "<script>&'", "unicode": "héllo ☃", "n": 42, "list": []int{1, 2}}

// jsonValue writes JSONValue with WriteJSON, after checking that a
// top-level array is refused.
func jsonValue(c *sdk.Context) {
	if err := c.WriteJSON([]int{1}); !errors.Is(err, sdk.ErrJSONArray) {
		c.Error(500, "WriteJSON accepted an array")
		return
	}
	c.WriteJSON(JSONValue)
}

// methods is a method set: GET (also HEAD) and POST; Prepare answers 403
// when the request has X-Deny.
type methods struct{}

func (*methods) Prepare(c *sdk.Context) {
	if c.Header("X-Deny") != "" {
		c.Error(403)
	}
}

func (*methods) Get(c *sdk.Context)  { c.WriteString("get " + c.Method()) }
func (*methods) Post(c *sdk.Context) { c.WriteString("post") }

// renderPage renders the template named by ?name with the query's v and
// url arguments as data, answering 404 for a template the site lacks.
func renderPage(c *sdk.Context) {
	data := map[string]string{"v": c.QueryArgument("v", ""), "url": c.QueryArgument("url", "")}
	if err := c.Render(c.QueryArgument("name", ""), data); errors.Is(err, sdk.ErrNotFound) {
		c.Error(404, "no such template")
	}
}

// cookies answers ?get=NAME with the cookie's value (404 when absent), and
// ?set=NAME&value=V sets one with the options maxage (seconds), secure,
// script, samesite, path and domain.
func cookies(c *sdk.Context) {
	if name := c.QueryArgument("get", ""); name != "" {
		if v, ok := c.Cookie(name); ok {
			c.WriteString(v)
		} else {
			c.Error(404, "no cookie")
		}
		return
	}
	age, _ := strconv.Atoi(c.QueryArgument("maxage", "0"))
	opts := sdk.CookieOptions{
		Path:     c.QueryArgument("path", ""),
		MaxAge:   time.Duration(age) * time.Second,
		Secure:   c.QueryArgument("secure", "") != "",
		Script:   c.QueryArgument("script", "") != "",
		SameSite: c.QueryArgument("samesite", ""),
		Domain:   c.QueryArgument("domain", ""),
	}
	if err := c.SetCookie(c.QueryArgument("set", ""), c.QueryArguments("value")[0], opts); err != nil {
		return // the host answers 500
	}
	c.WriteString("set")
}

// signedCookie answers ?set=V by setting the signed cookie "s" (or
// ?name=) to V, for ?domain= if given, and otherwise with the value "s"
// carries: 404 when absent, 403 when it does not verify.
func signedCookie(c *sdk.Context) {
	if v := c.QueryArgument("set", ""); v != "" {
		opts := sdk.CookieOptions{Domain: c.QueryArgument("domain", "")}
		if err := c.SetSignedCookie(c.QueryArgument("name", "s"), v, opts); err != nil {
			return // the host answers 500
		}
		c.WriteString("set")
		return
	}
	v, err := c.SignedCookie("s")
	switch {
	case errors.Is(err, sdk.ErrNotFound):
		c.Error(404, "no cookie")
	case errors.Is(err, sdk.ErrInvalid):
		c.Error(403, "does not verify")
	case err != nil:
		c.Error(500, err.Error())
	default:
		c.WriteString(v)
	}
}

// user signs ?login=NAME in and ?logout out, and otherwise answers the
// current user (404 when none); on /abi/private the host admits only
// signed-in users.
func user(c *sdk.Context) {
	switch {
	case c.QueryArgument("login", "") != "":
		c.SetCurrentUser(c.QueryArgument("login", ""))
		c.WriteString("in")
	case c.QueryArgument("logout", "") != "":
		c.SetCurrentUser("")
		c.WriteString("out")
	default:
		if u, ok := c.CurrentUser(); ok {
			c.WriteString(u)
		} else {
			c.Error(404, "nobody")
		}
	}
}

// xsrfForm answers GET with the form field that carries the token, and
// any other method (which the host admitted) with "accepted".
func xsrfForm(c *sdk.Context) {
	if c.Method() == "GET" {
		c.WriteString(c.XSRFFormHTML())
		return
	}
	c.WriteString("accepted")
}
