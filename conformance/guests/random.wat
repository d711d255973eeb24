;; random: wasmweb_handle misuses WASI random_get: once at the end of
;; memory and once past it (each must return an error, not trap), then
;; over its whole memory, grown 16 pages at a time to the host's limit,
;; again and again, forever.
;;
;; Each call fills tens of megabytes, and the loop around it meets the
;; deadline's checks only once per call. The host must answer 503 once
;; the site's CallTimeout passes, promptly, and keep serving.
(module
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (local $size i32)
    (drop (call $random_get (i32.const 65535) (i32.const 2)))
    (drop (call $random_get (i32.const -1) (i32.const -1)))
    (block $full
      (loop $more
        (br_if $full (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))
        (br $more)))
    (local.set $size (i32.mul (memory.size) (i32.const 65536)))
    (loop $again
      (drop (call $random_get (i32.const 0) (local.get $size)))
      (br $again))
    (i32.const 0)))
