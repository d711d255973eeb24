;; burn: a guest whose calls cost what the query asks, for quota tests and
;; the noisy-neighbour benchmark.
;;
;;   route 0  hello: 200 "Hello, world"
;;   route 1  burn: spins N million times, N the query's decimal number
;;            (GET /burn?50; no number: none), then 200 "burned"
;;
;; The spin is a plain loop: it costs CPU time, about a nanosecond a
;; turn with the deadline's checks, and stops at the call's deadline.
(module
  (import "wasmweb_v1" "req_get" (func $req_get (param i32 i32 i32) (result i32)))
  (import "wasmweb_v1" "resp_write" (func $write (param i32 i32) (result i32)))
  (import "wasmweb_v1" "resp_header" (func $header (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Hello, world")
  (data (i32.const 32) "Content-Type")
  (data (i32.const 48) "text/plain; charset=utf-8")
  (data (i32.const 80) "burned")
  ;; 256..319: the query

  (func $text (param $p i32) (param $n i32) (result i32)
    (drop (call $header (i32.const 0) (i32.const 32) (i32.const 12) (i32.const 48) (i32.const 25)))
    (drop (call $write (local.get $p) (local.get $n)))
    (i32.const 0))

  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (local $len i32) (local $i i32) (local $c i32) (local $n i64) (local $turns i64)
    (if (i32.eqz (local.get $route))
      (then (return (call $text (i32.const 16) (i32.const 12)))))
    (local.set $len (call $req_get (i32.const 3) (i32.const 256) (i32.const 64)))
    (if (i32.gt_s (local.get $len) (i32.const 64)) (then (local.set $len (i32.const 0))))
    (block $done
      (loop $digits
        (br_if $done (i32.ge_s (local.get $i) (local.get $len)))
        (local.set $c (i32.sub (i32.load8_u (i32.add (i32.const 256) (local.get $i))) (i32.const 48)))
        (br_if $done (i32.gt_u (local.get $c) (i32.const 9)))
        (local.set $n (i64.add (i64.mul (local.get $n) (i64.const 10)) (i64.extend_i32_u (local.get $c))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $digits)))
    (local.set $n (i64.mul (local.get $n) (i64.const 1000000)))
    (block $spun
      (loop $spin
        (br_if $spun (i64.ge_u (local.get $turns) (local.get $n)))
        (local.set $turns (i64.add (local.get $turns) (i64.const 1)))
        (br $spin)))
    (call $text (i32.const 80) (i32.const 6))))
