// Package http1 is a reusable HTTP/1.1 conformance kit for servers that
// implement wasmweb's demo-site contract.
//
// # The contract
//
// The server under test answers "GET /" and "HEAD /" with 200 and the
// body "Hello, world"; "/echo" with any method and query with 200 and the
// body METHOD + " " + TARGET + "\n" + BODY, where TARGET is the
// request-target exactly as sent and BODY is the decoded request body; and
// any other path with 404. It enforces the strict RFC 9112 framing policy
// written out in the section comments of cases.go (for example which
// Transfer-Encoding values get 501 and which get 400), its default limits
// (request line 8 KiB → 414, header block 64 KiB → 431, 100 fields → 431,
// body 10 MiB → 413), and after any 4xx or 5xx framing error it answers
// with "Connection: close", closes, and ignores every byte that follows.
//
// # Cases
//
// Cases returns the table: each Case holds raw input bytes, the exact
// statuses (and, where they prove framing, bodies) of the responses the
// server must send, and whether it must then close. The cases are written
// from RFC 9112 and RFC 9110 and from the bug classes catalogued by
// llhttp's strict fixtures, picohttpparser's tests, Go net/http's request
// tables, Tornado's server tests, the HTTP Garden and Http11Probe; each
// names its source.
//
// # Sentinel and probe
//
// A status code alone does not show that the server framed a message
// correctly, so the runner appends a request to every input:
//
//   - When the connection must stay open, it appends Sentinel, a request
//     with "Connection: close". The server must send the expected
//     responses, then the sentinel's echo, and then close. If the server
//     read too few or too many body bytes, the sentinel is misparsed and
//     its response is wrong or missing.
//   - When the server must close, it appends Probe, a request for
//     "/echo?SMUGGLED". The server must send exactly the expected
//     responses, mark an error response with "Connection: close", close,
//     and never produce output containing SMUGGLED. This catches a server
//     that keeps reading after a framing error, the core of request
//     smuggling.
//
// Check performs these checks on one exchange and returns an error; Run
// and RunCases drive a Target through every case.
//
// # Targets and modes
//
// A Target opens a fresh connection per Exchange, writes the chunks it is
// given as separate writes, and returns what the server wrote and whether
// it closed. Run calls it from parallel subtests, so it must be safe for
// concurrent use. Each case can be fed Whole, split in two at every byte
// offset (EveryOffset, sampled for inputs over SampleAbove bytes), or one
// byte per write (BytePerWrite), which exercises a parser that keeps its
// state across reads.
//
// # Running it against a server
//
// A test in the server's package (or any other module) wraps its
// transport in a Target, either an in-memory one that feeds each chunk as
// one read or NetTarget for a server listening on a socket:
//
//	func TestConformance(t *testing.T) {
//		addr := startServer(t) // e.g. "127.0.0.1:40123"
//		target := http1.NetTarget{Addr: addr}
//		for _, mode := range []http1.Mode{http1.Whole, http1.EveryOffset, http1.BytePerWrite} {
//			t.Run(mode.String(), func(t *testing.T) { http1.Run(t, target, mode) })
//		}
//	}
//
// The kit imports only the standard library, so another host build can
// vendor or import it unchanged and run the same table over its own
// transport.
package http1
