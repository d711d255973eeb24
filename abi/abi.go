// Package abi names the contract between the wasmweb host and its Wasm
// guests: import and export names, fields, error codes and feature flags.
// ABI.md in this directory is the normative text; each constant's comment
// is a summary of it. The package holds no logic and no state, so both the
// host and the guest SDK import it; it is a module of its own,
// github.com/wasmweb/wasmweb/abi, with no dependencies.
package abi

// ModuleName is the import module of every host function. Its suffix is
// the ABI's major version.
const ModuleName = "wasmweb_v1"

// Guest exports.
const (
	// ExportMemory is the guest's memory; all pointers refer to it.
	ExportMemory = "memory"
	// ExportInitialize, "() -> ()", is run once per instance when present.
	ExportInitialize = "_initialize"
	// ExportHandle, "(route i32) -> (status i32)", handles one request.
	ExportHandle = "wasmweb_handle"
	// ExportServe, "(route i32, method i32) -> (status i32)", is
	// optional: when the guest has it, the host calls it instead of
	// ExportHandle, with the request's method as a method number
	// (MethodGet, ...), so that the guest need not ask for it.
	ExportServe = "wasmweb_serve"
	// ExportHandlers, "() -> (names i64)", is optional: it returns the
	// guest's handler names, NUL-separated, as a pointer (low 32 bits)
	// and a length (high 32 bits). The host calls it once at load.
	ExportHandlers = "wasmweb_handlers"
)

// Method numbers, the second argument of ExportServe.
const (
	MethodOther   = 0 // a method without a number: the guest reads it with FieldMethod
	MethodGet     = 1
	MethodHead    = 2
	MethodPost    = 3
	MethodPut     = 4
	MethodDelete  = 5
	MethodPatch   = 6
	MethodOptions = 7
)

// MethodNumber returns the method number of the method m, MethodOther
// for a method without one. Methods are case-sensitive.
func MethodNumber(m string) int32 {
	switch m {
	case "GET":
		return MethodGet
	case "HEAD":
		return MethodHead
	case "POST":
		return MethodPost
	case "PUT":
		return MethodPut
	case "DELETE":
		return MethodDelete
	case "PATCH":
		return MethodPatch
	case "OPTIONS":
		return MethodOptions
	}
	return MethodOther
}

// MethodName returns the method whose number is n, "" for MethodOther
// and for a number that names no method.
func MethodName(n int32) string {
	switch n {
	case MethodGet:
		return "GET"
	case MethodHead:
		return "HEAD"
	case MethodPost:
		return "POST"
	case MethodPut:
		return "PUT"
	case MethodDelete:
		return "DELETE"
	case MethodPatch:
		return "PATCH"
	case MethodOptions:
		return "OPTIONS"
	}
	return ""
}

// Caps of what ExportHandlers returns.
const (
	// MaxHandlers caps the number of handler names.
	MaxHandlers = 1024
	// MaxHandlerName caps one handler name, in bytes.
	MaxHandlerName = 256
	// MaxHandlerNames caps the names together, separators included.
	MaxHandlerNames = 64 << 10
)

// Results of ExportHandle and ExportServe.
const (
	// StatusDone: the response is complete.
	StatusDone = 0
	// StatusWait: the guest's wait parked the request; resume it later.
	StatusWait = 1
	// StatusFailed: the guest could not handle the request (the SDK
	// returns it after a recovered panic). Any value other than
	// StatusDone and StatusWait means the same.
	StatusFailed = -1
	// StatusPanicked: as StatusFailed, and the failure is reported as a
	// panic whose message and stack are the guest's last LogError line
	// of the call (ABI.md section 9).
	StatusPanicked = -2
)

