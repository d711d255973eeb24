;; slowhello: wasmweb_handle logs "slowhello: sleeping", sleeps one
;; second in WASI poll_oneoff, then answers "Hello, slowly".
;;
;; A request that is still running when its site is replaced or removed
;; must finish on it: 200 with that body, not an error.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasmweb_v1" "log" (func $log (param i32 i32 i32)))
  (import "wasmweb_v1" "resp_write" (func $write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "slowhello: sleeping")
  (data (i32.const 288) "Hello, slowly")
  ;; The subscription at 0 (48 bytes), as in sleep.wat: a relative
  ;; monotonic clock of 1 s. Its event is written at 64, the number of
  ;; events at 128.
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (call $log (i32.const 1) (i32.const 256) (i32.const 19))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 1000000000))
    (drop (call $poll_oneoff (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
    (drop (call $write (i32.const 288) (i32.const 13)))
    (i32.const 0)))
