;; startloop: the module's start function loops forever, so that
;; instantiating the module never returns by itself.
;;
;; The host must not hang: loading the plugin fails within a bound (its
;; instantiation deadline) with an error that names the plugin and says
;; why.
(module
  (memory (export "memory") 1)
  (func $start
    (loop $spin
      (br $spin)))
  (start $start)
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (i32.const 0)))
