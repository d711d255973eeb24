//go:build wasip1

package sdk

import (
	"unsafe"

	"github.com/wasmweb/wasmweb/abi"
)

// wasmwebHandle is the guest's wasmweb_handle export (abi/ABI.md section
// 4). Its name is a literal for the same reason as the imports', and
// TestWasmImportsMatchABI checks it too.
//
//go:wasmexport wasmweb_handle
func wasmwebHandle(route int32) int32 {
	return handle(route, abi.MethodOther)
}

// wasmwebServe is the guest's wasmweb_serve export (abi/ABI.md section
// 4): a host that knows it calls it instead of wasmweb_handle, with the
// request's method number, which spares Context.Method a host call.
//
//go:wasmexport wasmweb_serve
func wasmwebServe(route, method int32) int32 {
	return handle(route, method)
}

// wasmwebHandlers is the guest's wasmweb_handlers export (abi/ABI.md
// section 4): the host calls it once at load, to check that every route
// names a registered handler.
//
//go:wasmexport wasmweb_handlers
func wasmwebHandlers() int64 {
	b := handlerNames()
	if len(b) == 0 {
		return 0
	}
	return int64(uintptr(unsafe.Pointer(&b[0]))) | int64(len(b))<<32
}
