//go:build !linux

package guest

import "time"

// threadCPU returns -1: the thread's CPU time is read on Linux only.
func threadCPU() time.Duration { return -1 }
