// Package interrupt prepares a WebAssembly module so that the host can
// stop a call running in it, cheaply, and so that a long call does not
// hold up the Go runtime.
//
// Instrument puts a check at the entry of every function and at the head
// of every loop: a call that runs away can only do so through loops or
// calls, so it keeps meeting checks. Each check counts down a budget kept
// in a new global; when the budget runs out, every Interval checks, the
// guest
//
//   - refills the budget;
//   - calls memory.grow with 0 pages, which changes nothing but makes the
//     compiled code return to Go for a moment. Without such returns a
//     guest that computes for long would stall every goroutine of the
//     server the next time the garbage collector stops the world, since
//     Go cannot preempt code it did not compile;
//   - traps (runs into `unreachable`) if the host has set the module's
//     stop global, exported as Export (see Global).
//
// A check costs a load, an add, a store and a branch. The alternative,
// wazero's WithCloseOnContextDone, calls into Go at every check, which
// makes Go guests several times slower.
//
// The budget counts checks, not time, so a guest that spends its time in
// the host (a long WASI call in a loop, or thousands of calls in
// straight-line code) would meet the stop only Interval calls late.
// After every call that may reach an import (a call of an imported
// function, and every call_indirect) Instrument therefore adds a stop
// check alone: a load and a branch, no countdown.
//
// A start section would run inside instantiation, before the host holds
// the module and can set its stop global; Instrument drops it and
// exports its function as ExportStart for the host to call.
//
// Custom sections named ".debug_*" (DWARF) are dropped, since the code
// offsets they refer to move. Every other section is kept as it is,
// apart from the global, export and code sections, which gain the two
// globals, the exports of the stop global and the start function, and
// the checks.
//
// When a call is to stop is not this package's decision: the host's
// watchdog (host/internal/guest) sets the global.
package interrupt

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero/api"
)

// Export is the name under which an instrumented module exports its stop
// global.
const Export = "wasmweb.stop"

// ExportStart is the name under which an instrumented module exports
// the function its start section named, if it had one. The start section
// is dropped: the host calls the export after instantiation, where it can
// stop it like any other call.
const ExportStart = "wasmweb.start"

// Interval is how many checks pass between two returns to Go, and at
// most between setting the stop global and the trap that follows.
const Interval = 1000

// Global returns the stop global of mod, a module Instrument prepared,
// or nil for another module. Setting it to 1, from any goroutine, makes
// the call running in mod, if any, and every later call trap within
// Interval checks.
//
// Set from another goroutine than the call's, the store races with the
// guest's loads by the Go memory model, and the race detector cannot see
// it: the loads are code wazero generated, not Go. It is safe because
// the value only goes from 0 to 1 and the checks load it afresh after
// each return to Go; RATIONALE.md ("Is the watchdog's write ... a data
// race?") has the argument and why wazero offers nothing atomic.
func Global(mod api.Module) api.MutableGlobal {
	g, _ := mod.ExportedGlobal(Export).(api.MutableGlobal)
	return g
}

// ErrMalformed wraps errors about a module Instrument cannot read.
var ErrMalformed = errors.New("interrupt: malformed module")

// ErrNoMemory is returned for a module without a memory, whose code
// would have no way to return to Go.
var ErrNoMemory = errors.New("interrupt: the module has no memory")

// Section ids, import and export kinds, and the opcodes of a check.
const (
	secCustom = 0
	secImport = 2
	secMemory = 5
	secGlobal = 6
	secExport = 7
	secStart  = 8
	secCode   = 10

	kindFunc   = 0
	kindMemory = 2
	kindGlobal = 3

	opUnreachable  = 0x00
	opLoop         = 0x03
	opIf           = 0x04
	opCall         = 0x10
	opCallIndirect = 0x11
	opEnd          = 0x0b
	opDrop         = 0x1a
	opGlobalGet    = 0x23
	opGlobalSet    = 0x24
	opMemoryGrow   = 0x40
	opI32Const     = 0x41
	opI32Eqz       = 0x45
	opI32Add       = 0x6a
	blockEmpty     = 0x40
	typeI32        = 0x7f
)

// sectionRank orders the known sections as the binary format requires
// (the tag section, 13, sits between memory and global; data count, 12,
// before code).
var sectionRank = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

// checkCode returns a check that counts down the budget global and, when
// it runs out, refills it, returns to Go, and traps if the stop global
// is set. The budget is refilled first so that, after a trap, the next
// call also meets the stop within Interval checks. wazero keeps a global
// set within a block in a register, so the second global.get costs no
// load.
func checkCode(budget, stop uint32) []byte {
	c := []byte{opGlobalGet}
	c = appendU32(c, budget)
	c = append(c, opI32Const, 0x7f, opI32Add, opGlobalSet) // i32.const -1
	c = appendU32(c, budget)
	c = append(c, opGlobalGet)
	c = appendU32(c, budget)
	c = append(c, opI32Eqz, opIf, blockEmpty, opI32Const)
	c = appendS32(c, Interval)
	c = append(c, opGlobalSet)
	c = appendU32(c, budget)
	c = append(c, opI32Const, 0, opMemoryGrow, 0, opDrop, opGlobalGet)
	c = appendU32(c, stop)
	c = append(c, opIf, blockEmpty, opUnreachable, opEnd)
	return append(c, opEnd)
}

