// Package hostcall is the wasmweb_v1 host functions (abi/ABI.md section 7)
// as Go functions, one for each abi.Func* constant and named after it:
// ReqGet is abi.FuncReqGet, "req_get". It is the one place where a Go
// guest declares the host's imports; package sdk is built on it, and a
// guest that must make calls the SDK never makes (the ABI conformance
// guest, a library for another handler style) calls it directly.
//
// The functions are the ABI's, unchanged: inputs are (ptr, len) pairs,
// written as a string or a *byte and a length; outputs follow the
// (buf, buf_limit) -> len rule, nothing being written when the value does
// not fit; results are the ABI's lengths and error codes. A string
// parameter is lowered by the compiler to two i32s, (ptr, len); *byte is
// one i32 pointer. Go's wasm memory does not move, and a host call cannot
// let the garbage collector run, so the pointers stay valid for the call,
// which is all the host may use them for.
//
// Under GOOS=wasip1 each function is a //go:wasmimport of module
// abi.ModuleName. Elsewhere each has a native twin with the same signature
// that calls the fake host of package sdk/sdktest, so that code built on
// these functions, the SDK's memory protocol included, runs under plain go
// test. Outside sdktest a native call panics, except HostFeatures (which
// reports abi.FeatureCore) and Log (which writes to standard error), as
// during a guest's _initialize.
//
// Like the guest instance they stand for, the functions are for one
// request at a time: they are not safe for concurrent use.
package hostcall

// Each function below is the host function its abi.Func* constant names;
// the constant's comment and abi/ABI.md section 7 are its contract.

// HostFeatures is abi.FuncHostFeatures: the host's abi.Feature* bits.
func HostFeatures() int64 { return hostFeatures() }

// Log is abi.FuncLog: it writes msg to the host's log at level
// (abi.Log*).
func Log(level int32, msg string) { hostLog(level, msg) }

// ReqGet is abi.FuncReqGet: it writes request field (abi.Field*) into buf.
func ReqGet(field int32, buf *byte, bufLimit int32) int32 {
	return reqGet(field, buf, bufLimit)
}

// ReqHeader is abi.FuncReqHeader: it writes the index-th value of the
// request header name into buf.
func ReqHeader(name string, index int32, buf *byte, bufLimit int32) int32 {
	return reqHeader(name, index, buf, bufLimit)
}

// ReqHeaderNames is abi.FuncReqHeaderNames: it writes the request's header
// names into buf, lower case, each followed by NUL.
func ReqHeaderNames(buf *byte, bufLimit int32) int32 {
	return reqHeaderNames(buf, bufLimit)
}

// ReqParam is abi.FuncReqParam: it writes the route's path parameter name
// into buf.
func ReqParam(name string, buf *byte, bufLimit int32) int32 {
	return reqParam(name, buf, bufLimit)
}

// ReqArg is abi.FuncReqArg: it writes the index-th value of argument name
// from source (abi.Args*) into buf.
func ReqArg(source int32, name string, index int32, buf *byte, bufLimit int32) int32 {
	return reqArg(source, name, index, buf, bufLimit)
}

// ReqArgNames is abi.FuncReqArgNames: it writes the argument names of
// source (abi.Args*) into buf, each followed by NUL.
func ReqArgNames(source int32, buf *byte, bufLimit int32) int32 {
	return reqArgNames(source, buf, bufLimit)
}

// ReqFile is abi.FuncReqFile: it writes part (abi.File*) of the index-th
// file uploaded as name into buf.
func ReqFile(name string, index, part int32, buf *byte, bufLimit int32) int32 {
	return reqFile(name, index, part, buf, bufLimit)
}

// RespSetStatus is abi.FuncRespSetStatus: it sets the response status.
func RespSetStatus(code int32) int32 { return respSetStatus(code) }

// RespHeader is abi.FuncRespHeader: it sets, adds or deletes (op,
// abi.Header*) a response header.
func RespHeader(op int32, name, value string) int32 { return respHeader(op, name, value) }

// RespWrite is abi.FuncRespWrite: it appends bufLen bytes at buf to the
// response body.
func RespWrite(buf *byte, bufLen int32) int32 { return respWrite(buf, bufLen) }

// RespRedirect is abi.FuncRespRedirect: it finishes the response with a
// redirect to url.
func RespRedirect(url string, status int32) int32 { return respRedirect(url, status) }

// RespError is abi.FuncRespError: it finishes the response with the
// host's error page for status.
func RespError(status int32, msg string) int32 { return respError(status, msg) }

// Publish is abi.FuncPublish: it publishes msgLen bytes at msg to topic
// and returns the message's id.
func Publish(topic string, msg *byte, msgLen int32) int64 { return publish(topic, msg, msgLen) }

// Wait is abi.FuncWait: it returns the number of messages of topic newer
// than cursor, or parks the request.
func Wait(topic string, cursor int64, timeoutMS int32) int32 {
	return wait(topic, cursor, timeoutMS)
}

