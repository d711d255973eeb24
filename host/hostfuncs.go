package host

import (
	"context"
	"log/slog"
	"strings"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/guest"
)

// hostFuncs implements the wasmweb_v1 import module (abi/ABI.md §7).
// Each function finds the call it serves through the instance's context,
// so no state is shared between instances. hostFuncs is immutable.
type hostFuncs struct{}

var (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// hostFunctions are every host function, one declarative line each,
// with named parameters so that traces and errors read like the ABI.
var hostFunctions = func() []guest.Func {
	var fs []guest.Func
	h := &hostFuncs{}
	// def declares a function whose parameters are i32 unless their name
	// ends in ":i64" or ":f64".
	def := func(name string, fn api.GoModuleFunc, params []string, results ...api.ValueType) {
		types := make([]api.ValueType, len(params))
		names := make([]string, len(params))
		for i, p := range params {
			types[i], names[i] = i32, p
			if n, ok := strings.CutSuffix(p, ":i64"); ok {
				types[i], names[i] = i64, n
			}
			if n, ok := strings.CutSuffix(p, ":f64"); ok {
				types[i], names[i] = api.ValueTypeF64, n
			}
		}
		fs = append(fs, guest.Func{Name: name, ParamNames: names, Params: types, Results: results, Fn: fn})
	}
	def(abi.FuncHostFeatures, h.hostFeatures, nil, i64)
	def(abi.FuncLog, h.logLine, []string{"level", "msg", "msg_len"})
	def(abi.FuncReqGet, reqGet, []string{"field", "buf", "buf_limit"}, i32)
	def(abi.FuncReqHeader, reqHeader, []string{"name", "name_len", "index", "buf", "buf_limit"}, i32)
	def(abi.FuncReqHeaderNames, reqHeaderNames, []string{"buf", "buf_limit"}, i32)
	def(abi.FuncReqParam, reqParam, []string{"name", "name_len", "buf", "buf_limit"}, i32)
	def(abi.FuncReqArg, reqArg, []string{"source", "name", "name_len", "index", "buf", "buf_limit"}, i32)
	def(abi.FuncReqArgNames, reqArgNames, []string{"source", "buf", "buf_limit"}, i32)
	def(abi.FuncReqFile, reqFile, []string{"name", "name_len", "index", "part", "buf", "buf_limit"}, i32)
	def(abi.FuncRespSetStatus, respSetStatus, []string{"code"}, i32)
	def(abi.FuncRespHeader, respHeader, []string{"op", "name", "name_len", "value", "value_len"}, i32)
	def(abi.FuncRespWrite, respWrite, []string{"buf", "len"}, i32)
	def(abi.FuncRespRedirect, respRedirect, []string{"url", "url_len", "status"}, i32)
	def(abi.FuncRespError, respError, []string{"status", "msg", "msg_len"}, i32)
	def(abi.FuncPublish, publish, []string{"topic", "topic_len", "msg", "msg_len"}, i64)
	def(abi.FuncWait, wait, []string{"topic", "topic_len", "cursor:i64", "timeout_ms"}, i32)
	def(abi.FuncMsgID, msgID, []string{"index"}, i64)
	def(abi.FuncMsgData, msgData, []string{"index", "buf", "buf_limit"}, i32)
	def(abi.FuncRespShare, respShare, nil, i32)
	def(abi.FuncRender, render, []string{"name", "name_len", "data", "data_len"}, i32)
	def(abi.FuncCookieGet, cookieGet, []string{"name", "name_len", "buf", "buf_limit"}, i32)
	def(abi.FuncCookieSet, cookieSet, []string{"name", "name_len", "value", "value_len", "attrs", "attrs_len"}, i32)
	def(abi.FuncSignedGet, signedGet, []string{"name", "name_len", "buf", "buf_limit"}, i32)
	def(abi.FuncSignedSet, signedSet, []string{"name", "name_len", "value", "value_len", "attrs", "attrs_len"}, i32)
	def(abi.FuncUserGet, userGet, []string{"buf", "buf_limit"}, i32)
	def(abi.FuncUserSet, userSet, []string{"value", "value_len"}, i32)
	def(abi.FuncXSRFToken, xsrfToken, []string{"buf", "buf_limit"}, i32)
	def(abi.FuncLocaleGet, localeGet, []string{"buf", "buf_limit"}, i32)
	def(abi.FuncLocaleSet, localeSet, []string{"code", "code_len"}, i32)
	def(abi.FuncTranslate, translate, []string{"msg", "msg_len", "plural", "plural_len", "count", "buf", "buf_limit"}, i32)
	def(abi.FuncFormatDate, formatDate, []string{"unix_seconds:i64", "offset_min", "flags", "buf", "buf_limit"}, i32)
	def(abi.FuncFormatNumber, formatNumber, []string{"value:f64", "digits", "buf", "buf_limit"}, i32)
	def(abi.FuncUserLogin, userLogin, []string{"name", "name_len", "password", "password_len"}, i32)
	return fs
}()

func trap(format string, args ...any) { guest.Trap(format, args...) }

// current returns the call being served by the instance mod belongs to,
// or nil outside wasmweb_handle.
func current(ctx context.Context) *call {
	in := guest.FromContext(ctx)
	if in == nil {
		return nil
	}
	c := in.State().(*call)
	if c.req == nil {
		return nil
	}
	return c
}

func arg(stack []uint64, i int) uint32 { return api.DecodeU32(stack[i]) }

func ret(stack []uint64, v int) { stack[0] = api.EncodeI32(int32(v)) }

// read returns a copy-free view of guest memory [ptr, ptr+n), trapping
// when it falls outside memory. Callers copy what they keep.
func read(mod api.Module, ptr, n uint32) []byte {
	mem := mod.Memory()
	if mem == nil {
		trap("guest exports no memory")
	}
	if uint64(ptr)+uint64(n) > uint64(mem.Size()) {
		trap("range [%d, %d) outside memory of %d bytes", ptr, uint64(ptr)+uint64(n), mem.Size())
	}
	b, ok := mem.Read(ptr, n)
	if !ok {
		trap("range [%d, %d) outside memory", ptr, uint64(ptr)+uint64(n))
	}
	return b
}

// output implements the (buf, buf_limit) -> len rule: val is written
// only when it fits; its length is returned either way.
func output(mod api.Module, stack []uint64, bufArg int, val []byte) {
	buf, limit := arg(stack, bufArg), arg(stack, bufArg+1)
	dst := read(mod, buf, limit)
	if len(val) > int(^uint32(0)>>1) {
		ret(stack, abi.ErrTooLarge)
		return
	}
	if len(val) <= len(dst) {
		copy(dst, val)
	}
	ret(stack, len(val))
}

func outputString(mod api.Module, stack []uint64, bufArg int, val string) {
	buf, limit := arg(stack, bufArg), arg(stack, bufArg+1)
	dst := read(mod, buf, limit)
	if len(val) <= len(dst) {
		copy(dst, val)
	}
	ret(stack, len(val))
}

func (h *hostFuncs) hostFeatures(_ context.Context, _ api.Module, stack []uint64) {
	stack[0] = api.EncodeI64(abi.FeatureCore | abi.FeaturePubSub | abi.FeatureTemplates | abi.FeatureCookies | abi.FeatureSigned | abi.FeatureUser | abi.FeatureXSRF | abi.FeatureLocale | abi.FeatureAccounts)
}

func (h *hostFuncs) logLine(ctx context.Context, mod api.Module, stack []uint64) {
	level, msg, n := api.DecodeI32(stack[0]), arg(stack, 1), arg(stack, 2)
	b := read(mod, msg, n)
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
	if in := guest.FromContext(ctx); in != nil {
		in.Log(lv, b)
	}
}
