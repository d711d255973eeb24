;; spin: wasmweb_handle spins until byte 0 of its memory is not zero,
;; which only another goroutine can make it, then clears it. Its
;; _initialize loops 5000 times, so that its checks call the host's
;; yield function during the initialization. For the tests that a long
;; call gives the core up (yield_test.go).
(module
  (memory (export "memory") 1)
  (global $n (mut i32) (i32.const 0))
  (func (export "_initialize")
    (loop $count
      (global.set $n (i32.add (global.get $n) (i32.const 1)))
      (br_if $count (i32.lt_u (global.get $n) (i32.const 5000)))))
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (loop $wait
      (br_if $wait (i32.eqz (i32.load8_u (i32.const 0)))))
    (i32.store8 (i32.const 0) (i32.const 0))
    (i32.const 0))
)
