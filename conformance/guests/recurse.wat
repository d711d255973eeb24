;; recurse: wasmweb_handle recurses without bound until the engine's call
;; stack overflows.
;;
;; The host must answer 500 (the stack-overflow trap), count a trap and
;; discard the instance. The recursion is not a tail call, so no engine
;; can turn it into a loop.
(module
  (memory (export "memory") 1)
  (func $down (param $depth i32) (result i32)
    (i32.add
      (call $down (i32.add (local.get $depth) (i32.const 1)))
      (i32.const 1)))
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (drop (call $down (i32.const 0)))
    (i32.const 0)))