// stopCode returns a check that traps if the stop global is set: a load
// and a branch. It follows each call that may reach an import, since
// the budget counts checks, not time: a guest that calls a slow host
// function in a loop would otherwise run Interval calls past its
// deadline, and straight-line code can make many calls with no check
// between them. A call_indirect may reach an import through a table.
func stopCode(stop uint32) []byte {
	c := []byte{opGlobalGet}
	c = appendU32(c, stop)
	return append(c, opIf, blockEmpty, opUnreachable, opEnd)
}

type section struct {
	id      byte
	payload []byte
}

// Instrument returns a copy of the module wasm with the stop global and
// its checks. It fails on a module it cannot read, or that already
// exports a name Export.
func Instrument(wasm []byte) ([]byte, error) {
	if len(wasm) < 8 || !bytes.Equal(wasm[:4], []byte("\x00asm")) {
		return nil, fmt.Errorf("%w: no \\0asm header", ErrMalformed)
	}
	if !bytes.Equal(wasm[4:8], []byte{1, 0, 0, 0}) {
		return nil, fmt.Errorf("%w: binary format version %x, want 1 (a core module)", ErrMalformed, wasm[4:8])
	}
	var secs []section
	r := &reader{b: wasm, pos: 8}
	for r.pos < len(r.b) {
		id := r.byte()
		n := r.u32()
		payload := r.bytes(int(n))
		if r.err != nil {
			return nil, r.fail("section header")
		}
		secs = append(secs, section{id, payload})
	}

	// The two globals follow the imported and defined ones; the global
	// and export sections keep their entries and gain theirs.
	var imports importCounts
	var globals, exports, memories uint32
	var globalRest, exportRest []byte
	start, hasStart := uint32(0), false
	for _, s := range secs {
		var err error
		switch s.id {
		case secStart:
			if hasStart {
				return nil, fmt.Errorf("%w: two start sections", ErrMalformed)
			}
			pr := &reader{b: s.payload}
			start, hasStart = pr.u32(), true
			if pr.err == nil && pr.pos != len(pr.b) {
				pr.setErr("bytes after the start function")
			}
			err = pr.check("start section")
		case secImport:
			imports, err = countImports(s.payload)
		case secMemory:
			pr := &reader{b: s.payload}
			memories = pr.u32()
			err = pr.check("memory section")
		case secGlobal:
			pr := &reader{b: s.payload}
			globals = pr.u32()
			globalRest = pr.b[pr.pos:]
			err = checkGlobals(s.payload)
		case secExport:
			err = checkExports(s.payload)
			pr := &reader{b: s.payload}
			exports = pr.u32()
			exportRest = pr.b[pr.pos:]
		}
		if err != nil {
			return nil, err
		}
	}
	if imports.memories+memories == 0 {
		return nil, ErrNoMemory
	}
	budget := imports.globals + globals
	stop := budget + 1
	global := append(appendU32(nil, globals+2), globalRest...)
	global = append(global, typeI32, 1, opI32Const) // mutable i32 = Interval
	global = appendS32(global, Interval)
	global = append(global, opEnd)
	global = append(global, typeI32, 1, opI32Const, 0, opEnd) // mutable i32 = 0
	added := uint32(1)
	if hasStart {
		added++
	}
	export := append(appendU32(nil, exports+added), exportRest...)
	export = append(appendName(export, Export), kindGlobal)
	export = appendU32(export, stop)
	if hasStart {
		export = append(appendName(export, ExportStart), kindFunc)
		export = appendU32(export, start)
	}
	c := &checks{countdown: checkCode(budget, stop), stop: stopCode(stop), imports: imports.funcs}

	out := make([]byte, 0, len(wasm)+len(wasm)/8)
	out = append(out, wasm[:8]...)
	wroteGlobal, wroteExport := false, false
	emit := func(id byte, payload []byte) {
		out = append(out, id)
		out = appendU32(out, uint32(len(payload)))
		out = append(out, payload...)
	}
	for _, s := range secs {
		if s.id != secCustom {
			rank := sectionRank[s.id]
			if !wroteGlobal && rank > sectionRank[secGlobal] {
				emit(secGlobal, global)
				wroteGlobal = true
			}
			if !wroteExport && rank > sectionRank[secExport] {
				emit(secExport, export)
				wroteExport = true
			}
		}
		switch s.id {
		case secCustom:
			if isDebugSection(s.payload) {
				continue
			}
			emit(s.id, s.payload)
		case secGlobal:
			emit(secGlobal, global)
			wroteGlobal = true
		case secExport:
			emit(secExport, export)
			wroteExport = true
		case secStart:
			// Exported as ExportStart instead.
		case secCode:
			code, err := instrumentCode(s.payload, c)
			if err != nil {
				return nil, err
			}
			emit(secCode, code)
		default:
			emit(s.id, s.payload)
		}
	}
	if !wroteGlobal {
		emit(secGlobal, global)
	}
	if !wroteExport {
		emit(secExport, export)
	}
	return out, nil
}

