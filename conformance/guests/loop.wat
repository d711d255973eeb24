;; loop: wasmweb_handle spins forever and never calls the host.
;;
;; The host must stop the call when the site's CallTimeout passes, answer
;; 503 with Retry-After, count a deadline kill and discard the instance.
;; count is exported for tests that measure what a check at each loop
;; head costs: it runs its loop n times.
(module
  (memory (export "memory") 1)
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (loop $spin
      (br $spin))
    (i32.const 0))
  (func (export "count") (param $n i32) (result i32)
    (local $sum i32)
    (loop $next
      (local.set $sum (i32.add (local.get $sum) (local.get $n)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (local.get $sum)))
