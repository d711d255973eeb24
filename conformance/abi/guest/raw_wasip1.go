//go:build wasip1

package main

import (
	"encoding/json"
	"net/url"
	"strconv"
	"unsafe"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/conformance/abi/guest/handlers"
	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/hostcall"
)

// The raw handler calls the host functions through package hostcall, as
// the SDK does, to make the calls the SDK never makes: a buf_limit of 0 or
// one byte short, unknown fields, sources, parts and operations, and
// response calls after the response is finished.

func init() {
	sdk.Handle("raw", raw)
	// Package initialization runs in _initialize, where only log and
	// host_features work (ABI.md section 3).
	var b [16]byte
	hostcall.Log(abi.LogInfo, "abi-init"+
		" req_get="+itoa(hostcall.ReqGet(abi.FieldMethod, &b[0], int32(len(b))))+
		" req_header="+itoa(hostcall.ReqHeader("host", 0, &b[0], int32(len(b))))+
		" resp_write="+itoa(hostcall.RespWrite(&b[0], 1))+
		" resp_set_status="+itoa(hostcall.RespSetStatus(200))+
		" var="+itoa(hostcall.Var("greeting", &b[0], int32(len(b))))+
		" fetch="+itoa(hostcall.Fetch("GET", "http://127.0.0.1/", nil, 0, nil, 0))+
		" fetch_token="+itoa(hostcall.Fetch("GET", "http://127.0.0.1/", &initToken[0], int32(len(initToken)), nil, 0))+
		" fetch_result="+itoa(hostcall.FetchResult(abi.FetchBody, &b[0], int32(len(b))))+
		" user_claims="+itoa(hostcall.UserClaims(&b[0], int32(len(b))))+
		" login_with="+itoa(hostcall.LoginWith("corp", "/"))+
		" auth_providers="+itoa(hostcall.AuthProviders(&b[0], int32(len(b))))+
		" features="+strconv.FormatInt(hostcall.HostFeatures()&abi.FeatureCore, 10))
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

// initToken asks for a provider's token, outside a request.
var initToken = []byte(abi.FetchProviderToken + "\x00corp\x00")

// output is one value read under the (buf, buf_limit) -> len rule, the
// way the rule allows a guest to: length first, then exactly that.
type output struct {
	// Len0 is the result with buf_limit 0.
	Len0 int32 `json:"len0"`
	// Short is the result with a buffer one byte too small, and
	// ShortUntouched whether that buffer was left as it was.
	Short          int32 `json:"short"`
	ShortUntouched bool  `json:"short_untouched"`
	// Len is the result with a buffer of Len0 bytes, Value what it held.
	Len   int32  `json:"len"`
	Value string `json:"value"`
}

// read runs call as the rule describes and reports each step.
func read(call func(buf *byte, limit int32) int32) output {
	var o output
	var guard [1]byte
	o.Len0 = call(&guard[0], 0)
	if o.Len0 < 0 {
		o.Short, o.Len = o.Len0, o.Len0
		return o
	}
	if o.Len0 > 0 {
		short := make([]byte, o.Len0) // one spare byte past the limit
		for i := range short {
			short[i] = 0xAA
		}
		o.Short = call(unsafe.SliceData(short), o.Len0-1)
		o.ShortUntouched = true
		for _, b := range short {
			if b != 0xAA {
				o.ShortUntouched = false
			}
		}
	} else {
		o.Short, o.ShortUntouched = 0, true
	}
	buf := make([]byte, o.Len0+1)
	o.Len = call(unsafe.SliceData(buf), o.Len0)
	if o.Len >= 0 && int(o.Len) <= len(buf) {
		o.Value = string(buf[:o.Len])
	}
	return o
}

// code returns just the result of call with a 64-byte buffer.
func code(call func(buf *byte, limit int32) int32) int32 {
	var buf [64]byte
	return call(&buf[0], int32(len(buf)))
}

// raw runs the scenario named by ?case=; see README.md. Every scenario
// logs "abi-raw CASE JSON" at info, and writes the JSON as the body
// when the response can still take it.
func raw(c *sdk.Context) {
	q, _ := url.ParseQuery(c.Query())
	name := q.Get("case")
	var res any
	switch name {
	case "outputs":
		res = outputs()
	case "stream":
		n, _ := strconv.Atoi(q.Get("n"))
		res = streamRaw(n)
	case "after-redirect":
		m := map[string]int32{"redirect": hostcall.RespRedirect("/after", 0)}
		afterFinish(m)
		res = m
	case "after-error":
		m := map[string]int32{"error": hostcall.RespError(503, "down")}
		afterFinish(m)
		res = m
	case "write-too-large":
		n, _ := strconv.Atoi(q.Get("n"))
		big := make([]byte, n)
		res = map[string]int32{"write": hostcall.RespWrite(unsafe.SliceData(big), int32(n))}
	case "header-op":
		res = map[string]int32{"op3": hostcall.RespHeader(3, "X-Op", "1")}
	case "invalid-then-valid":
		res = map[string]int32{
			"status199": hostcall.RespSetStatus(199),
			"status200": hostcall.RespSetStatus(200),
		}
	case "features":
		res = map[string]int64{"features": hostcall.HostFeatures()}
	case "outbound":
		res = outboundRaw(q.Get("url"))
	default:
		hostcall.RespError(400, "unknown case "+strconv.Quote(name))
		return
	}
	b, _ := json.Marshal(res)
	hostcall.Log(abi.LogInfo, "abi-raw "+name+" "+string(b))
	hostcall.RespWrite(unsafe.SliceData(b), int32(len(b)))
}

// afterFinish tries every response function after a redirect or error
// page finished the response.
func afterFinish(m map[string]int32) {
	b := []byte("late")
	m["write"] = hostcall.RespWrite(&b[0], int32(len(b)))
	m["set_status"] = hostcall.RespSetStatus(201)
	m["header"] = hostcall.RespHeader(abi.HeaderSet, "X-Late", "1")
	m["redirect2"] = hostcall.RespRedirect("/again", 302)
	m["error2"] = hostcall.RespError(500, "again")
}

// streamRaw writes n bytes of handlers.Pattern, more than the host
// buffers, then tries the head-changing functions, which must return
// ERR_FINISHED, and a last write, which must succeed. The results go to
// the log and, after a newline, to the body.
func streamRaw(n int) map[string]int32 {
	buf := make([]byte, 0, 64<<10)
	for off := 0; off < n; off += len(buf) {
		buf = buf[:0]
		for i := off; i < n && len(buf) < cap(buf); i++ {
			buf = append(buf, handlers.Pattern(i))
		}
		if r := hostcall.RespWrite(unsafe.SliceData(buf), int32(len(buf))); r != 0 {
			return map[string]int32{"write_body": r}
		}
	}
	nl := []byte("\n")
	hostcall.RespWrite(&nl[0], 1)
	return map[string]int32{
		"set_status": hostcall.RespSetStatus(201),
		"header":     hostcall.RespHeader(abi.HeaderSet, "X-Late", "1"),
		"redirect":   hostcall.RespRedirect("/late", 0),
		"error":      hostcall.RespError(500, ""),
	}
}

// outputs reads every request field and the corners of the other
// request functions. The request is expected to carry the header X-A
// twice, the query arguments raw and bad (see README.md), and no files.
func outputs() map[string]any {
	res := map[string]any{}
	fields := map[string]output{}
	for f := int32(abi.FieldMethod); f <= abi.FieldRoutePattern; f++ {
		fields[strconv.Itoa(int(f))] = read(func(buf *byte, limit int32) int32 { return hostcall.ReqGet(f, buf, limit) })
	}
	res["fields"] = fields
	res["field_11"] = code(func(buf *byte, limit int32) int32 { return hostcall.ReqGet(11, buf, limit) })
	res["field_neg"] = code(func(buf *byte, limit int32) int32 { return hostcall.ReqGet(-1, buf, limit) })
	res["header_x_a_1"] = read(func(buf *byte, limit int32) int32 { return hostcall.ReqHeader("X-a", 1, buf, limit) })
	res["header_x_a_2"] = code(func(buf *byte, limit int32) int32 { return hostcall.ReqHeader("x-a", 2, buf, limit) })
	res["header_neg"] = code(func(buf *byte, limit int32) int32 { return hostcall.ReqHeader("x-a", -1, buf, limit) })
	res["header_missing"] = code(func(buf *byte, limit int32) int32 { return hostcall.ReqHeader("x-nope", 0, buf, limit) })
	res["header_names"] = read(hostcall.ReqHeaderNames)
	res["param_p"] = read(func(buf *byte, limit int32) int32 { return hostcall.ReqParam("p", buf, limit) })
	res["param_missing"] = code(func(buf *byte, limit int32) int32 { return hostcall.ReqParam("missing", buf, limit) })
	res["arg_raw"] = read(func(buf *byte, limit int32) int32 { return hostcall.ReqArg(abi.ArgsQuery, "raw", 0, buf, limit) })
	res["arg_bad"] = code(func(buf *byte, limit int32) int32 { return hostcall.ReqArg(abi.ArgsAll, "bad", 0, buf, limit) })
	res["arg_neg"] = code(func(buf *byte, limit int32) int32 { return hostcall.ReqArg(abi.ArgsAll, "raw", -1, buf, limit) })
	res["arg_source_0"] = code(func(buf *byte, limit int32) int32 { return hostcall.ReqArg(0, "raw", 0, buf, limit) })
	res["arg_source_4"] = code(func(buf *byte, limit int32) int32 { return hostcall.ReqArg(4, "raw", 0, buf, limit) })
	res["arg_names_all"] = read(func(buf *byte, limit int32) int32 { return hostcall.ReqArgNames(abi.ArgsAll, buf, limit) })
	res["arg_names_source_0"] = code(func(buf *byte, limit int32) int32 { return hostcall.ReqArgNames(0, buf, limit) })
	res["file_missing"] = code(func(buf *byte, limit int32) int32 { return hostcall.ReqFile("up", 0, abi.FileName, buf, limit) })
	res["features"] = hostcall.HostFeatures()
	return res
}

// outboundRaw reads a variable and a fetched response by the (buf,
// buf_limit) rule, and makes the calls the SDK never makes: fetch_result
// before any fetch and with an unknown part, fetch with a header list
// cut short, and fetch_result after a failed fetch.
func outboundRaw(url string) map[string]any {
	m := map[string]any{}
	m["var"] = read(func(buf *byte, limit int32) int32 { return hostcall.Var("greeting", buf, limit) })
	m["var_missing"] = code(func(buf *byte, limit int32) int32 { return hostcall.Var("no-such-var", buf, limit) })
	m["var_empty_name"] = code(func(buf *byte, limit int32) int32 { return hostcall.Var("", buf, limit) })
	m["result_before"] = code(func(buf *byte, limit int32) int32 { return hostcall.FetchResult(abi.FetchBody, buf, limit) })
	h := []byte("x-a\x001\x00x-b")
	m["fetch_cut_header"] = hostcall.Fetch("GET", url, &h[0], int32(len(h)), nil, 0)
	big := make([]byte, abi.MaxFetchHeaderBytes+1)
	copy(big, "x-a\x00")
	big[len(big)-1] = 0
	m["fetch_header_bytes_past_cap"] = hostcall.Fetch("GET", url, &big[0], int32(len(big)), nil, 0)
	var many []byte
	for range abi.MaxFetchHeaders + 1 {
		many = append(many, "x-a\x001\x00"...)
	}
	m["fetch_101_headers"] = hostcall.Fetch("GET", url, &many[0], int32(len(many)), nil, 0)
	m["fetch_100_headers"] = hostcall.Fetch("GET", url, &many[0], int32(len(many)-len("x-a\x001\x00")), nil, 0)
	body := make([]byte, 64<<10+1) // the "abi" site's max_request_bytes, and one byte
	m["fetch_body_past_cap"] = hostcall.Fetch("POST", url, nil, 0, &body[0], int32(len(body)))
	m["fetch_body_at_cap"] = hostcall.Fetch("POST", url, nil, 0, &body[0], int32(len(body)-1))
	m["fetch"] = hostcall.Fetch("GET", url, nil, 0, nil, 0)
	m["body"] = read(func(buf *byte, limit int32) int32 { return hostcall.FetchResult(abi.FetchBody, buf, limit) })
	m["part_7"] = code(func(buf *byte, limit int32) int32 { return hostcall.FetchResult(7, buf, limit) })
	m["fetch_denied"] = hostcall.Fetch("GET", "http://169.254.169.254/", nil, 0, nil, 0)
	m["result_after_denied"] = code(func(buf *byte, limit int32) int32 { return hostcall.FetchResult(abi.FetchBody, buf, limit) })
	// A provider's token: asked for twice, for a provider that does not
	// forward it, for one the site does not have (a huge name).
	twice := []byte(abi.FetchProviderToken + "\x00corp\x00" + abi.FetchProviderToken + "\x00corp\x00")
	m["fetch_token_twice"] = hostcall.Fetch("GET", url, &twice[0], int32(len(twice)), nil, 0)
	one := []byte(abi.FetchProviderToken + "\x00corp\x00")
	m["fetch_token_not_forwarded"] = hostcall.Fetch("GET", url, &one[0], int32(len(one)), nil, 0)
	huge := []byte(abi.FetchProviderToken + "\x00" + string(make([]byte, 60<<10)) + "\x00")
	for i := len(abi.FetchProviderToken) + 1; i < len(huge)-1; i++ {
		huge[i] = 'g'
	}
	m["fetch_token_huge_name"] = hostcall.Fetch("GET", url, &huge[0], int32(len(huge)), nil, 0)
	m["result_after_token"] = code(func(buf *byte, limit int32) int32 { return hostcall.FetchResult(abi.FetchBody, buf, limit) })
	return m
}
