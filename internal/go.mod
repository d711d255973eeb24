module github.com/wasmweb/wasmweb/internal

go 1.26.0

require github.com/wasmweb/wasmweb/abi v0.0.0

// The sibling modules of this checkout.
replace github.com/wasmweb/wasmweb/abi => ../abi
