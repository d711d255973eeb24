;; spin: wasmweb_handle(0) spins until byte 0 of its memory is not zero,
;; which only another goroutine can make it, then clears it;
;; wasmweb_handle(n), n > 0, loops n thousand times and returns;
;; wasmweb_handle(-n) loops n thousand times and then traps. Its
;; _initialize loops 5000 times, so that its checks call the host's
;; yield function during the initialization. For the tests and
;; benchmarks of long calls giving the core up (yield_test.go).
(module
  (memory (export "memory") 1)
  (global $n (mut i32) (i32.const 0))
  (func (export "_initialize")
    (loop $count
      (global.set $n (i32.add (global.get $n) (i32.const 1)))
      (br_if $count (i32.lt_u (global.get $n) (i32.const 5000)))))
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (local $i i32)
    (if (i32.lt_s (local.get $route) (i32.const 0))
      (then
        (local.set $route (i32.mul (i32.sub (i32.const 0) (local.get $route)) (i32.const 1000)))
        (loop $count
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $count (i32.lt_u (local.get $i) (local.get $route))))
        (unreachable)))
    (if (local.get $route)
      (then
        (local.set $route (i32.mul (local.get $route) (i32.const 1000)))
        (loop $count
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $count (i32.lt_u (local.get $i) (local.get $route))))
        (return (i32.const 0))))
    (loop $wait
      (br_if $wait (i32.eqz (i32.load8_u (i32.const 0)))))
    (i32.store8 (i32.const 0) (i32.const 0))
    (i32.const 0))
)