// Host functions, imported from ModuleName.
const (
	// FuncHostFeatures, "() -> i64", returns the host's feature bits.
	FuncHostFeatures = "host_features"
	// FuncLog, "(level, msg, msg_len)", writes a log line.
	FuncLog = "log"

	// FuncReqGet, "(field, buf, buf_limit) -> len", returns a request field.
	FuncReqGet = "req_get"
	// FuncReqHeader, "(name, name_len, index, buf, buf_limit) -> len",
	// returns the index-th value of a request header.
	FuncReqHeader = "req_header"
	// FuncReqHeaderNames, "(buf, buf_limit) -> len", returns the distinct
	// lower-cased header names, each followed by NUL.
	FuncReqHeaderNames = "req_header_names"
	// FuncReqParam, "(name, name_len, buf, buf_limit) -> len", returns a
	// path parameter of the route.
	FuncReqParam = "req_param"
	// FuncReqArg, "(source, name, name_len, index, buf, buf_limit) -> len",
	// returns the index-th value of an argument.
	FuncReqArg = "req_arg"
	// FuncReqArgNames, "(source, buf, buf_limit) -> len", returns the
	// distinct argument names, each followed by NUL.
	FuncReqArgNames = "req_arg_names"
	// FuncReqFile, "(name, name_len, index, part, buf, buf_limit) -> len",
	// returns part of an uploaded file.
	FuncReqFile = "req_file"

	// FuncRespSetStatus, "(code) -> err", sets the response status.
	FuncRespSetStatus = "resp_set_status"
	// FuncRespHeader, "(op, name, name_len, value, value_len) -> err",
	// sets, adds or deletes a response header.
	FuncRespHeader = "resp_header"
	// FuncRespWrite, "(buf, len) -> err", appends to the response body.
	FuncRespWrite = "resp_write"
	// FuncRespRedirect, "(url, url_len, status) -> err", finishes with a
	// redirect.
	FuncRespRedirect = "resp_redirect"
	// FuncRespError, "(status, msg, msg_len) -> err", finishes with an
	// error page.
	FuncRespError = "resp_error"

	// FuncPublish, "(topic, topic_len, msg, msg_len) -> i64", publishes a
	// message and returns its id.
	FuncPublish = "publish"
	// FuncWait, "(topic, topic_len, cursor i64, timeout_ms) -> n", returns
	// the number of messages newer than cursor, or parks the request.
	FuncWait = "wait"
	// FuncMsgID, "(index) -> i64", returns the id of a waited message.
	FuncMsgID = "msg_id"
	// FuncMsgData, "(index, buf, buf_limit) -> len", returns a waited
	// message's data.
	FuncMsgData = "msg_data"
	// FuncRespShare, "() -> err", declares that the response depends only
	// on the route and what the call's wait returned, so the host may give
	// a copy of it to other waiters woken by the same messages.
	FuncRespShare = "resp_share"

	// FuncRender, "(name, name_len, data, data_len) -> err", renders a
	// site template with JSON data and appends it to the body.
	FuncRender = "render"

	// FuncCookieGet, "(name, name_len, buf, buf_limit) -> len", returns a
	// request cookie's value.
	FuncCookieGet = "cookie_get"
	// FuncCookieSet, "(name, name_len, value, value_len, attrs, attrs_len)
	// -> err", adds a Set-Cookie to the response.
	FuncCookieSet = "cookie_set"
	// FuncSignedGet, "(name, name_len, buf, buf_limit) -> len", returns
	// the value a signed cookie carries, if it verifies.
	FuncSignedGet = "signed_cookie_get"
	// FuncSignedSet, "(name, name_len, value, value_len, attrs,
	// attrs_len) -> err", sets a cookie signed by the host.
	FuncSignedSet = "signed_cookie_set"
	// FuncUserGet, "(buf, buf_limit) -> len", returns the current user.
	FuncUserGet = "user_get"
	// FuncUserSet, "(value, value_len) -> err", signs the current user in,
	// or out when value is empty.
	FuncUserSet = "user_set"
	// FuncXSRFToken, "(buf, buf_limit) -> len", returns the request's
	// XSRF token, freshly masked.
	FuncXSRFToken = "xsrf_token"

	// FuncLocaleGet, "(buf, buf_limit) -> len", returns the request's
	// locale code, such as "es".
	FuncLocaleGet = "locale_get"
	// FuncLocaleSet, "(code, code_len) -> err", records the user's choice
	// of locale in a cookie and uses it for the rest of the call;
	// ErrNotFound for a locale the site lacks, and an empty code clears
	// the choice.
	FuncLocaleSet = "locale_set"
	// FuncTranslate, "(msg, msg_len, plural, plural_len, count, buf,
	// buf_limit) -> len", returns msg in the request's locale; with a
	// plural, count chooses the form and replaces each %d.
	FuncTranslate = "translate"
	// FuncFormatDate, "(unix_seconds i64, offset_min, flags, buf,
	// buf_limit) -> len", writes a time in the request's locale, as seen
	// at a UTC offset; flags are DateRelative and DateNoTime.
	FuncFormatDate = "format_date"
	// FuncFormatNumber, "(value f64, digits, buf, buf_limit) -> len",
	// writes a number in the request's locale with digits fraction digits
	// (-1: as many as it needs).
	FuncFormatNumber = "format_number"

	// FuncUserLogin, "(name, name_len, password, password_len) -> err",
	// checks a password against the site's accounts and, when it matches,
	// signs the user in as FuncUserSet does; ErrDenied otherwise.
	FuncUserLogin = "user_login"

	// FuncVar, "(name, name_len, buf, buf_limit) -> len", returns a site
	// variable's value; ErrNotFound when the site has none of that name.
	FuncVar = "var"

	// FuncFetch, "(method, method_len, url, url_len, headers,
	// headers_len, body, body_len) -> status", makes an HTTP request to
	// an origin the site allows and returns the response's status, or an
	// error code; headers are NUL-terminated name and value pairs.
	FuncFetch = "fetch"
	// FuncFetchResult, "(part, buf, buf_limit) -> len", returns part
	// (FetchHeaders or FetchBody) of the call's last fetched response.
	FuncFetchResult = "fetch_result"
)

