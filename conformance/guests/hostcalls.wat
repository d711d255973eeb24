;; hostcalls: wasmweb_handle calls WASI sched_yield forever: directly on
;; route 0, through a table (call_indirect) on route 1.
;;
;; Each call returns to the host, so the checks at loop heads are not all
;; the guest meets: the host must stop it right after the host call in
;; which its deadline passed (host/interrupt's tests count the calls),
;; and answer 503 once the site's CallTimeout passes.
(module
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (type $yields (func (result i32)))
  (memory (export "memory") 1)
  (table 1 funcref)
  (elem (i32.const 0) $yield)
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (if (local.get $route)
      (then
        (loop $indirect
          (drop (call_indirect (type $yields) (i32.const 0)))
          (br $indirect))))
    (loop $direct
      (drop (call $yield))
      (br $direct))
    (i32.const 0)))
