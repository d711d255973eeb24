// Package abikit is the wasmweb host ABI conformance kit: a guest that
// calls every host function of abi/abi.go (directory guest), the
// configuration that serves it (wasmweb.conformance.toml), and a runner
// that checks, over HTTP, that a host answers each call exactly as
// abi/ABI.md says.
//
// # Running it against a host
//
// Serve the guest with wasmweb.conformance.toml (the plugin path there is
// the guest's source directory, relative to the file), then call Run with
// the server's base URL from a test:
//
//	func TestABI(t *testing.T) {
//		base := startServer(t) // "http://127.0.0.1:40123"
//		abikit.Run(t, base, http.DefaultClient)
//	}
//
// Run needs the "abi" site to answer every host name, the "abi-debug"
// site to answer "debug.abi.test", "abi-xsrf" "xsrf.abi.test", and the
// sibling sites "abi-a" and "abi-b" "a.example.com" (with its
// subdomains) and "b.example.com" (it sets those Hosts on its requests;
// no DNS is involved). Some cases write raw bytes on a TCP connection to the
// base URL's host and port, to see exactly what reaches the wire.
//
// Logs cannot be seen over HTTP. A host run in the same process can pass a
// LogRecorder as its slog handler and call RunLogs, which checks the
// guest's log lines and the error codes the guest logs for calls whose
// response is an error page.
//
// kit_test.go runs the kit against wasmweb itself, over both netloop
// transports, and runs the guest's SDK handlers under package sdktest to
// show that the fake host and the real one give the same answers.
package abikit
