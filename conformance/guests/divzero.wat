;; divzero: wasmweb_handle divides an integer by zero.
;;
;; The divisor is loaded from memory (which is zero) so that no compiler
;; can fold it away. The host must answer 500, count a trap and discard
;; the instance; if the engine did not trap, the handler would return
;; STATUS_DONE and the request would get 200, which the tests reject.
(module
  (memory (export "memory") 1)
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (drop (i32.div_u (i32.const 1) (i32.load (i32.const 64))))
    (i32.const 0)))
