;; serve_only: a guest that exports wasmweb_serve but not wasmweb_handle,
;; which stays required (older hosts call only it). The host refuses it
;; at load (abi/ABI.md section 4).
(module
  (import "wasmweb_v1" "resp_write" (func $write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Hello, world")
  (func (export "wasmweb_serve") (param $route i32) (param $method i32) (result i32)
    (drop (call $write (i32.const 16) (i32.const 12)))
    (i32.const 0)))
