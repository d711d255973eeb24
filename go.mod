module github.com/wasmweb/wasmweb

go 1.26

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/cloudwego/netpoll v0.7.2
)

require (
	github.com/bytedance/gopkg v0.1.1 // indirect
	github.com/cloudwego/gopkg v0.1.4 // indirect
)
