;; initslow: the module's _initialize export sleeps 2 s (WASI
;; poll_oneoff), then returns: creating an instance is slow but ends.
;; Route 0 answers "ready"; route 1 logs "initslow: spinning" and loops
;; forever, to hold an instance until the deadline stops it.
;;
;; A request that finds no free instance must not wait for a creation
;; past its own call deadline: it gets 503 with Retry-After in time, and
;; the instance, once made, joins the pool.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasmweb_v1" "log" (func $log (param i32 i32 i32)))
  (import "wasmweb_v1" "resp_write" (func $resp_write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "ready")
  (data (i32.const 272) "initslow: spinning")
  ;; The subscription at 0 (see sleep.wat): a relative monotonic clock.
  (func (export "_initialize")
    (i32.store (i32.const 16) (i32.const 1))
    (i64.store (i32.const 24) (i64.const 2000000000))
    (drop (call $poll_oneoff (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128))))
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (if (i32.eqz (local.get $route))
      (then
        (drop (call $resp_write (i32.const 256) (i32.const 5)))
        (return (i32.const 0))))
    (call $log (i32.const 1) (i32.const 272) (i32.const 18))
    (loop $spin
      (br $spin))
    (i32.const 0)))
