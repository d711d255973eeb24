;; hostimport: a plugin that imports the host's own yield function,
;; which only the host's instrumentation may add. Load must refuse it.
(module
  (import "wasmweb.interrupt" "yield" (func $yield))
  (memory (export "memory") 1)
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (call $yield)
    (i32.const 0))
)
