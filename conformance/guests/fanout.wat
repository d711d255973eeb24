;; fanout: wasmweb_handle recurses two ways, 2^40 calls deep in total,
;; without a single loop, and never calls the host.
;;
;; The host must stop it at the site's CallTimeout like loop: a runaway
;; call need not contain a loop. fanout is also exported, for tests that
;; run it to a small depth.
(module
  (memory (export "memory") 1)
  (func $fanout (export "fanout") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 1))
      (else
        (i32.add
          (call $fanout (i32.sub (local.get $n) (i32.const 1)))
          (call $fanout (i32.sub (local.get $n) (i32.const 1)))))))
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (drop (call $fanout (i32.const 40)))
    (i32.const 0)))
