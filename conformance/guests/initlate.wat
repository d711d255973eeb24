;; initlate: the module's _initialize export reads the monotonic clock
;; until 300 ms have passed, then loops forever.
;;
;; The host must not hang: loading the plugin fails within a bound (its
;; instantiation deadline) with an error that names the plugin and
;; _initialize.
(module
  (import "wasi_snapshot_preview1" "clock_time_get"
    (func $clock_time_get (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (func $now (result i64)
    (drop (call $clock_time_get (i32.const 1) (i64.const 1) (i32.const 0)))
    (i64.load (i32.const 0)))
  (func (export "_initialize")
    (local $until i64)
    (local.set $until (i64.add (call $now) (i64.const 300000000)))
    (loop $wait
      (br_if $wait (i64.lt_u (call $now) (local.get $until))))
    (loop $spin
      (br $spin)))
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (i32.const 0)))
