;; badimport: a well-formed guest that imports wasmweb_v1.does_not_exist,
;; a function no v1 host provides.
;;
;; The host must refuse it at load with an error that names the import.
(module
  (import "wasmweb_v1" "does_not_exist" (func $nope (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (call $nope (local.get $route))))
