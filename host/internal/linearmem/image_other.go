//go:build !linux

package linearmem

import (
	"errors"

	"github.com/tetratelabs/wazero/experimental"
)

// Image is a memory's contents that new memories can start with without
// a copy; this platform has none (NewImage fails), and instances are
// given their contents by copying.
type Image struct{}

// NewImage fails: there are no images here.
func NewImage([]byte) (*Image, error) {
	return nil, errors.New("linearmem: no images on this platform")
}

func (*Image) Bytes() []byte                     { return nil }
func (*Image) Close()                            {}
func (img *Image) NewAllocator() *ImageAllocator { return &ImageAllocator{} }

// ImageAllocator allocates as Allocator does: nothing is mapped.
type ImageAllocator struct{}

func (*ImageAllocator) Allocate(cap, max uint64) experimental.LinearMemory {
	return &sliceMemory{}
}
func (*ImageAllocator) Mapped() bool   { return false }
func (*ImageAllocator) Reset(int) bool { return false }
func (*ImageAllocator) Written() int   { return -1 }
func (*ImageAllocator) Learn()         {}
