;; logloop: wasmweb_handle calls the log host function with a 4 KiB
;; message of NUL bytes (each escaped to several bytes in a text log) in
;; a loop. With the query "once" it logs 1,000 such lines and answers 200;
;; otherwise it logs forever.
;;
;; The host must cap what reaches its log per call and per plugin per
;; second, count what it dropped, and answer 503 once the site's
;; CallTimeout stops the endless loop.
(module
  (import "wasmweb_v1" "log" (func $log (param i32 i32 i32)))
  (import "wasmweb_v1" "req_get" (func $req_get (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; 0..8: the query's first byte; the message: 4096 zeros at 4096.
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (local $n i32)
    (i64.store (i32.const 0) (i64.const 0))
    (drop (call $req_get (i32.const 3) (i32.const 0) (i32.const 8)))
    (local.set $n (i32.const -1))
    (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 111)) ;; 'o'
      (then (local.set $n (i32.const 1000))))
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (call $log (i32.const 1) (i32.const 4096) (i32.const 4096))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (i32.const 0)))
