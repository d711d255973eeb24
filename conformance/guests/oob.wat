;; oob: wasmweb_handle loads an i32 from the first address past the end
;; of its memory (memory.size × 65536, computed at run time).
;;
;; The host must answer 500, count a trap and discard the instance; if
;; the engine did not trap, the handler would return STATUS_DONE and the
;; request would get 200, which the tests reject.
(module
  (memory (export "memory") 1)
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (drop (i32.load (i32.mul (memory.size) (i32.const 65536))))
    (i32.const 0)))
