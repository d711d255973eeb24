;; indices: a module whose function indices Instrument must shift past
;; its yield import, wherever they appear. Each export returns a number
;; that depends on reaching the right function; the test compares the
;; original's answers with the instrumented module's.
;;
;;   wat2wasm --enable-tail-call --debug-names indices.wat -o indices.wasm
(module
  (type $r (func (result i32)))
  (import "env" "ten" (func $ten (result i32)))
  (import "env" "twenty" (func $twenty (result i32)))
  (import "envg" "g" (global $g i32))
  (memory (export "memory") 1)
  (table $t0 8 funcref)
  (table $t1 8 funcref)
  (global $ran (mut i32) (i32.const 0))
  (global $fref funcref (ref.func $five))

  (func $one (result i32) (i32.const 1))
  (func $two (result i32) (i32.const 2))
  (func $three (result i32) (i32.const 3))
  (func $four (result i32) (i32.const 4))
  (func $five (result i32) (i32.const 5))
  (func $six (result i32) (i32.const 6))
  (func $seven (result i32) (i32.const 7))
  (func $eight (result i32) (i32.const 8))
  (func $start (global.set $ran (i32.add (global.get $ran) (i32.const 1))))
  (start $start)

  ;; flags 0: table 0, offset, function indices
  (elem (i32.const 0) $one $ten)
  ;; flags 1: passive, function indices
  (elem $p1 func $two $twenty)
  ;; flags 2: explicit table, offset, function indices
  (elem (table $t1) (i32.const 0) func $three)
  ;; flags 3: declarative, function indices
  (elem declare func $seven)
  ;; flags 4: table 0, offset, initializers
  (elem (i32.const 2) funcref (ref.func $four) (ref.null func))
  ;; flags 5: passive, initializers (a null keeps wat2wasm from
  ;; writing function indices, flags 1, instead; likewise below)
  (elem $p5 funcref (ref.func $six) (ref.func $ten) (ref.null func))
  ;; flags 6: explicit table, offset, initializers
  (elem (table $t1) (i32.const 1) funcref (ref.func $eight) (ref.null func))
  ;; flags 7: declarative, initializers
  (elem declare funcref (ref.func $eight) (ref.null func))

  (func (export "call") (result i32)
    (i32.add (call $one) (i32.add (call $ten) (call $eight))))
  (func (export "tail") (result i32) (return_call $three))
  (func (export "tail_import") (result i32) (return_call $twenty))
  (func (export "t0") (param i32) (result i32)
    (call_indirect $t0 (type $r) (local.get 0)))
  (func (export "t1") (param i32) (result i32)
    (call_indirect $t1 (type $r) (local.get 0)))
  (func (export "passive") (result i32)
    (table.init $t0 $p1 (i32.const 4) (i32.const 0) (i32.const 2))
    (table.init $t0 $p5 (i32.const 6) (i32.const 0) (i32.const 2))
    (i32.add
      (i32.add (call_indirect $t0 (type $r) (i32.const 4)) (call_indirect $t0 (type $r) (i32.const 5)))
      (i32.add (call_indirect $t0 (type $r) (i32.const 6)) (call_indirect $t0 (type $r) (i32.const 7)))))
  (func (export "reffunc") (result i32)
    (table.set $t1 (i32.const 5) (ref.func $seven))
    (table.set $t1 (i32.const 6) (global.get $fref))
    (i32.add (call_indirect $t1 (type $r) (i32.const 5)) (call_indirect $t1 (type $r) (i32.const 6))))
  (func (export "started") (result i32) (global.get $ran))
  (func $loop (export "loop") (param i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get 0))))
    (i32.add (local.get $i) (global.get $g)))
  (export "eight" (func $eight))
  (export "ten" (func $ten))
  (export "table" (table $t0))
)