// Parts of FuncFetchResult.
const (
	FetchHeaders = 0
	FetchBody    = 1
)

// Caps of a fetch's request (FuncFetch); past them it returns
// ErrTooLarge.
const (
	// MaxFetchHeaders caps the request's header fields.
	MaxFetchHeaders = 100
	// MaxFetchHeaderBytes caps the header list as the guest passes it.
	MaxFetchHeaderBytes = 64 << 10
)

// FetchProviderToken is the name of a fetch's header-list entry whose
// value names a sign-in provider: the host attaches the signed-in user's
// access token of that provider as "Authorization: Bearer", when the
// site forwards it to the URL (FeatureProviderToken). It is no field
// name, so an older host refuses it rather than sending it.
const FetchProviderToken = ":provider-token"

// Caps of site variables (FuncVar).
const (
	// MaxVarName caps a variable's name.
	MaxVarName = 128
	// MaxVarValue caps a variable's value.
	MaxVarValue = 64 << 10
	// FuncUserClaims, "(buf, buf_limit) -> len", returns the claims of a
	// user signed in with a provider as a JSON object; ErrNotFound for
	// another user or none.
	FuncUserClaims = "user_claims"
	// FuncLoginWith, "(provider, provider_len, next, next_len) -> err",
	// starts a sign-in with a provider and finishes the response as a
	// redirect to it; ErrNotFound for a provider the site lacks.
	FuncLoginWith = "login_with"
	// FuncAuthProviders, "(buf, buf_limit) -> len", returns the site's
	// sign-in providers as a JSON array of {"name", "title",
	// "login_path"} objects, in name order; "[]" when it has none.
	FuncAuthProviders = "auth_providers"
	// FuncKVGet, "(key, key_len, buf, buf_limit) -> len", returns the
	// entry of a key of the site's store: its version, 8 bytes
	// little-endian, then its value; ErrNotFound when there is none.
	FuncKVGet = "kv_get"
	// FuncKVSet, "(key, key_len, value, value_len, ttl_seconds, expect
	// i64) -> i64", stores a value and returns its new version; expect
	// KVAny sets it whatever it holds, KVAbsent only when the key has
	// none, a version only when that is its version (else ErrConflict).
	FuncKVSet = "kv_set"
	// FuncKVDelete, "(key, key_len, expect i64) -> err", removes a key,
	// with FuncKVSet's expect.
	FuncKVDelete = "kv_delete"
	// FuncKVIncr, "(key, key_len, delta i64, ttl_seconds, result,
	// result_len) -> err", adds delta to the decimal integer a key holds
	// (0 when it has none) and writes the sum, 8 bytes little-endian, at
	// result; result_len must be 8.
	FuncKVIncr = "kv_incr"
	// FuncKVList, "(prefix, prefix_len, after, after_len, limit, buf,
	// buf_limit) -> len", returns at most limit keys that start with
	// prefix and sort after after, in byte order, each followed by NUL.
	FuncKVList = "kv_list"
)

