;; sleep: wasmweb_handle logs "sleep: sleeping", sleeps an hour in WASI
;; poll_oneoff (one relative clock subscription of 3,600 s), then answers
;; 200.
;;
;; The host must end the sleep at the call's deadline: 503 with
;; Retry-After once the site's CallTimeout passes, as for loop, and the
;; instance is discarded; never an answer an hour later. Closing the host
;; must end the sleep too.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasmweb_v1" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "sleep: sleeping")
  ;; The subscription at 0 (48 bytes): userdata 0, tag 0 (clock) at 8,
  ;; clock id at 16 (1: monotonic), timeout at 24 (ns), precision at 32,
  ;; flags at 40 (0: relative). Its event is written at 64, the number of
  ;; events at 128.
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (call $log (i32.const 1) (i32.const 256) (i32.const 15))
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 3600000000000))
    (drop (call $poll_oneoff (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128)))
    (i32.const 0)))
