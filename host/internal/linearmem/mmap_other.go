//go:build !linux

package linearmem

import (
	"time"

	"github.com/tetratelabs/wazero/experimental"
)

// allocator is nil: wazero keeps memories in Go slices.
var allocator experimental.MemoryAllocator

// Trim does nothing: there are no spare mappings here.
func Trim(time.Time) {}

// Spares returns 0: there are no spare mappings here.
func Spares() int { return 0 }
