;; hello: the smallest wasmweb guest. Every route answers "Hello, world".
(module
  (import "wasmweb_v1" "resp_write" (func $write (param i32 i32) (result i32)))
  (import "wasmweb_v1" "resp_header" (func $header (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Hello, world")
  (data (i32.const 32) "Content-Type")
  (data (i32.const 48) "text/plain; charset=utf-8")
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (drop (call $header (i32.const 0) (i32.const 32) (i32.const 12) (i32.const 48) (i32.const 25)))
    (drop (call $write (i32.const 16) (i32.const 12)))
    (i32.const 0)))
