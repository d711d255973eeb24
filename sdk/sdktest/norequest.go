package sdktest

import (
	"fmt"
	"os"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/internal/native"
)

// This file holds the host as a handler's module sees it outside a
// request.

// noRequest is the host between requests: as during _initialize, only log
// and host_features work.
type noRequest struct{}

var _ native.Host = noRequest{}

func (noRequest) HostFeatures() int64 { return features }

func (noRequest) Log(level int32, msg string) {
	fmt.Fprintf(os.Stderr, "sdktest: log outside a request: %s\n", msg)
}

func (noRequest) ReqGet(int32, []byte) int32                 { return abi.ErrNoRequest }
func (noRequest) ReqHeader(string, int32, []byte) int32      { return abi.ErrNoRequest }
func (noRequest) ReqHeaderNames([]byte) int32                { return abi.ErrNoRequest }
func (noRequest) ReqParam(string, []byte) int32              { return abi.ErrNoRequest }
func (noRequest) ReqArg(int32, string, int32, []byte) int32  { return abi.ErrNoRequest }
func (noRequest) ReqArgNames(int32, []byte) int32            { return abi.ErrNoRequest }
func (noRequest) ReqFile(string, int32, int32, []byte) int32 { return abi.ErrNoRequest }
func (noRequest) RespSetStatus(int32) int32                  { return abi.ErrNoRequest }
func (noRequest) RespHeader(int32, string, string) int32     { return abi.ErrNoRequest }
func (noRequest) RespWrite([]byte) int32                     { return abi.ErrNoRequest }
func (noRequest) RespRedirect(string, int32) int32           { return abi.ErrNoRequest }
func (noRequest) RespError(int32, string) int32              { return abi.ErrNoRequest }
func (noRequest) Publish(string, []byte) int64               { return abi.ErrNoRequest }
func (noRequest) Render(string, []byte) int32                { return abi.ErrNoRequest }
func (noRequest) CookieGet(string, []byte) int32             { return abi.ErrNoRequest }
func (noRequest) CookieSet(string, string, string) int32     { return abi.ErrNoRequest }
func (noRequest) SignedCookieGet(string, []byte) int32       { return abi.ErrNoRequest }
func (noRequest) UserGet([]byte) int32                       { return abi.ErrNoRequest }
func (noRequest) UserSet(string) int32                       { return abi.ErrNoRequest }
func (noRequest) XSRFToken([]byte) int32                     { return abi.ErrNoRequest }
func (noRequest) UserLogin(string, string) int32             { return abi.ErrNoRequest }
func (noRequest) UserClaims([]byte) int32                    { return abi.ErrNoRequest }
func (noRequest) LoginWith(string, string) int32             { return abi.ErrNoRequest }
func (noRequest) AuthProviders([]byte) int32                 { return abi.ErrNoRequest }
func (noRequest) SignedCookieSet(string, string, string) int32 {
	return abi.ErrNoRequest
}
func (noRequest) Wait(string, int64, int32) int32            { return abi.ErrNoRequest }
func (noRequest) MsgID(int32) int64                          { return abi.ErrNoRequest }
func (noRequest) MsgData(int32, []byte) int32                { return abi.ErrNoRequest }
func (noRequest) RespShare() int32                           { return abi.ErrNoRequest }
func (noRequest) Var(string, []byte) int32                   { return abi.ErrNoRequest }
func (noRequest) Fetch(string, string, []byte, []byte) int32 { return abi.ErrNoRequest }
func (noRequest) FetchResult(int32, []byte) int32            { return abi.ErrNoRequest }
