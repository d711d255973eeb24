;; flood: wasmweb_handle floods stdout and stderr through WASI fd_write.
;;
;; The query's first byte selects the flood:
;;   n  one fd_write to stdout of 4 MiB of newlines (4 Mi empty lines),
;;      then 200;
;;   i  one fd_write to stdout of 60,000 iovecs, each the same 1 MiB of
;;      "A" (no newline: lines of the host's 4 KiB maximum), then 200;
;;   anything else: fd_write of "flood\n" to stderr in a loop, forever.
;;
;; The host must cap what reaches its log per call and per second,
;; count what it dropped, and answer within the site's CallTimeout
;; (200, or 503 when the deadline stops the call).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasmweb_v1" "req_get" (func $req_get (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "flood\n")
  ;; 0..8: the query's first byte; 16: an iovec; 32: the byte count
  ;; written; 1 MiB at 1 MiB: the data; iovec arrays at 6 MiB.
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (local $q i32) (local $i i32)
    (i64.store (i32.const 0) (i64.const 0))
    (drop (call $req_get (i32.const 3) (i32.const 0) (i32.const 8)))
    (local.set $q (i32.load8_u (i32.const 0)))
    (if (i32.eq (local.get $q) (i32.const 110)) ;; 'n'
      (then
        (drop (memory.grow (i32.const 95)))
        (memory.fill (i32.const 0x100000) (i32.const 10) (i32.const 0x400000))
        (i32.store (i32.const 16) (i32.const 0x100000))
        (i32.store (i32.const 20) (i32.const 0x400000))
        (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 32)))
        (return (i32.const 0))))
    (if (i32.eq (local.get $q) (i32.const 105)) ;; 'i'
      (then
        (drop (memory.grow (i32.const 111)))
        (memory.fill (i32.const 0x100000) (i32.const 65) (i32.const 0x100000))
        (loop $iov
          (i32.store (i32.add (i32.const 0x600000) (i32.mul (local.get $i) (i32.const 8))) (i32.const 0x100000))
          (i32.store (i32.add (i32.const 0x600004) (i32.mul (local.get $i) (i32.const 8))) (i32.const 0x100000))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $iov (i32.lt_u (local.get $i) (i32.const 60000))))
        (drop (call $fd_write (i32.const 1) (i32.const 0x600000) (i32.const 60000) (i32.const 32)))
        (return (i32.const 0))))
    (i32.store (i32.const 16) (i32.const 64))
    (i32.store (i32.const 20) (i32.const 6))
    (loop $again
      (drop (call $fd_write (i32.const 2) (i32.const 16) (i32.const 1) (i32.const 32)))
      (br $again))
    (i32.const 0)))