// Values and caps of the FuncKV* functions (ABI.md section 7.13).
const (
	// KVAny is the expect of an unconditional FuncKVSet or FuncKVDelete.
	KVAny = -1
	// KVAbsent is the expect of a FuncKVSet that only creates.
	KVAbsent = 0
	// KVVersionLen is the size of the version that opens FuncKVGet's
	// entry, and of FuncKVIncr's result.
	KVVersionLen = 8
	// MaxKVKey caps a key, whatever a site's max_key_bytes says.
	MaxKVKey = 1024
	// MaxKVList caps FuncKVList's limit.
	MaxKVList = 1000
)

// ValidKVKey reports whether key is a key a guest may use (ABI.md
// section 7.13), maxLen aside: 1 to MaxKVKey bytes of ASCII letters,
// digits and "-_/=.", neither starting nor ending with "." nor holding
// "..". These are the keys a NATS key-value bucket accepts, so a key
// means the same on every backend.
func ValidKVKey(key string) bool {
	if key == "" || len(key) > MaxKVKey || key[0] == '.' || key[len(key)-1] == '.' {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '/' || c == '=' || c == '.') {
			return false
		}
		if c == '.' && key[i+1] == '.' {
			return false
		}
	}
	return true
}

// Fields of FuncReqGet.
const (
	FieldMethod       = 0
	FieldTarget       = 1
	FieldPath         = 2
	FieldQuery        = 3
	FieldHost         = 4
	FieldRemoteAddr   = 5
	FieldProtocol     = 6
	FieldBody         = 7
	FieldHandler      = 8
	FieldRequestID    = 9
	FieldRoutePattern = 10
)

// Argument sources of FuncReqArg and FuncReqArgNames.
const (
	ArgsQuery = 1
	ArgsBody  = 2
	ArgsAll   = 3
)

// Parts of FuncReqFile.
const (
	FileName = 0
	FileType = 1
	FileBody = 2
)

// Flags of FuncFormatDate.
const (
	// DateRelative writes times near now relative to it: "2 minutes ago",
	// "yesterday at 3:04 PM", "Monday".
	DateRelative = 1 << 0
	// DateNoTime leaves out the time of day: "January 5, 2024".
	DateNoTime = 1 << 1
)

// MaxFractionDigits is the most fraction digits FuncFormatNumber writes.
const MaxFractionDigits = 20

// Operations of FuncRespHeader.
const (
	HeaderSet = 0
	HeaderAdd = 1
	HeaderDel = 2
)

// Log levels of FuncLog.
const (
	LogDebug = 0
	LogInfo  = 1
	LogWarn  = 2
	LogError = 3
)