func isDebugSection(payload []byte) bool {
	r := &reader{b: payload}
	n := r.u32()
	name := r.bytes(int(n))
	return r.err == nil && bytes.HasPrefix(name, []byte(".debug_"))
}

type importCounts struct{ funcs, globals, memories uint32 }

func countImports(p []byte) (importCounts, error) {
	var c importCounts
	r := &reader{b: p}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.name()
		r.name()
		switch kind := r.byte(); kind {
		case kindFunc: // type index
			r.u32()
			c.funcs++
		case 1: // table: reference type, limits
			r.valType()
			r.limits()
		case kindMemory:
			r.limits()
			c.memories++
		case kindGlobal:
			r.valType()
			r.byte()
			c.globals++
		case 4: // tag: attribute, type index
			r.byte()
			r.u32()
		default:
			return c, fmt.Errorf("%w: import %d has kind %#x", ErrMalformed, i, kind)
		}
	}
	return c, r.check("import section")
}

func checkExports(p []byte) error {
	r := &reader{b: p}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		if name := r.name(); string(name) == Export || string(name) == ExportStart {
			return fmt.Errorf("interrupt: the module already exports %q", name)
		}
		r.byte()
		r.u32()
	}
	if r.err == nil && r.pos != len(r.b) {
		r.setErr("bytes after the last export")
	}
	return r.check("export section")
}

// checkGlobals reads the global section to its end, so that entries
// appended to it are read as entries.
func checkGlobals(p []byte) error {
	r := &reader{b: p}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.valType()
		r.byte()           // mutability
		for r.err == nil { // the initializer, up to its end
			if r.pos < len(r.b) && r.b[r.pos] == opEnd {
				r.pos++
				break
			}
			if _, _, err := r.instr(); err != nil {
				break
			}
		}
	}
	if r.err == nil && r.pos != len(r.b) {
		r.setErr("bytes after the last global")
	}
	return r.check("global section")
}

// checks are the code Instrument inserts.
type checks struct {
	countdown []byte // at function entries and loop heads: checkCode
	stop      []byte // after calls that may reach an import: stopCode
	imports   uint32 // imported functions, whose indices come first
}

// instrumentCode rewrites the code section's function bodies.
func instrumentCode(p []byte, c *checks) ([]byte, error) {
	r := &reader{b: p}
	n := r.u32()
	out := appendU32(make([]byte, 0, len(p)+len(p)/8), n)
	var body []byte
	for i := uint32(0); i < n; i++ {
		size := r.u32()
		src := r.bytes(int(size))
		if r.err != nil {
			return nil, r.fail(fmt.Sprintf("function body %d", i))
		}
		var err error
		body, err = instrumentBody(body[:0], src, c)
		if err != nil {
			return nil, fmt.Errorf("%w (function body %d)", err, i)
		}
		out = appendU32(out, uint32(len(body)))
		out = append(out, body...)
	}
	if r.pos != len(r.b) {
		return nil, fmt.Errorf("%w: %d bytes after the last function body", ErrMalformed, len(r.b)-r.pos)
	}
	return out, nil
}

// instrumentBody appends body with a check after its locals and after
// the block type of every loop, and a stop check after every call that
// may reach an import.
func instrumentBody(out, body []byte, c *checks) ([]byte, error) {
	r := &reader{b: body}
	groups := r.u32()
	for i := uint32(0); i < groups && r.err == nil; i++ {
		r.u32()
		r.valType()
	}
	if r.err != nil {
		return nil, r.fail("locals")
	}
	out = append(out, body[:r.pos]...)
	out = append(out, c.countdown...)
	start := r.pos
	for r.pos < len(r.b) {
		op, callee, err := r.instr()
		if err != nil {
			return nil, err
		}
		var check []byte
		switch {
		case op == opLoop:
			check = c.countdown
		case op == opCall && callee < c.imports, op == opCallIndirect:
			check = c.stop
		default:
			continue
		}
		out = append(out, body[start:r.pos]...)
		out = append(out, check...)
		start = r.pos
	}
	return append(out, body[start:]...), nil
}

func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// appendS32 appends v as a signed LEB128 number.
func appendS32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendName(b []byte, s string) []byte {
	b = appendU32(b, uint32(len(s)))
	return append(b, s...)
}
