//go:build wasip1

package hostcall

// The host functions of abi/ABI.md section 7, one declaration each, which
// the exported functions of hostcall.go call. The names are literals
// because //go:wasmimport takes nothing else; TestWasmImportsMatchABI
// (package sdk) checks each one against package abi and ABI.md, and that
// the exported function of the same name calls it.

//go:wasmimport wasmweb_v1 host_features
func hostFeatures() int64

//go:wasmimport wasmweb_v1 log
func hostLog(level int32, msg string)

//go:wasmimport wasmweb_v1 req_get
func reqGet(field int32, buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 req_header
func reqHeader(name string, index int32, buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 req_header_names
func reqHeaderNames(buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 req_param
func reqParam(name string, buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 req_arg
func reqArg(source int32, name string, index int32, buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 req_arg_names
func reqArgNames(source int32, buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 req_file
func reqFile(name string, index, part int32, buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 resp_set_status
func respSetStatus(code int32) int32

//go:wasmimport wasmweb_v1 resp_header
func respHeader(op int32, name, value string) int32

//go:wasmimport wasmweb_v1 resp_write
func respWrite(buf *byte, bufLen int32) int32

//go:wasmimport wasmweb_v1 resp_redirect
func respRedirect(url string, status int32) int32

//go:wasmimport wasmweb_v1 resp_error
func respError(status int32, msg string) int32

//go:wasmimport wasmweb_v1 publish
func publish(topic string, msg *byte, msgLen int32) int64

//go:wasmimport wasmweb_v1 wait
func wait(topic string, cursor int64, timeoutMS int32) int32

//go:wasmimport wasmweb_v1 msg_id
func msgID(index int32) int64

//go:wasmimport wasmweb_v1 msg_data
func msgData(index int32, buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 resp_share
func respShare() int32

//go:wasmimport wasmweb_v1 render
func render(name string, data *byte, dataLen int32) int32

//go:wasmimport wasmweb_v1 cookie_get
func cookieGet(name string, buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 cookie_set
func cookieSet(name, value, attrs string) int32

//go:wasmimport wasmweb_v1 signed_cookie_get
func signedCookieGet(name string, buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 signed_cookie_set
func signedCookieSet(name, value, attrs string) int32

//go:wasmimport wasmweb_v1 user_get
func userGet(buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 user_set
func userSet(value string) int32

//go:wasmimport wasmweb_v1 xsrf_token
func xsrfToken(buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 locale_get
func localeGet(buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 locale_set
func localeSet(code string) int32

//go:wasmimport wasmweb_v1 translate
func translate(msg, plural string, count int32, buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 format_date
func formatDate(unixSeconds int64, offsetMin, flags int32, buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 format_number
func formatNumber(value float64, digits int32, buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 user_login
func userLogin(name, password string) int32

//go:wasmimport wasmweb_v1 var
func varGet(name string, buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 fetch
func fetch(method, url string, headers *byte, headersLen int32, body *byte, bodyLen int32) int32

//go:wasmimport wasmweb_v1 fetch_result
func fetchResult(part int32, buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 user_claims
func userClaims(buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 login_with
func loginWith(provider, next string) int32

//go:wasmimport wasmweb_v1 auth_providers
func authProviders(buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 kv_get
func kvGet(key string, buf *byte, bufLimit int32) int32

//go:wasmimport wasmweb_v1 kv_set
func kvSet(key string, value *byte, valueLen int32, ttlSeconds int32, expect int64) int64

//go:wasmimport wasmweb_v1 kv_delete
func kvDelete(key string, expect int64) int32

//go:wasmimport wasmweb_v1 kv_incr
func kvIncr(key string, delta int64, ttlSeconds int32, result *byte, resultLen int32) int32

//go:wasmimport wasmweb_v1 kv_list
func kvList(prefix, after string, limit int32, buf *byte, bufLimit int32) int32
