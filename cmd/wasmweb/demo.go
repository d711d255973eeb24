package main

// demoConfig is the built-in demo site, served when no --config is given.
// Its plugin paths are relative to the working directory: the root of a
// wasmweb checkout.
const demoConfig = `
[[site]]
name = "demo"
hosts = ["*"]

[site.plugins]
hello = "plugins/hello"
echo = "plugins/echo"

[[site.route]]
path = "/"
plugin = "hello"

[[site.route]]
path = "/echo"
plugin = "echo"
`
