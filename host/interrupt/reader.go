package interrupt

import "fmt"

// reader decodes the binary format. The first error sticks: later reads
// return zero values, and check or fail report it.
type reader struct {
	b   []byte
	pos int
	err error
}

func (r *reader) setErr(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s at byte %d", ErrMalformed, what, r.pos)
	}
	r.pos = len(r.b)
}

func (r *reader) check(where string) error {
	if r.err != nil {
		return fmt.Errorf("%w (%s)", r.err, where)
	}
	return nil
}

func (r *reader) fail(where string) error {
	if r.err == nil {
		r.setErr("truncated")
	}
	return r.check(where)
}

func (r *reader) byte() byte {
	if r.pos >= len(r.b) {
		r.setErr("unexpected end")
		return 0
	}
	c := r.b[r.pos]
	r.pos++
	return c
}

func (r *reader) bytes(n int) []byte {
	if n < 0 || n > len(r.b)-r.pos {
		r.setErr("length past the end")
		return nil
	}
	p := r.b[r.pos : r.pos+n]
	r.pos += n
	return p
}

// leb reads an unsigned LEB128 number of at most maxBytes bytes.
func (r *reader) leb(maxBytes int) uint64 {
	var v uint64
	for i := 0; i < maxBytes; i++ {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return v
		}
	}
	r.setErr("LEB128 number too long")
	return 0
}

func (r *reader) u32() uint32 { return uint32(r.leb(5)) }
func (r *reader) u64() uint64 { return r.leb(10) }

// skipSigned skips a signed LEB128 number of at most maxBytes bytes.
func (r *reader) skipSigned(maxBytes int) { r.leb(maxBytes) }

func (r *reader) name() []byte {
	n := r.u32()
	return r.bytes(int(n))
}

// valType reads a value type. Only the one-byte forms exist in the
// features wazero runs (numbers, v128, funcref, externref, exnref).
func (r *reader) valType() {
	switch c := r.byte(); c {
	case 0x7f, 0x7e, 0x7d, 0x7c, 0x7b, 0x70, 0x6f, 0x69:
	default:
		if r.err == nil {
			r.pos--
			r.setErr(fmt.Sprintf("value type %#x", c))
		}
	}
}

// limits reads table or memory limits: flags, minimum and maybe maximum
// (64-bit for a 64-bit memory).
func (r *reader) limits() {
	flags := r.u32()
	if flags > 7 {
		r.setErr(fmt.Sprintf("limits flags %#x", flags))
		return
	}
	r.u64()
	if flags&1 != 0 {
		r.u64()
	}
}

// blockType skips a block type: 0x40, a value type, or a type index
// (a signed 33-bit number whose one-byte forms are the first two).
func (r *reader) blockType() { r.skipSigned(5) }

// memarg skips a memory operand: alignment (bit 6 set when a memory
// index follows) and offset.
func (r *reader) memarg() {
	if align := r.u32(); align&0x40 != 0 {
		r.u32()
	}
	r.u64()
}

