//go:build !unix

package netloop

// DefaultMaxConns returns the default connection cap. Where the open-file
// limit cannot be read it is 15,000.
func DefaultMaxConns() int { return 15000 }
