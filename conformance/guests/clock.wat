;; clock: wasmweb_handle misuses the WASI clocks: clock_res_get and
;; clock_time_get with unknown clock ids, a huge precision and result
;; pointers past the end of memory (each must return an error, not
;; trap), then clock_time_get in a loop, forever.
;;
;; The host must answer 503 once the site's CallTimeout passes.
(module
  (import "wasi_snapshot_preview1" "clock_res_get" (func $clock_res_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (drop (call $clock_res_get (i32.const 99) (i32.const 0)))
    (drop (call $clock_res_get (i32.const 1) (i32.const 65532)))
    (drop (call $clock_res_get (i32.const 1) (i32.const -1)))
    (drop (call $clock_time_get (i32.const -1) (i64.const 0) (i32.const 0)))
    (drop (call $clock_time_get (i32.const 0) (i64.const -1) (i32.const 0)))
    (drop (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const 65530)))
    (drop (call $clock_time_get (i32.const 1) (i64.const 0) (i32.const -8)))
    (loop $again
      (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 0)))
      (br $again))
    (i32.const 0)))
