package netloop

import "time"

// Config holds a server's limits and timeouts. The zero value of each
// field selects its default; negative durations are treated as zero.
// A Config is copied by NewServer and not retained.
type Config struct {
	// MaxRequestLine is the longest request line accepted, in bytes,
	// CRLF excluded. Longer lines get 414. Default 8 KiB.
	MaxRequestLine int
	// MaxHeaderBytes caps the header block after the request line,
	// in bytes. Larger blocks get 431. Default 64 KiB.
	MaxHeaderBytes int
	// MaxHeaderFields caps the number of header fields (and of trailer
	// fields). More get 431. Default 100.
	MaxHeaderFields int
	// MaxBodyBytes caps a request body. A larger Content-Length gets 413
	// before any body byte is read; a chunked body gets 413 as soon as
	// its chunk sizes pass the cap. Default 10 MiB.
	MaxBodyBytes int64
	// MaxChunkExtBytes caps the chunk extensions of one request body,
	// in total, so that framing overhead cannot dwarf the body.
	// Default 16 KiB.
	MaxChunkExtBytes int
	// MaxConns caps open connections; connections past it are closed as
	// soon as they are accepted. Default: the process's open-file limit
	// less a reserve of 64 descriptors (at least 64).
	MaxConns int
	// MaxOutputBytes caps the response bytes a connection buffers before
	// it flushes them to the socket; a response body that grows past it
	// without a declared length is sent chunked. Default 256 KiB.
	MaxOutputBytes int

	// HeaderTimeout bounds the time from a request's first byte to the
	// end of its header block. Default 10 s.
	HeaderTimeout time.Duration
	// BodyTimeout bounds the time from the end of the header block to
	// the end of the body. Default 60 s.
	BodyTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection waits for the
	// next request. Default 60 s.
	IdleTimeout time.Duration
	// WriteTimeout bounds one flush of response bytes to a client that
	// does not read. Default 30 s.
	WriteTimeout time.Duration
	// LingerTimeout is how long a connection closed after an error keeps
	// discarding input, so that the client reads the error instead of a
	// reset. Default 2 s.
	LingerTimeout time.Duration
}

// Default values of Config fields.
const (
	DefaultMaxRequestLine   = 8 << 10
	DefaultMaxHeaderBytes   = 64 << 10
	DefaultMaxHeaderFields  = 100
	DefaultMaxBodyBytes     = 10 << 20
	DefaultMaxChunkExtBytes = 16 << 10
	DefaultMaxOutputBytes   = 256 << 10
	DefaultHeaderTimeout    = 10 * time.Second
	DefaultBodyTimeout      = 60 * time.Second
	DefaultIdleTimeout      = 60 * time.Second
	DefaultWriteTimeout     = 30 * time.Second
	DefaultLingerTimeout    = 2 * time.Second

	fdReserve = 64
)

func (c Config) withDefaults() Config {
	setInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	setDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	setInt(&c.MaxRequestLine, DefaultMaxRequestLine)
	setInt(&c.MaxHeaderBytes, DefaultMaxHeaderBytes)
	setInt(&c.MaxHeaderFields, DefaultMaxHeaderFields)
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	setInt(&c.MaxChunkExtBytes, DefaultMaxChunkExtBytes)
	setInt(&c.MaxConns, DefaultMaxConns())
	setInt(&c.MaxOutputBytes, DefaultMaxOutputBytes)
	setDur(&c.HeaderTimeout, DefaultHeaderTimeout)
	setDur(&c.BodyTimeout, DefaultBodyTimeout)
	setDur(&c.IdleTimeout, DefaultIdleTimeout)
	setDur(&c.WriteTimeout, DefaultWriteTimeout)
	setDur(&c.LingerTimeout, DefaultLingerTimeout)
	return c
}
