;; snaphostcall: an _initialize that calls a wasmweb_v1 function (log),
;; which a snapshot cannot replay: its instances are initialized each
;; time.
(module
  (import "wasmweb_v1" "log" (func $log (param i32 i32 i32)))
  (import "wasmweb_v1" "resp_write" (func $write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "init")
  (func (export "_initialize")
    (call $log (i32.const 1) (i32.const 16) (i32.const 4)))
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (drop (call $write (i32.const 16) (i32.const 4)))
    (i32.const 0)))
