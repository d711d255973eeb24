module github.com/wasmweb/wasmweb/bench

go 1.26.0

require (
	github.com/valyala/fasthttp v1.78.0
	github.com/wasmweb/wasmweb v0.0.0
	github.com/wasmweb/wasmweb/sdk v0.0.0
)

require (
	github.com/bytedance/gopkg v0.1.1 // indirect
	github.com/cloudwego/gopkg v0.1.4 // indirect
	github.com/cloudwego/netpoll v0.7.2 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/molecule-man/go-brrr v1.3.1 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	github.com/wasmweb/wasmweb/abi v0.0.0 // indirect
	github.com/wasmweb/wasmweb/internal v0.0.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.44.0 // indirect
)

// The netloop peer measures this checkout's HTTP core, and the page guest
// is built with its SDK: the server's module and the modules it shares
// with plugins, replaced here too since a dependency's replace directives
// do not apply.
replace (
	github.com/wasmweb/wasmweb => ../
	github.com/wasmweb/wasmweb/abi => ../abi
	github.com/wasmweb/wasmweb/internal => ../internal
	github.com/wasmweb/wasmweb/sdk => ../sdk
)