// MsgID is abi.FuncMsgID: the id of the index-th message Wait returned.
func MsgID(index int32) int64 { return msgID(index) }

// MsgData is abi.FuncMsgData: it writes the index-th message Wait returned
// into buf.
func MsgData(index int32, buf *byte, bufLimit int32) int32 { return msgData(index, buf, bufLimit) }

// RespShare is abi.FuncRespShare: it lets the host give a copy of the
// response to other waiters woken by the same messages.
func RespShare() int32 { return respShare() }

// Render is abi.FuncRender: it renders the site's template name with the
// dataLen bytes of JSON at data and appends it to the body.
func Render(name string, data *byte, dataLen int32) int32 { return render(name, data, dataLen) }

// CookieGet is abi.FuncCookieGet: it writes the value of the request's
// cookie name into buf.
func CookieGet(name string, buf *byte, bufLimit int32) int32 {
	return cookieGet(name, buf, bufLimit)
}

// CookieSet is abi.FuncCookieSet: it adds a Set-Cookie to the response.
func CookieSet(name, value, attrs string) int32 { return cookieSet(name, value, attrs) }

// SignedGet is abi.FuncSignedGet: it writes the value the signed cookie
// name carries into buf, if its signature verifies.
func SignedGet(name string, buf *byte, bufLimit int32) int32 {
	return signedCookieGet(name, buf, bufLimit)
}

// SignedSet is abi.FuncSignedSet: it sets a cookie signed by the host.
func SignedSet(name, value, attrs string) int32 { return signedCookieSet(name, value, attrs) }

// UserGet is abi.FuncUserGet: it writes the signed-in user's name into
// buf.
func UserGet(buf *byte, bufLimit int32) int32 { return userGet(buf, bufLimit) }

// UserSet is abi.FuncUserSet: it signs the user value in, or out when
// value is empty.
func UserSet(value string) int32 { return userSet(value) }

// XSRFToken is abi.FuncXSRFToken: it writes the request's XSRF token,
// freshly masked, into buf.
func XSRFToken(buf *byte, bufLimit int32) int32 { return xsrfToken(buf, bufLimit) }

// LocaleGet is abi.FuncLocaleGet: it writes the request's locale code into
// buf.
func LocaleGet(buf *byte, bufLimit int32) int32 { return localeGet(buf, bufLimit) }

// LocaleSet is abi.FuncLocaleSet: it records the user's choice of locale.
func LocaleSet(code string) int32 { return localeSet(code) }

// Translate is abi.FuncTranslate: it writes msg in the request's locale
// into buf; with a plural, count chooses the form.
func Translate(msg, plural string, count int32, buf *byte, bufLimit int32) int32 {
	return translate(msg, plural, count, buf, bufLimit)
}

// FormatDate is abi.FuncFormatDate: it writes a time in the request's
// locale into buf.
func FormatDate(unixSeconds int64, offsetMin, flags int32, buf *byte, bufLimit int32) int32 {
	return formatDate(unixSeconds, offsetMin, flags, buf, bufLimit)
}

// FormatNumber is abi.FuncFormatNumber: it writes a number in the
// request's locale into buf.
func FormatNumber(value float64, digits int32, buf *byte, bufLimit int32) int32 {
	return formatNumber(value, digits, buf, bufLimit)
}

// UserLogin is abi.FuncUserLogin: it checks a password against the site's
// accounts and signs the user in when it matches.
func UserLogin(name, password string) int32 { return userLogin(name, password) }

// Var is abi.FuncVar: it writes the value of the site's variable name
// into buf.
func Var(name string, buf *byte, bufLimit int32) int32 { return varGet(name, buf, bufLimit) }

// Fetch is abi.FuncFetch: it makes an HTTP request to an origin the site
// allows, with headers (NUL-terminated name and value pairs) and body,
// and returns the response's status.
func Fetch(method, url string, headers *byte, headersLen int32, body *byte, bodyLen int32) int32 {
	return fetch(method, url, headers, headersLen, body, bodyLen)
}

// FetchResult is abi.FuncFetchResult: it writes part (abi.Fetch*) of the
// call's last fetched response into buf.
func FetchResult(part int32, buf *byte, bufLimit int32) int32 {
	return fetchResult(part, buf, bufLimit)
}

// UserClaims is abi.FuncUserClaims: it writes the claims of a user who
// signed in with a provider, a JSON object, into buf.
func UserClaims(buf *byte, bufLimit int32) int32 { return userClaims(buf, bufLimit) }

// LoginWith is abi.FuncLoginWith: it starts a sign-in with provider and
// finishes the response as a redirect to it.
func LoginWith(provider, next string) int32 { return loginWith(provider, next) }

// AuthProviders is abi.FuncAuthProviders: it writes the site's sign-in
// providers, a JSON array, into buf.
func AuthProviders(buf *byte, bufLimit int32) int32 { return authProviders(buf, bufLimit) }
