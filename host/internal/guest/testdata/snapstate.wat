;; snapstate: state that its initialization makes and its calls change,
;; for the snapshot tests. _initialize sets the unexported global $g to
;; 7, grows the memory by a page, marks byte 70000 (in the new page)
;; with 5 and overwrites the data segment's byte 200 with 3. Every call
;; adds 1 to the global $calls and to byte 300, and writes five digits
;; at 100: $g, byte 70000, byte 200, $calls and byte 300; the memory's
;; size in pages follows at 105.
(module
  (import "wasmweb_v1" "resp_write" (func $write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $g (mut i32) (i32.const 0))
  (global $calls (mut i32) (i32.const 0))
  (data (i32.const 200) "\01")
  (func (export "_initialize")
    (global.set $g (i32.const 7))
    (drop (memory.grow (i32.const 1)))
    (i32.store8 (i32.const 70000) (i32.const 5))
    (i32.store8 (i32.const 200) (i32.const 3)))
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.store8 (i32.const 300) (i32.add (i32.load8_u (i32.const 300)) (i32.const 1)))
    (i32.store8 (i32.const 100) (i32.add (i32.const 48) (global.get $g)))
    (i32.store8 (i32.const 101) (i32.add (i32.const 48) (i32.load8_u (i32.const 70000))))
    (i32.store8 (i32.const 102) (i32.add (i32.const 48) (i32.load8_u (i32.const 200))))
    (i32.store8 (i32.const 103) (i32.add (i32.const 48) (global.get $calls)))
    (i32.store8 (i32.const 104) (i32.add (i32.const 48) (i32.load8_u (i32.const 300))))
    (i32.store8 (i32.const 105) (i32.add (i32.const 48) (memory.size)))
    (if (i32.eq (local.get $route) (i32.const 1))
      (then (drop (memory.grow (i32.const 1)))))
    (drop (call $write (i32.const 100) (i32.const 6)))
    (i32.const 0)))
