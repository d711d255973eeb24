// Package e2e holds end-to-end tests of wasmweb with its demo plugins:
// the chat's long polls through the real host and network core, across
// two nodes sharing NATS JetStream, and in a real browser; and the demo
// site as `wasmweb serve` runs it (wasmweb.example.toml): signing in,
// a protected form, languages and cached static files, over HTTP and in
// the browser. Hostile guests are conformance/sandbox's, the host
// functions' answers conformance/abi's and HTTP/1.1 framing
// conformance/http1's.
package e2e
