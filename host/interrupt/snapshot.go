package interrupt

import (
	"bytes"
	"fmt"
	"strconv"
)

// GlobalPrefix starts the names under which a module PrepareSnapshot
// returned exports its mutable globals: the global of index i is
// exported as GlobalPrefix + strconv.Itoa(i).
const GlobalPrefix = "wasmweb.global."

// PrepareSnapshot returns a copy of the module wasm that exports every
// mutable global it defines under GlobalPrefix, so that a host can read
// an instance's whole state (its memory and its mutable globals) and
// give it to a new instance, with the globals' indices. It also says
// why such a copy of the state would not make an instance like the one
// it was taken from, "" when it would:
//
//   - the module imports a memory, a table or a mutable global: part of
//     its state lives outside it;
//   - it has more than one memory (only one is copied);
//   - its code changes a table (table.set, table.grow, table.fill,
//     table.copy, table.init): tables are not copied;
//   - its code drops or copies segments (memory.init, data.drop,
//     elem.drop): which segments are dropped is not in the memory.
//
// The wasmweb_v1 functions an initialization calls are the host's to
// detect, at the time.
func PrepareSnapshot(wasm []byte) (out []byte, globals []uint32, unsafe string, err error) {
	if len(wasm) < 8 || !bytes.Equal(wasm[:4], []byte("\x00asm")) || !bytes.Equal(wasm[4:8], []byte{1, 0, 0, 0}) {
		return nil, nil, "", fmt.Errorf("%w: not a version 1 module", ErrMalformed)
	}
	var secs []section
	r := &reader{b: wasm, pos: 8}
	for r.pos < len(r.b) {
		id := r.byte()
		n := r.u32()
		payload := r.bytes(int(n))
		if r.err != nil {
			return nil, nil, "", r.fail("section header")
		}
		secs = append(secs, section{id, payload})
	}
	var importedGlobals, memories uint32
	var exports uint32
	var exportRest []byte
	why := func(s string) {
		if unsafe == "" {
			unsafe = s
		}
	}
	for _, s := range secs {
		pr := &reader{b: s.payload}
		switch s.id {
		case secImport:
			n := pr.u32()
			for i := uint32(0); i < n && pr.err == nil; i++ {
				pr.name()
				pr.name()
				switch kind := pr.byte(); kind {
				case kindFunc:
					pr.u32()
				case 1:
					pr.valType()
					pr.limits()
					why("it imports a table")
				case kindMemory:
					pr.limits()
					why("it imports its memory")
				case kindGlobal:
					pr.valType()
					if pr.byte() != 0 {
						why("it imports a mutable global")
					}
					importedGlobals++
				case 4:
					pr.byte()
					pr.u32()
				default:
					pr.setErr(fmt.Sprintf("import kind %#x", kind))
				}
			}
			err = pr.check("import section")
		case secMemory:
			memories = pr.u32()
			err = pr.check("memory section")
		case secGlobal:
			n := pr.u32()
			for i := uint32(0); i < n && pr.err == nil; i++ {
				pr.valType()
				if pr.byte() != 0 {
					globals = append(globals, importedGlobals+i)
				}
				for pr.err == nil {
					if pr.pos < len(pr.b) && pr.b[pr.pos] == opEnd {
						pr.pos++
						break
					}
					if _, _, e := pr.instr(); e != nil {
						break
					}
				}
			}
			err = pr.check("global section")
		case secExport:
			exports = pr.u32()
			exportRest = pr.b[pr.pos:]
			for i := uint32(0); i < exports && pr.err == nil; i++ {
				if name := pr.name(); bytes.HasPrefix(name, []byte(GlobalPrefix)) {
					return nil, nil, "", fmt.Errorf("interrupt: the module already exports %q", name)
				}
				pr.byte()
				pr.u32()
			}
			// The section is rewritten with entries added after these:
			// bytes past them would be read as the first added entry.
			if pr.err == nil && pr.pos != len(pr.b) {
				pr.setErr(fmt.Sprintf("%d bytes after the last entry", len(pr.b)-pr.pos))
			}
			err = pr.check("export section")
		case secCode:
			if s := codeChangesState(s.payload); s != "" {
				why(s)
			}
		}
		if err != nil {
			return nil, nil, "", err
		}
	}
	if memories > 1 {
		why(fmt.Sprintf("it has %d memories", memories))
	}
	export := appendU32(nil, exports+uint32(len(globals)))
	export = append(export, exportRest...)
	for _, g := range globals {
		export = append(appendName(export, GlobalPrefix+strconv.Itoa(int(g))), kindGlobal)
		export = appendU32(export, g)
	}
	out = make([]byte, 0, len(wasm)+len(export))
	out = append(out, wasm[:8]...)
	wrote := false
	emit := func(id byte, payload []byte) {
		out = append(out, id)
		out = appendU32(out, uint32(len(payload)))
		out = append(out, payload...)
	}
	for _, s := range secs {
		if !wrote && s.id != secCustom && sectionRank[s.id] > sectionRank[secExport] {
			emit(secExport, export)
			wrote = true
		}
		if s.id == secExport {
			emit(secExport, export)
			wrote = true
			continue
		}
		emit(s.id, s.payload)
	}
	if !wrote {
		emit(secExport, export)
	}
	return out, globals, unsafe, nil
}

// codeChangesState returns why the code section's instructions change
// state a memory image leaves out, "" when none does or it cannot be
// read (the compiler then refuses the module).
func codeChangesState(p []byte) string {
	why := ""
	eachInstr(p, func(op byte, sub uint32) bool {
		switch {
		case op == 0x26:
			why = "its code changes a table (table.set)"
		case op == 0xfc && (sub == 12 || sub == 14 || sub == 15 || sub == 17):
			why = "its code changes a table (table.init, table.copy, table.grow or table.fill)"
		case op == 0xfc && (sub == 8 || sub == 9 || sub == 13):
			why = "its code uses or drops segments (memory.init, data.drop or elem.drop)"
		}
		return why == ""
	})
	return why
}
