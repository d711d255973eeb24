;; starttrap: the module's start function traps at once (`unreachable`).
;;
;; The host must refuse it at load, naming the plugin and the start
;; function; a live swap to it must leave the generation serving in place.
(module
  (memory (export "memory") 1)
  (func $start
    (unreachable))
  (start $start)
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (i32.const 0)))
