package interrupt

import (
	"bytes"
	"fmt"
)

// Section ids of the data and data count sections.
const (
	secData      = 11
	secDataCount = 12
)

// WithoutData returns a copy of the module wasm without its data
// segments (its data and data count sections): the same code, memory,
// tables and globals, whose instantiation leaves the memory zero
// instead of copying the segments in. A host that gives each instance
// a memory holding a snapshot already (one taken from an instance of
// wasm, which the segments were copied into then) saves the copy, and
// the pages it would have written.
//
// It refuses a module whose code names a data segment (memory.init,
// data.drop): without the segments that code would not validate, and
// with them what it did would depend on them. Everything else about the
// module is the caller's to judge: its instances are like wasm's only
// once their memory is given the contents wasm's would have had.
func WithoutData(wasm []byte) ([]byte, error) {
	if len(wasm) < 8 || !bytes.Equal(wasm[:4], []byte("\x00asm")) || !bytes.Equal(wasm[4:8], []byte{1, 0, 0, 0}) {
		return nil, fmt.Errorf("%w: not a version 1 module", ErrMalformed)
	}
	out := make([]byte, 0, len(wasm))
	out = append(out, wasm[:8]...)
	r := &reader{b: wasm, pos: 8}
	for r.pos < len(r.b) {
		start := r.pos
		id := r.byte()
		n := r.u32()
		payload := r.bytes(int(n))
		if r.err != nil {
			return nil, r.fail("section header")
		}
		switch id {
		case secData, secDataCount:
			continue
		case secCode:
			uses, err := codeNamesData(payload)
			if err != nil {
				return nil, err
			}
			if uses {
				return nil, fmt.Errorf("interrupt: the module's code uses its data segments (memory.init or data.drop)")
			}
		}
		out = append(out, wasm[start:r.pos]...)
	}
	return out, nil
}

// codeNamesData reports whether the code section p has a memory.init
// or a data.drop.
func codeNamesData(p []byte) (bool, error) {
	found := false
	err := eachInstr(p, func(op byte, sub uint32) bool {
		found = op == 0xfc && (sub == 8 || sub == 9)
		return !found
	})
	return found, err
}
