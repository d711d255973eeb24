// Command guest is the wasmweb ABI conformance guest: a plugin whose
// handlers exercise every host function of abi/abi.go, through the SDK
// (package handlers) and, for the corners the SDK hides, through raw
// calls of package hostcall (raw_wasip1.go). Build it with
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o abi.wasm .
//
// README.md lists the handlers and what they answer.
package main

import (
	_ "github.com/wasmweb/wasmweb/conformance/abi/guest/handlers"
)

func main() {}
