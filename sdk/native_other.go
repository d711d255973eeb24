//go:build !wasip1

package sdk

import "github.com/wasmweb/wasmweb/sdk/internal/native"

// In a native build the fake host of package sdktest calls the guest's
// wasmweb_serve through package native, as the real host calls the
// export of export_wasip1.go.
func init() {
	native.SetHandle(handle)
}
