// Package e2e holds end-to-end tests of wasmweb with its demo plugins:
// the chat's long polls through the real host and network core, across
// two nodes sharing NATS JetStream, and in a real browser.
package e2e
