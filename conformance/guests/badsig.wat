;; badsig: exports wasmweb_handle with the signature (i32) -> (i64)
;; instead of (i32) -> (i32).
;;
;; The host must refuse it at load with an error that names the export,
;; the signature found and the one wanted.
(module
  (memory (export "memory") 1)
  (func (export "wasmweb_handle") (param $route i32) (result i64)
    (i64.const 0)))
