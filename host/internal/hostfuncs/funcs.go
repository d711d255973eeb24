// Package hostfuncs implements the wasmweb_v1 import module (abi/ABI.md
// section 7): every host function's declaration, one line each in
// Functions, and its logic, a Go function of decoded arguments; and
// Call, the state of the request a guest call serves, which the
// functions read and write. The guest runtime builds the host module and
// checks guests' imports from Functions. Running guests and pooling
// instances are package guest's, parking requests package longpoll's:
// the functions call them.
package hostfuncs

import (
	"context"
	"log/slog"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/guest"
)

// Functions are the functions of the wasmweb_v1 module, each declared
// once: its ABI name, its parameters as ABI.md names them, and the Go
// function that implements it. The adapters (in, out, wide) decode the
// parameters, trap on a range outside memory, answer ERR_NO_REQUEST
// outside a call, and write an output's value by the (buf, buf_limit)
// rule; an output function's (buf, buf_limit) pair is implied.
var Functions = []guest.Func{
	reqDef(abi.FuncHostFeatures, []api.ValueType{api.ValueTypeI64}, hostFeatures),
	free2(abi.FuncLog, i32("level"), mem("msg"), logLine),

	out1(abi.FuncReqGet, i32("field"), reqGet),
	out2(abi.FuncReqHeader, mem("name"), i32("index"), reqHeader),
	out0(abi.FuncReqHeaderNames, reqHeaderNames),
	out1(abi.FuncReqParam, mem("name"), reqParam),
	out3(abi.FuncReqArg, i32("source"), str("name"), i32("index"), reqArg),
	out1(abi.FuncReqArgNames, i32("source"), reqArgNames),
	out3(abi.FuncReqFile, str("name"), i32("index"), i32("part"), reqFile),

	in1(abi.FuncRespSetStatus, i32("code"), respSetStatus),
	in3(abi.FuncRespHeader, i32("op"), mem("name"), mem("value"), respHeader),
	in1(abi.FuncRespWrite, mem("buf", "len"), respWrite),
	in2(abi.FuncRespRedirect, str("url"), i32("status"), respRedirect),
	in2(abi.FuncRespError, i32("status"), str("msg"), respError),

	wide2(abi.FuncPublish, str("topic"), mem("msg"), publish),
	in3(abi.FuncWait, str("topic"), i64("cursor"), i32("timeout_ms"), wait),
	wide1(abi.FuncMsgID, i32("index"), msgID),
	out1(abi.FuncMsgData, i32("index"), msgData),
	in0(abi.FuncRespShare, respShare),

	in2(abi.FuncRender, str("name"), mem("data"), render),

	out1(abi.FuncCookieGet, str("name"), cookieGet),
	in3(abi.FuncCookieSet, str("name"), str("value"), str("attrs"), cookieSet),
	out1(abi.FuncSignedGet, str("name"), signedGet),
	in3(abi.FuncSignedSet, str("name"), mem("value"), str("attrs"), signedSet),
	out0(abi.FuncUserGet, userGet),
	in1(abi.FuncUserSet, mem("value"), userSet),
	out0(abi.FuncXSRFToken, xsrfToken),

	out0(abi.FuncLocaleGet, localeGet),
	in1(abi.FuncLocaleSet, str("code"), localeSet),
	out3(abi.FuncTranslate, str("msg"), mem("plural"), i32("count"), translate),
	out3(abi.FuncFormatDate, i64("unix_seconds"), i32("offset_min"), i32("flags"), formatDate),
	out2(abi.FuncFormatNumber, f64("value"), i32("digits"), formatNumber),

	in2(abi.FuncUserLogin, mem("name"), mem("password"), userLogin),

	out1(abi.FuncVar, str("name"), varGet),
	blocking4(abi.FuncFetch, str("method"), str("url"), mem("headers"), mem("body"), fetch),
	out1(abi.FuncFetchResult, i32("part"), fetchResult),
	out0(abi.FuncUserClaims, userClaims),
	in2(abi.FuncLoginWith, mem("provider"), mem("next"), loginWith),
	out0(abi.FuncAuthProviders, authProviders),
}

// features are the feature bits host_features returns (abi/ABI.md
// section 8).
const features = abi.FeatureCore | abi.FeaturePubSub | abi.FeatureTemplates | abi.FeatureCookies | abi.FeatureSigned |
	abi.FeatureUser | abi.FeatureXSRF | abi.FeatureLocale | abi.FeatureAccounts | abi.FeatureProviders | abi.FeatureKV |
	abi.FeatureVars | abi.FeatureFetch | abi.FeatureProviderToken

func hostFeatures(_ context.Context, _ api.Module, stack []uint64) {
	stack[0] = api.EncodeI64(features)
}

// logLine is the log function: it needs no request, since _initialize
// may log too.
func logLine(in *guest.Instance, level int32, msg []byte) {
	var lv slog.Level
	switch level {
	case abi.LogDebug:
		lv = slog.LevelDebug
	case abi.LogWarn:
		lv = slog.LevelWarn
	case abi.LogError:
		lv = slog.LevelError
	default:
		lv = slog.LevelInfo
	}
	in.Log(lv, msg)
}
