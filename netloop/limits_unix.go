//go:build unix

package netloop

import "syscall"

// DefaultMaxConns returns the default connection cap: the process's
// open-file limit less a reserve for listeners, logs and plugin files.
// Go raises the soft limit to the hard limit at start-up on Linux, so
// this is normally the hard limit.
func DefaultMaxConns() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil || rl.Cur > 1<<30 {
		return 1 << 20
	}
	n := int(rl.Cur) - fdReserve
	if n < fdReserve {
		n = fdReserve
	}
	return n
}
