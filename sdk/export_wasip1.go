//go:build wasip1

package sdk

// wasmwebHandle is the guest's wasmweb_handle export (abi/ABI.md section
// 4). Its name is a literal for the same reason as the imports', and
// TestWasmImportsMatchABI checks it too.
//
//go:wasmexport wasmweb_handle
func wasmwebHandle(route int32) int32 {
	return handle(route)
}
