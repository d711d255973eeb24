//go:build !wasip1

package hostcall

import (
	"os"
	"unsafe"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/internal/native"
)

// The native twin of imports_wasip1.go: the same functions with the same
// signatures, served by the native host that package sdktest installs, so
// handler code and the SDK's memory protocol run under plain go test.

const notUnderHost = "sdk: not running under wasmweb; use sdktest"

// nativeHost returns the installed native host or panics with a message
// saying why there is none.
func nativeHost() native.Host {
	h := native.Current()
	if h == nil {
		panic(notUnderHost)
	}
	return h
}

// bytesAt is the guest memory a (ptr, len) pair names.
func bytesAt(p *byte, n int32) []byte {
	if n < 0 {
		panic("hostcall: negative length")
	}
	return unsafe.Slice(p, n)
}

// hostFeatures and hostLog work without a host, as they do during
// _initialize, so that init functions that log do not crash go test.
func hostFeatures() int64 {
	if h := native.Current(); h != nil {
		return h.HostFeatures()
	}
	return abi.FeatureCore
}

func hostLog(level int32, msg string) {
	if h := native.Current(); h != nil {
		h.Log(level, msg)
		return
	}
	os.Stderr.WriteString("sdk: log (no host): " + msg + "\n")
}

func reqGet(field int32, buf *byte, bufLimit int32) int32 {
	return nativeHost().ReqGet(field, bytesAt(buf, bufLimit))
}

func reqHeader(name string, index int32, buf *byte, bufLimit int32) int32 {
	return nativeHost().ReqHeader(name, index, bytesAt(buf, bufLimit))
}

func reqHeaderNames(buf *byte, bufLimit int32) int32 {
	return nativeHost().ReqHeaderNames(bytesAt(buf, bufLimit))
}

func reqParam(name string, buf *byte, bufLimit int32) int32 {
	return nativeHost().ReqParam(name, bytesAt(buf, bufLimit))
}

func reqArg(source int32, name string, index int32, buf *byte, bufLimit int32) int32 {
	return nativeHost().ReqArg(source, name, index, bytesAt(buf, bufLimit))
}

func reqArgNames(source int32, buf *byte, bufLimit int32) int32 {
	return nativeHost().ReqArgNames(source, bytesAt(buf, bufLimit))
}

func reqFile(name string, index, part int32, buf *byte, bufLimit int32) int32 {
	return nativeHost().ReqFile(name, index, part, bytesAt(buf, bufLimit))
}

func respSetStatus(code int32) int32 {
	return nativeHost().RespSetStatus(code)
}

func respHeader(op int32, name, value string) int32 {
	return nativeHost().RespHeader(op, name, value)
}

func respWrite(buf *byte, bufLen int32) int32 {
	return nativeHost().RespWrite(bytesAt(buf, bufLen))
}

func respRedirect(url string, status int32) int32 {
	return nativeHost().RespRedirect(url, status)
}

func respError(status int32, msg string) int32 {
	return nativeHost().RespError(status, msg)
}

func publish(topic string, msg *byte, msgLen int32) int64 {
	return nativeHost().Publish(topic, bytesAt(msg, msgLen))
}

func wait(topic string, cursor int64, timeoutMS int32) int32 {
	return nativeHost().Wait(topic, cursor, timeoutMS)
}

func msgID(index int32) int64 {
	return nativeHost().MsgID(index)
}

func msgData(index int32, buf *byte, bufLimit int32) int32 {
	return nativeHost().MsgData(index, bytesAt(buf, bufLimit))
}

func respShare() int32 {
	return nativeHost().RespShare()
}

func render(name string, data *byte, dataLen int32) int32 {
	return nativeHost().Render(name, bytesAt(data, dataLen))
}

func cookieGet(name string, buf *byte, bufLimit int32) int32 {
	return nativeHost().CookieGet(name, bytesAt(buf, bufLimit))
}

func cookieSet(name, value, attrs string) int32 {
	return nativeHost().CookieSet(name, value, attrs)
}

func signedCookieGet(name string, buf *byte, bufLimit int32) int32 {
	return nativeHost().SignedCookieGet(name, bytesAt(buf, bufLimit))
}

func signedCookieSet(name, value, attrs string) int32 {
	return nativeHost().SignedCookieSet(name, value, attrs)
}

func userGet(buf *byte, bufLimit int32) int32 {
	return nativeHost().UserGet(bytesAt(buf, bufLimit))
}

func userSet(value string) int32 {
	return nativeHost().UserSet(value)
}

func xsrfToken(buf *byte, bufLimit int32) int32 {
	return nativeHost().XSRFToken(bytesAt(buf, bufLimit))
}

func localeGet(buf *byte, bufLimit int32) int32 {
	return nativeHost().LocaleGet(bytesAt(buf, bufLimit))
}

func localeSet(code string) int32 {
	return nativeHost().LocaleSet(code)
}

func translate(msg, plural string, count int32, buf *byte, bufLimit int32) int32 {
	return nativeHost().Translate(msg, plural, count, bytesAt(buf, bufLimit))
}

func formatDate(unixSeconds int64, offsetMin, flags int32, buf *byte, bufLimit int32) int32 {
	return nativeHost().FormatDate(unixSeconds, offsetMin, flags, bytesAt(buf, bufLimit))
}

func formatNumber(value float64, digits int32, buf *byte, bufLimit int32) int32 {
	return nativeHost().FormatNumber(value, digits, bytesAt(buf, bufLimit))
}

func userLogin(name, password string) int32 {
	return nativeHost().UserLogin(name, password)
}

func varGet(name string, buf *byte, bufLimit int32) int32 {
	return nativeHost().Var(name, bytesAt(buf, bufLimit))
}

func fetch(method, url string, headers *byte, headersLen int32, body *byte, bodyLen int32) int32 {
	return nativeHost().Fetch(method, url, bytesAt(headers, headersLen), bytesAt(body, bodyLen))
}

func fetchResult(part int32, buf *byte, bufLimit int32) int32 {
	return nativeHost().FetchResult(part, bytesAt(buf, bufLimit))
}

func userClaims(buf *byte, bufLimit int32) int32 {
	return nativeHost().UserClaims(bytesAt(buf, bufLimit))
}

func loginWith(provider, next string) int32 {
	return nativeHost().LoginWith(provider, next)
}

func authProviders(buf *byte, bufLimit int32) int32 {
	return nativeHost().AuthProviders(bytesAt(buf, bufLimit))
}
