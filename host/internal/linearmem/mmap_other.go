//go:build !linux

package linearmem

import "github.com/tetratelabs/wazero/experimental"

// allocator is nil: wazero keeps memories in Go slices.
var allocator experimental.MemoryAllocator
