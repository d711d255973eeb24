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
//   - calls the host function ImportYield of the module ImportModule,
//     which Instrument adds to the module's imports: the compiled code
//     returns to Go for a moment. Without such returns a guest that
//     computes for long would stall every goroutine of the server the
//     next time the garbage collector stops the world, since Go cannot
//     preempt code it did not compile; and the host function may give
//     the core to other goroutines (runtime.Gosched) when the call has
//     run for long, which Go itself would only do some 10 ms later;
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
// The import comes after the module's own imported functions, so every
// function the module defines moves up one index: Instrument rewrites
// the indices in calls (call, return_call), ref.func, element segments,
// global initializers, exports, the start function and the name
// section's function, local and label names.
//
// Custom sections named ".debug_*" (DWARF) are dropped, since the code
// offsets they refer to move. Every other section is kept as it is,
// apart from those the two paragraphs above change: type and import
// (the host function), global (the two globals), export (the stop
// global and the start function), element, code and name.
//
// When a call is to stop is not this package's decision: the host's
// watchdog (host/internal/guest) sets the global.
package interrupt

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/tetratelabs/wazero"
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

// ImportModule and ImportYield name the host function an instrumented
// module imports, of type () -> (), and calls every Interval checks: the
// host's moment to give the core to other goroutines, or do nothing.
// A module that imports from ImportModule already is refused: the
// import is the host's, not the guest's to call.
const (
	ImportModule = "wasmweb.interrupt"
	ImportYield  = "yield"
)

// InstantiateHost instantiates, in rt, the module ImportModule, whose
// function ImportYield calls yield with the context of the guest call:
// a runtime needs it before it can instantiate a module Instrument
// prepared. yield runs on the goroutine of the call, every Interval
// checks, so it should be cheap when it does nothing.
func InstantiateHost(ctx context.Context, rt wazero.Runtime, yield func(context.Context)) (api.Module, error) {
	return rt.NewHostModuleBuilder(ImportModule).NewFunctionBuilder().
		WithGoFunction(api.GoFunc(func(ctx context.Context, _ []uint64) { yield(ctx) }), nil, nil).
		Export(ImportYield).
		Instantiate(ctx)
}

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

// ErrHostImport is returned for a module that imports from
// ImportModule: only Instrument adds that import.
var ErrHostImport = errors.New("interrupt: the module imports from " + ImportModule + ", which is the host's own module, not for guests")

// Section ids, import and export kinds, and the opcodes of a check.
const (
	secCustom = 0
	secType   = 1
	secImport = 2
	secMemory = 5
	secGlobal = 6
	secExport = 7
	secStart  = 8
	secElem   = 9
	secCode   = 10

	kindFunc   = 0
	kindMemory = 2
	kindGlobal = 3

	opUnreachable  = 0x00
	opLoop         = 0x03
	opIf           = 0x04
	opCall         = 0x10
	opCallIndirect = 0x11
	opReturnCall   = 0x12
	opEnd          = 0x0b
	opGlobalGet    = 0x23
	opGlobalSet    = 0x24
	opI32Const     = 0x41
	opI32Eqz       = 0x45
	opI32Add       = 0x6a
	opRefFunc      = 0xd2
	blockEmpty     = 0x40
	typeI32        = 0x7f
	typeFunc       = 0x60
)

// sectionRank orders the known sections as the binary format requires
// (the tag section, 13, sits between memory and global; data count, 12,
// before code).
var sectionRank = map[byte]int{1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 13: 6, 6: 7, 7: 8, 8: 9, 9: 10, 12: 11, 10: 12, 11: 13}

