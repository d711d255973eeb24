module github.com/wasmweb/wasmweb/sdk

go 1.26.0

require (
	github.com/wasmweb/wasmweb/abi v0.0.0
	github.com/wasmweb/wasmweb/internal v0.0.0
)

// The sibling modules of this checkout. A plugin's go.mod needs the same
// replacements, since a module's replace directives apply only when it is
// the main module (wasmweb new writes them).
replace (
	github.com/wasmweb/wasmweb/abi => ../abi
	github.com/wasmweb/wasmweb/internal => ../internal
)
