// Package native joins the SDK to a host that runs natively, in the same
// process: the fake host of package sdktest. The native twin of package
// hostcall dispatches every host function to the Host installed here; under
// wasip1 hostcall's functions are the Wasm imports and this package is not
// used.
//
// Host is the ABI's host functions with guest memory as Go values: an
// input (ptr, len) becomes a string or a []byte, an output (buf, buf_limit)
// becomes a []byte whose length is buf_limit. Results and error codes are
// exactly the ABI's.
package native

import (
	"sync"
	"sync/atomic"
)

// Host is a native implementation of the wasmweb_v1 host functions
// (abi/ABI.md section 7). Each method has the ABI's contract; output
// methods write their value into buf when it fits and return its full
// length.
type Host interface {
	HostFeatures() int64
	Log(level int32, msg string)

	ReqGet(field int32, buf []byte) int32
	ReqHeader(name string, index int32, buf []byte) int32
	ReqHeaderNames(buf []byte) int32
	ReqParam(name string, buf []byte) int32
	ReqArg(source int32, name string, index int32, buf []byte) int32
	ReqArgNames(source int32, buf []byte) int32
	ReqFile(name string, index, part int32, buf []byte) int32

	RespSetStatus(code int32) int32
	RespHeader(op int32, name, value string) int32
	RespWrite(b []byte) int32
	RespRedirect(url string, status int32) int32
	RespError(status int32, msg string) int32

	Publish(topic string, msg []byte) int64
	Wait(topic string, cursor int64, timeoutMS int32) int32
	MsgID(index int32) int64
	MsgData(index int32, buf []byte) int32
	RespShare() int32

	Render(name string, data []byte) int32

	CookieGet(name string, buf []byte) int32
	CookieSet(name, value, attrs string) int32
	SignedCookieGet(name string, buf []byte) int32
	SignedCookieSet(name, value, attrs string) int32
	UserGet(buf []byte) int32
	UserSet(value string) int32
	XSRFToken(buf []byte) int32

	LocaleGet(buf []byte) int32
	LocaleSet(code string) int32
	Translate(msg, plural string, count int32, buf []byte) int32
	FormatDate(unixSeconds int64, offsetMin, flags int32, buf []byte) int32
	FormatNumber(value float64, digits int32, buf []byte) int32
	UserLogin(name, password string) int32

	Var(name string, buf []byte) int32
	Fetch(method, url string, headers, body []byte) int32
	FetchResult(part int32, buf []byte) int32
	UserClaims(buf []byte) int32
	LoginWith(provider, next string) int32
	AuthProviders(buf []byte) int32
}

var (
	// serveMu serializes Serve: a guest instance serves one request at a
	// time, and the SDK's per-route state relies on it.
	serveMu sync.Mutex

	// current is the host of the request in progress, or the host that
	// served the last one (which then answers ERR_NO_REQUEST), or nil
	// when no host was ever installed.
	current atomic.Pointer[hostRef]

	// handle is the SDK's wasmweb_handle, set by SetHandle.
	handle atomic.Pointer[func(route, method int32) int32]
)

type hostRef struct{ h Host }

// Current returns the host serving the current request. It returns nil
// when Serve was never called, that is when the code does not run under a
// host at all.
func Current() Host {
	if r := current.Load(); r != nil {
		return r.h
	}
	return nil
}

// SetHandle records f as the guest's wasmweb_serve export (abi/ABI.md
// section 4). The SDK calls it from its init function in native builds.
func SetHandle(f func(route, method int32) int32) {
	handle.Store(&f)
}

// Serve calls the guest's wasmweb_serve(route, method) with h as the host
// and returns its result; method is the request's method number
// (abi.MethodNumber). While the call runs Current returns h; afterwards it
// returns after, which should answer ERR_NO_REQUEST to request and
// response calls as the ABI's host does outside wasmweb_handle. Calls are
// serialized. Serve panics if no SDK registered its handle function.
func Serve(h, after Host, route, method int32) int32 {
	f := handle.Load()
	if f == nil {
		panic("sdktest: the sdk package is not linked into this program, or it was built for wasip1")
	}
	serveMu.Lock()
	defer serveMu.Unlock()
	current.Store(&hostRef{h})
	defer current.Store(&hostRef{after})
	return (*f)(route, method)
}
