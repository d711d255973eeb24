;; noexport: a module with a memory and a function but no wasmweb_handle
;; export.
;;
;; The host must refuse it at load with an error that names the missing
;; export and its signature.
(module
  (memory (export "memory") 1)
  (func (export "handle") (param $route i32) (result i32)
    (i32.const 0)))
