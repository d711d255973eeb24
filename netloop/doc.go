// Package netloop is wasmweb's HTTP/1.1 server core: it accepts
// connections, parses requests under a strict framing policy, enforces
// limits and timeouts, and writes responses. It knows nothing of sites,
// plugins or WebAssembly: the host is one Handler to it.
//
// The core is independent of how bytes reach it. A [Transport] accepts
// connections and feeds each one's input to a [Stream] obtained from the
// server's [Events]; the stream answers through the connection's [Conn].
// Two transports exist: [NetpollTransport], built on
// github.com/cloudwego/netpoll where it is supported (linux and darwin on
// amd64 and arm64), and [StdTransport], built on the standard net package,
// which serves everywhere.
//
// # Connection lifecycle
//
//	| event                         | what the core does                                     |
//	|-------------------------------|--------------------------------------------------------|
//	| accepted                      | Events.Open: refuse (transport closes) past MaxConns   |
//	| bytes arrive                  | Stream.Input: parse every complete request, call the   |
//	|                               | Handler, queue responses, flush once; keep the partial |
//	|                               | rest (parser state) for the next Input                 |
//	| framing error                 | answer 4xx/5xx with Connection: close, half-close,     |
//	|                               | discard what follows for LingerTimeout, then close     |
//	| deadline passes (timer wheel) | idle: close; head or body unfinished: 408 and close    |
//	| handler parks the request     | keep a copy of it, no goroutine; later input waits;    |
//	|                               | netpoll (Linux) lets go of the connection, which the   |
//	|                               | dorm serves from then on (dorm_linux.go)               |
//	| parked request resumed        | Parked.Resume runs the handler and sends the answer if |
//	|                               | the socket takes it at once; otherwise, or when input  |
//	|                               | waited, a task of the connection's own sends the rest  |
//	|                               | and serves that input                                  |
//	| peer half-closes (FIN)        | answer the requests already read, then close; a parked |
//	|                               | request's client counts as gone                        |
//	| peer or server closes         | Stream.Hangup: forget buffers and the session; a       |
//	|                               | parked request's owner is told (Parked.OnHangup)       |
//
// When the process runs out of file descriptors, the netpoll transport
// closes the connections it cannot take, one each time the poller finds
// the listener readable, and logs a warning at most every 10 s, so that
// their clients learn the server is full; the standard transport leaves
// them in the listen queue and retries, backing off up to a second.
//
// Input never blocks waiting for more bytes: a stream consumes everything
// it is given, copying only the unfinished part of a request. With the
// netpoll transport no goroutine exists per connection; the server's
// workers run Input only while there is input to handle.
//
// A server's goroutines are its own: its workers, the timer wheel and the
// clock that keeps the Date field end when Shutdown does, so that
// servers can start and stop in one process without leaving any behind.
// (netpoll's pollers are netpoll's, shared by the process, as is the
// dorm's goroutine, which watches the sockets of connections that parked
// a request.) Package
// netlooptest drives a server without sockets, for tests.
//
// A transport may close a connection at any moment, on any goroutine,
// also while a parked request is being resumed on another. A session
// learns of it through Hangup without waiting for its lock; whoever holds
// the lock finishes the hang-up as it releases it, and a Conn refuses
// writes once the transport has let the connection go. A panic while
// serving one connection is logged and closes that connection only.
//
// # Framing policy
//
// Requests follow RFC 9112 strictly: CRLF line endings only, no obs-fold,
// no whitespace before a field's colon, token field names, no control
// characters in values, one Host on HTTP/1.1, Content-Length as 1*DIGIT
// (identical duplicates allowed), and exactly one Transfer-Encoding whose
// value is "chunked", never together with Content-Length. Any violation
// is answered with its status and the connection is closed; nothing that
// follows the bad request is acted on.
package netloop