// Error codes returned by host functions; all are negative.
const (
	ErrNotFound  = -1
	ErrInvalid   = -2
	ErrTooLarge  = -3
	ErrFinished  = -4
	ErrNoRequest = -5
	// ErrUnavailable: the pub/sub backend or a fetched upstream is
	// unreachable, or the site's fetches are at their cap.
	ErrUnavailable = -6
	// WaitParked is not an error: FuncWait parked the request and the
	// guest must return StatusWait.
	WaitParked = -7
	// ErrDenied: FuncUserLogin found no account with that name and
	// password, or the name is locked after failed attempts; FuncFetch
	// was given, or redirected to, a URL or address the site does not
	// allow.
	ErrDenied = -8
	// ErrConflict: a FuncKVSet or FuncKVDelete found another version
	// than the one it expected.
	ErrConflict = -9
)

// Feature bits returned by FuncHostFeatures.
const (
	// FeatureCore: request, response, log and features (always set).
	FeatureCore = 1 << 0
	// FeaturePubSub: publish, wait, msg_id, msg_data and resp_share.
	FeaturePubSub = 1 << 1
	// FeatureTemplates: render.
	FeatureTemplates = 1 << 2
	// FeatureCookies: cookie_get and cookie_set.
	FeatureCookies = 1 << 3
	// FeatureSigned: signed_cookie_get and signed_cookie_set.
	FeatureSigned = 1 << 4
	// FeatureUser: user_get and user_set, and auth = "required" routes.
	FeatureUser = 1 << 5
	// FeatureXSRF: xsrf_token, and the host's check of non-safe methods.
	FeatureXSRF = 1 << 6
	// FeatureLocale: locale_get, locale_set, translate, format_date and
	// format_number, and the locale-aware template functions.
	FeatureLocale = 1 << 7
	// FeatureAccounts: user_login, against the site's [site.accounts].
	FeatureAccounts = 1 << 8
	// FeatureVars: var, the site's [site.vars].
	FeatureVars = 1 << 11
	// FeatureFetch: fetch and fetch_result, to the origins of the site's
	// [site.outbound] allow list.
	FeatureFetch = 1 << 12
	// FeatureProviders: user_claims, login_with and auth_providers,
	// against the site's [site.auth.providers].
	FeatureProviders = 1 << 9
	// FeatureKV: kv_get, kv_set, kv_delete, kv_incr and kv_list, the
	// site's key-value store.
	FeatureKV = 1 << 10
	// FeatureProviderToken: a fetch's header list may hold
	// FetchProviderToken, for the host to attach the signed-in user's
	// access token of that provider.
	FeatureProviderToken = 1 << 13
)

// UserCookie is the signed cookie in which the host keeps the current
// user.
const UserCookie = "wasmweb_user"

// SignInCookie is the encrypted cookie in which the host keeps a
// sign-in with a provider while the user is away at the provider: its
// state, PKCE verifier, nonce and next path.
const SignInCookie = "wasmweb_signin"

// ClaimsCookie is the encrypted cookie in which the host keeps the
// claims of a user signed in with a provider, bound to that user.
const ClaimsCookie = "wasmweb_claims"

// LocaleCookie is the default name of the cookie that holds the user's
// choice of locale.
const LocaleCookie = "wasmweb_locale"

// Host caps on what a guest can make the host hold.
const (
	// MaxResponseHeaders caps the number of response header fields.
	MaxResponseHeaders = 100
	// MaxResponseHeaderBytes caps their total size.
	MaxResponseHeaderBytes = 64 << 10
	// MaxLogMessage caps a log message; longer ones are truncated.
	MaxLogMessage = 4 << 10
	// DefaultMaxResponseBytes is the default cap on a response body.
	DefaultMaxResponseBytes = 16 << 20
)

// MaxTopicLen caps a topic name.
const MaxTopicLen = 200

// ValidTopic reports whether name is a topic name a guest may use (ABI.md
// section 7.4): 1 to MaxTopicLen bytes of ASCII letters, digits and
// "-_.:/".
func ValidTopic(name string) bool {
	if name == "" || len(name) > MaxTopicLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':' || c == '/') {
			return false
		}
	}
	return true
}