// checkCode returns a check that counts down the budget global and, when
// it runs out, refills it, calls the host's yield function, and traps if
// the stop global is set. The budget is refilled first so that, after a
// trap, the next call also meets the stop within Interval checks. wazero
// keeps a global set within a block in a register, so the second
// global.get costs no load.
func checkCode(budget, stop, yield uint32) []byte {
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
	c = append(c, opCall)
	c = appendU32(c, yield)
	c = append(c, opGlobalGet)
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

// funcShift is where the yield import goes among the function indices:
// after the module's imported functions. Every index from there on, a
// defined function's, moves up one.
type funcShift uint32

func (at funcShift) of(i uint32) uint32 {
	if i >= uint32(at) {
		return i + 1
	}
	return i
}

// Instrument returns a copy of the module wasm with the stop global, the
// yield import and the checks. It fails on a module it cannot read, that
// already exports a name Export or ExportStart, or that imports from
// ImportModule.
func Instrument(wasm []byte) ([]byte, error) {
	if len(wasm) < 8 || !bytes.Equal(wasm[:4], []byte("\x00asm")) {
		return nil, fmt.Errorf("%w: no \\0asm header", ErrMalformed)
	}
	if !bytes.Equal(wasm[4:8], []byte{1, 0, 0, 0}) {
		return nil, fmt.Errorf("%w: binary format version %x, want 1 (a core module)", ErrMalformed, wasm[4:8])
	}
	var secs []section
	last := 0
	r := &reader{b: wasm, pos: 8}
	for r.pos < len(r.b) {
		id := r.byte()
		n := r.u32()
		payload := r.bytes(int(n))
		if r.err != nil {
			return nil, r.fail("section header")
		}
		// Instrument writes the sections it adds where the order puts
		// them, and each it rewrites once.
		if id != secCustom {
			rank := sectionRank[id]
			if rank == 0 {
				return nil, fmt.Errorf("%w: unknown section id %d", ErrMalformed, id)
			}
			if rank <= last {
				return nil, fmt.Errorf("%w: section id %d out of order, or twice", ErrMalformed, id)
			}
			last = rank
		}
		secs = append(secs, section{id, payload})
	}

	// The import's type and the import itself follow the module's; the
	// two globals follow the imported and defined ones.
	var imports importCounts
	var types, globals uint32
	var typeRest []byte
	start, hasStart := uint32(0), false
	for _, s := range secs {
		var err error
		switch s.id {
		case secType:
			pr := &reader{b: s.payload}
			types = pr.u32()
			typeRest = pr.b[pr.pos:]
			err = pr.check("type section")
		case secStart:
			pr := &reader{b: s.payload}
			start, hasStart = pr.u32(), true
			if pr.err == nil && pr.pos != len(pr.b) {
				pr.setErr("bytes after the start function")
			}
			err = pr.check("start section")
		case secImport:
			imports, err = countImports(s.payload)
		case secGlobal:
			pr := &reader{b: s.payload}
			globals = pr.u32()
			err = pr.check("global section")
		}
		if err != nil {
			return nil, err
		}
	}
	shift := funcShift(imports.funcs)
	yield := imports.funcs
	budget := imports.globals + globals
	stop := budget + 1

	typ := append(appendU32(nil, types+1), typeRest...)
	typ = append(typ, typeFunc, 0, 0) // () -> ()
	imp := append(appendU32(nil, imports.n+1), imports.rest...)
	imp = append(appendName(appendName(imp, ImportModule), ImportYield), kindFunc)
	imp = appendU32(imp, types)

	// Each section is written in place of the module's, or where the
	// binary format puts it if the module had none.
	made := map[byte][]byte{secType: typ, secImport: imp}
	var err error
	if made[secGlobal], err = rewriteGlobals(sectionOf(secs, secGlobal), shift, budget); err != nil {
		return nil, err
	}
	if made[secExport], err = rewriteExports(sectionOf(secs, secExport), shift, stop, start, hasStart); err != nil {
		return nil, err
	}
	c := &checks{countdown: checkCode(budget, stop, yield), stop: stopCode(stop), imports: imports.funcs}

	out := make([]byte, 0, len(wasm)+len(wasm)/8)
	out = append(out, wasm[:8]...)
	emit := func(id byte, payload []byte) {
		out = append(out, id)
		out = appendU32(out, uint32(len(payload)))
		out = append(out, payload...)
	}
	emitMade := func(below int) {
		for _, id := range [...]byte{secType, secImport, secGlobal, secExport} {
			if p, ok := made[id]; ok && sectionRank[id] < below {
				emit(id, p)
				delete(made, id)
			}
		}
	}
	for _, s := range secs {
		if s.id != secCustom {
			emitMade(sectionRank[s.id])
		}
		switch s.id {
		case secCustom:
			switch {
			case isDebugSection(s.payload):
			case isNameSection(s.payload):
				// A name section that cannot be read is dropped: names
				// are for stack traces, and a wrong one misleads.
				if p, ok := rewriteNames(s.payload, shift); ok {
					emit(s.id, p)
				}
			default:
				emit(s.id, s.payload)
			}
		case secType, secImport, secGlobal, secExport:
			emit(s.id, made[s.id])
			delete(made, s.id)
		case secStart:
			// Exported as ExportStart instead.
		case secElem:
			elems, err := rewriteElems(s.payload, shift)
			if err != nil {
				return nil, err
			}
			emit(secElem, elems)
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
	emitMade(len(sectionRank) + 1)
	return out, nil
}

// sectionOf returns the payload of the section id, nil if there is none.
func sectionOf(secs []section, id byte) []byte {
	for _, s := range secs {
		if s.id == id {
			return s.payload
		}
	}
	return nil
}

func isDebugSection(payload []byte) bool {
	r := &reader{b: payload}
	n := r.u32()
	name := r.bytes(int(n))
	return r.err == nil && bytes.HasPrefix(name, []byte(".debug_"))
}

func isNameSection(payload []byte) bool {
	r := &reader{b: payload}
	name := r.name()
	return r.err == nil && string(name) == "name"
}

// importCounts are what Instrument needs of the import section: how
// many imports of each kind, the import count n, and the entries after
// it.
type importCounts struct {
	funcs, globals, n uint32
	rest              []byte
}

func countImports(p []byte) (importCounts, error) {
	var c importCounts
	r := &reader{b: p}
	c.n = r.u32()
	c.rest = r.b[r.pos:]
	for i := uint32(0); i < c.n && r.err == nil; i++ {
		mod, name := r.name(), r.name()
		if string(mod) == ImportModule {
			return c, fmt.Errorf("%w (import %d, %s.%s)", ErrHostImport, i, mod, name)
		}
		switch kind := r.byte(); kind {
		case kindFunc: // type index
			r.u32()
			c.funcs++
		case 1: // table: reference type, limits
			r.valType()
			r.limits()
		case kindMemory:
			r.limits()
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
	if r.err == nil && r.pos != len(r.b) {
		r.setErr("bytes after the last import")
	}
	return c, r.check("import section")
}

// rewriter copies what a reader reads, with some operands replaced.
type rewriter struct {
	r    *reader
	out  []byte
	from int // r.b[from:] is not yet in out
}

// replace puts v, as a LEB128 number, in place of the bytes from at to
// the reader's position.
func (w *rewriter) replace(at int, v uint32) {
	w.out = append(w.out, w.r.b[w.from:at]...)
	w.out = appendU32(w.out, v)
	w.from = w.r.pos
}

func (w *rewriter) flush() []byte {
	w.out = append(w.out, w.r.b[w.from:w.r.pos]...)
	w.from = w.r.pos
	return w.out
}

// funcIndex reads a function index and writes it shifted.
func (w *rewriter) funcIndex(shift funcShift) {
	at := w.r.pos
	w.replace(at, shift.of(w.r.u32()))
}

// constExpr reads an initializer up to its end, with ref.func's
// operand shifted.
func (w *rewriter) constExpr(shift funcShift) {
	r := w.r
	for r.err == nil {
		if r.pos < len(r.b) && r.b[r.pos] == opEnd {
			r.pos++
			return
		}
		at := r.pos
		op, index, err := r.instr()
		if err != nil {
			return
		}
		if op == opRefFunc {
			w.replace(at+1, shift.of(index))
		}
	}
}

// rewriteGlobals returns the global section p (nil: none) with its
// initializers' ref.func operands shifted and the budget and stop
// globals appended; budget is the budget global's index.
func rewriteGlobals(p []byte, shift funcShift, budget uint32) ([]byte, error) {
	r := &reader{b: p}
	n := uint32(0)
	if p != nil {
		n = r.u32()
	}
	w := &rewriter{r: r, out: appendU32(nil, n+2), from: r.pos}
	for i := uint32(0); i < n && r.err == nil; i++ {
		r.valType()
		r.byte() // mutability
		w.constExpr(shift)
	}
	if r.err == nil && r.pos != len(r.b) {
		r.setErr("bytes after the last global")
	}
	if err := r.check("global section"); err != nil {
		return nil, err
	}
	out := w.flush()
	out = append(out, typeI32, 1, opI32Const) // mutable i32 = Interval
	out = appendS32(out, Interval)
	out = append(out, opEnd)
	return append(out, typeI32, 1, opI32Const, 0, opEnd), nil // mutable i32 = 0
}

// rewriteExports returns the export section p (nil: none) with its
// function indices shifted, and the exports of the stop global and, if
// hasStart, the start function appended.
func rewriteExports(p []byte, shift funcShift, stop, start uint32, hasStart bool) ([]byte, error) {
	r := &reader{b: p}
	n := uint32(0)
	if p != nil {
		n = r.u32()
	}
	added := uint32(1)
	if hasStart {
		added++
	}
	w := &rewriter{r: r, out: appendU32(nil, n+added), from: r.pos}
	for i := uint32(0); i < n && r.err == nil; i++ {
		if name := r.name(); string(name) == Export || string(name) == ExportStart {
			return nil, fmt.Errorf("interrupt: the module already exports %q", name)
		}
		if kind := r.byte(); kind == kindFunc {
			w.funcIndex(shift)
		} else {
			r.u32()
		}
	}
	if r.err == nil && r.pos != len(r.b) {
		r.setErr("bytes after the last export")
	}
	if err := r.check("export section"); err != nil {
		return nil, err
	}
	out := append(appendName(w.flush(), Export), kindGlobal)
	out = appendU32(out, stop)
	if hasStart {
		out = append(appendName(out, ExportStart), kindFunc)
		out = appendU32(out, shift.of(start))
	}
	return out, nil
}

// rewriteElems returns the element section p with its function indices
// shifted, in each of the segments' eight encodings. The flags' bit 0
// says passive or declarative, bit 1 an explicit table (when active) or
// declarative, bit 2 initializers instead of function indices.
func rewriteElems(p []byte, shift funcShift) ([]byte, error) {
	r := &reader{b: p}
	w := &rewriter{r: r, out: make([]byte, 0, len(p)+len(p)/16)}
	n := r.u32()
	for i := uint32(0); i < n && r.err == nil; i++ {
		flags := r.u32()
		if flags > 7 {
			r.setErr(fmt.Sprintf("element segment flags %#x", flags))
			break
		}
		if flags&3 == 2 {
			r.u32() // table index
		}
		if flags&1 == 0 {
			w.constExpr(shift) // offset
		}
		if flags&3 != 0 {
			r.byte() // element kind (0: funcref), or reference type
		}
		count := r.u32()
		for j := uint32(0); j < count && r.err == nil; j++ {
			if flags&4 == 0 {
				w.funcIndex(shift)
			} else {
				w.constExpr(shift)
			}
		}
	}
	if r.err == nil && r.pos != len(r.b) {
		r.setErr("bytes after the last element segment")
	}
	if err := r.check("element section"); err != nil {
		return nil, err
	}
	return w.flush(), nil
}

// rewriteNames returns the name section p with the function indices of
// its function names (subsection 1), local names (2) and label names
// (3) shifted; false if it cannot be read.
func rewriteNames(p []byte, shift funcShift) ([]byte, bool) {
	r := &reader{b: p}
	r.name()
	out := append([]byte(nil), p[:r.pos]...)
	for r.err == nil && r.pos < len(r.b) {
		id := r.byte()
		size := r.u32()
		sub := r.bytes(int(size))
		if r.err != nil {
			return nil, false
		}
		if id >= 1 && id <= 3 {
			sr := &reader{b: sub}
			w := &rewriter{r: sr}
			n := sr.u32()
			for i := uint32(0); i < n && sr.err == nil; i++ {
				w.funcIndex(shift)
				if id == 1 {
					sr.name()
					continue
				}
				m := sr.u32() // a name map of locals or labels
				for j := uint32(0); j < m && sr.err == nil; j++ {
					sr.u32()
					sr.name()
				}
			}
			if sr.err != nil || sr.pos != len(sr.b) {
				return nil, false
			}
			sub = w.flush()
		}
		out = append(out, id)
		out = appendU32(out, uint32(len(sub)))
		out = append(out, sub...)
	}
	return out, r.err == nil
}

// checks are the code Instrument inserts.
type checks struct {
	countdown []byte // at function entries and loop heads: checkCode
	stop      []byte // after calls that may reach an import: stopCode
	imports   uint32 // the module's imported functions, whose indices come first
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
// the block type of every loop, a stop check after every call that may
// reach an import, and the indices of defined functions (in call,
// return_call and ref.func) shifted past the yield import.
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
		at := r.pos
		op, index, err := r.instr()
		if err != nil {
			return nil, err
		}
		var check []byte
		switch {
		case (op == opCall || op == opReturnCall || op == opRefFunc) && index >= c.imports:
			// The opcode is one byte; the index follows it.
			out = append(out, body[start:at+1]...)
			out = appendU32(out, index+1)
			start = r.pos
			continue
		case op == opLoop:
			check = c.countdown
		case op == opCall, op == opCallIndirect:
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
