package main

// demoConfig is the built-in demo site, served when no --config is given.
// Its plugin paths are relative to the working directory: the root of a
// wasmweb checkout.
const demoConfig = `
[[site]]
name = "demo"
hosts = ["*"]
xsrf_cookies = true

# The chat's page template and its script and stylesheet, served by the host.
[site.templates]
dir = "plugins/chat/templates"
[site.static]
dir = "plugins/chat/static"

[site.plugins]
hello = "plugins/hello"
echo = "plugins/echo"
chat = "plugins/chat"

[[site.route]]
path = "/"
plugin = "hello"

[[site.route]]
path = "/echo"
plugin = "echo"
xsrf = false

[[site.route]]
path = "/chat"
plugin = "chat"
handler = "chat-page"

[[site.route]]
path = "/chat/static/{file}"
plugin = "chat"
handler = "chat-static"

[[site.route]]
path = "/a/message/new"
plugin = "chat"
handler = "message-new"
methods = ["POST"]

[[site.route]]
path = "/a/message/updates"
plugin = "chat"
handler = "message-updates"
methods = ["POST"]
`
