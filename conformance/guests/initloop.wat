;; initloop: the module's _initialize export loops forever.
;;
;; The host must not hang: loading the plugin fails within a bound (its
;; instantiation deadline) with an error that names the plugin and
;; _initialize.
(module
  (memory (export "memory") 1)
  (func (export "_initialize")
    (loop $spin
      (br $spin)))
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (i32.const 0)))
