module github.com/wasmweb/wasmweb/abi

go 1.26.0
