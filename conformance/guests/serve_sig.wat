;; serve_sig: a guest that answers "Hello, world" and exports
;; wasmweb_serve with the wrong signature, (i32) -> (i32) instead of
;; (i32, i32) -> (i32). The host refuses it at load (abi/ABI.md
;; section 4).
(module
  (import "wasmweb_v1" "resp_write" (func $write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Hello, world")
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (drop (call $write (i32.const 16) (i32.const 12)))
    (i32.const 0))
  (func (export "wasmweb_serve") (param $route i32) (result i32)
    (drop (call $write (i32.const 16) (i32.const 12)))
    (i32.const 0)))