// instr skips one instruction and returns its opcode and, for call,
// return_call and ref.func, the function index.
func (r *reader) instr() (op byte, index uint32, err error) {
	at := r.pos
	op = r.byte()
	switch {
	case op == 0x03: // loop
		r.blockType()
	case op == 0x10, op == 0x12, op == 0xd2: // call return_call ref.func
		index = r.u32()
	case op == 0x02, op == 0x04, op == 0x06: // block, if, try (legacy exceptions)
		r.blockType()
	case op == 0x00, op == 0x01, op == 0x05, op == 0x0a, op == 0x0b, op == 0x0f, // unreachable nop else throw_ref end return
		op == 0x19, op == 0x1a, op == 0x1b, // catch_all drop select
		op >= 0x45 && op <= 0xc4, // numeric
		op == 0xd1:               // ref.is_null
	case op == 0x07, op == 0x08, op == 0x09, op == 0x18, // catch throw rethrow delegate
		op == 0x0c, op == 0x0d, // br br_if
		op >= 0x20 && op <= 0x26, // local.*, global.*, table.get/set
		op == 0x3f, op == 0x40:   // memory.size memory.grow
		r.u32()
	case op == 0x0e: // br_table
		n := r.u32()
		for i := uint32(0); i <= n && r.err == nil; i++ {
			r.u32()
		}
	case op == 0x11, op == 0x13: // call_indirect return_call_indirect
		r.u32()
		r.u32()
	case op == 0x1c: // select with types
		n := r.u32()
		for i := uint32(0); i < n && r.err == nil; i++ {
			r.valType()
		}
	case op == 0x1f: // try_table
		r.blockType()
		n := r.u32()
		for i := uint32(0); i < n && r.err == nil; i++ {
			switch kind := r.byte(); kind {
			case 0, 1: // catch, catch_ref: tag, label
				r.u32()
				r.u32()
			case 2, 3: // catch_all, catch_all_ref: label
				r.u32()
			default:
				r.setErr(fmt.Sprintf("try_table catch kind %#x", kind))
			}
		}
	case op >= 0x28 && op <= 0x3e: // loads and stores
		r.memarg()
	case op == 0x41:
		r.skipSigned(5)
	case op == 0x42:
		r.skipSigned(10)
	case op == 0x43:
		r.bytes(4)
	case op == 0x44:
		r.bytes(8)
	case op == 0xd0: // ref.null: heap type
		r.skipSigned(5)
	case op == 0xfc:
		r.miscInstr()
	case op == 0xfd:
		r.vectorInstr()
	case op == 0xfe:
		r.atomicInstr()
	default:
		r.pos = at
		r.setErr(fmt.Sprintf("unknown opcode %#x", op))
	}
	if r.err != nil {
		return 0, 0, r.err
	}
	return op, index, nil
}

// miscInstr skips the rest of a 0xfc instruction: saturating
// conversions, bulk memory and table operations.
func (r *reader) miscInstr() {
	switch sub := r.u32(); {
	case sub <= 7: // trunc_sat
	case sub == 8, sub == 10, sub == 12, sub == 14: // memory.init memory.copy table.init table.copy
		r.u32()
		r.u32()
	case sub == 9, sub == 11, sub == 13, sub == 15, sub == 16, sub == 17: // data.drop memory.fill elem.drop table.grow table.size table.fill
		r.u32()
	default:
		r.setErr(fmt.Sprintf("unknown opcode 0xfc %d", sub))
	}
}

// vectorInstr skips the rest of a 0xfd (SIMD) instruction.
func (r *reader) vectorInstr() {
	switch sub := r.u32(); {
	case sub <= 11, sub == 92, sub == 93: // loads and stores
		r.memarg()
	case sub == 12, sub == 13: // v128.const, i8x16.shuffle
		r.bytes(16)
	case sub >= 21 && sub <= 34: // extract_lane, replace_lane
		r.byte()
	case sub >= 84 && sub <= 91: // load_lane, store_lane
		r.memarg()
		r.byte()
	case sub <= 0x113: // the rest, relaxed SIMD included, take no immediates
	default:
		r.setErr(fmt.Sprintf("unknown opcode 0xfd %d", sub))
	}
}

// atomicInstr skips the rest of a 0xfe (threads) instruction.
func (r *reader) atomicInstr() {
	switch sub := r.u32(); {
	case sub == 3: // atomic.fence
		r.byte()
	case sub <= 2, sub >= 0x10 && sub <= 0x4e:
		r.memarg()
	default:
		r.setErr(fmt.Sprintf("unknown opcode 0xfe %d", sub))
	}
}

// eachInstr calls fn with every instruction of the code section p, in
// order: its opcode and, for the 0xfc prefix, its sub-opcode (0
// otherwise). It stops when fn returns false, and at the first
// instruction or body it cannot read, whose error it returns.
func eachInstr(p []byte, fn func(op byte, sub uint32) bool) error {
	r := &reader{b: p}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		size := r.u32()
		body := r.bytes(int(size))
		br := &reader{b: body}
		groups := br.u32()
		for j := uint32(0); j < groups && br.err == nil; j++ {
			br.u32()
			br.valType()
		}
		for br.err == nil && br.pos < len(br.b) {
			at := br.pos
			op, _, err := br.instr()
			if err != nil {
				return err
			}
			var sub uint32
			if op == 0xfc {
				sr := &reader{b: body, pos: at + 1}
				sub = sr.u32()
			}
			if !fn(op, sub) {
				return nil
			}
		}
		if br.err != nil {
			return br.fail("code section")
		}
	}
	return r.check("code section")
}
