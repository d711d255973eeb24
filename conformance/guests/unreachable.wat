;; unreachable: wasmweb_handle traps at once with `unreachable`.
;;
;; The host must answer 500, count a trap and discard the instance.
(module
  (memory (export "memory") 1)
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (unreachable)))
