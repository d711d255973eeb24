;; serve: a guest that exports wasmweb_serve as well as wasmweb_handle.
;; wasmweb_serve answers with a header X-Method holding the method number
;; the host gave it, one digit ("0" for a method without a number), and
;; the body "serve"; wasmweb_handle answers "handle". A host that knows
;; wasmweb_serve calls it for every request (abi/ABI.md section 4).
(module
  (import "wasmweb_v1" "resp_header" (func $header (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasmweb_v1" "resp_write" (func $write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "handle")
  (data (i32.const 32) "serve")
  (data (i32.const 48) "X-Method")
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (drop (call $write (i32.const 16) (i32.const 6)))
    (i32.const 0))
  (func (export "wasmweb_serve") (param $route i32) (param $method i32) (result i32)
    (i32.store8 (i32.const 64) (i32.add (i32.const 48) (local.get $method)))
    (drop (call $header (i32.const 0) (i32.const 48) (i32.const 8) (i32.const 64) (i32.const 1)))
    (drop (call $write (i32.const 32) (i32.const 5)))
    (i32.const 0)))
