;; pollmany: wasmweb_handle calls WASI poll_oneoff with as many
;; subscriptions as its memory holds, again and again, forever.
;;
;; It first grows its memory 16 pages at a time to the host's limit.
;; Fresh memory is zeros, and a zero subscription is a relative clock of
;; 0 ns, so each call handles hundreds of thousands of subscriptions
;; without sleeping: the call is long, and the loop around it meets the
;; deadline's checks only once per call. With the query "wrap" it calls
;; poll_oneoff once with 2^28 subscriptions, a count whose sizes (48 and
;; 32 bytes each) overflow 32 bits to 0, then answers 200.
;;
;; The host must answer 503 once the site's CallTimeout passes (or 500
;; for a call it refuses as misuse), promptly, and keep serving.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff"
    (func $poll_oneoff (param i32 i32 i32 i32) (result i32)))
  (import "wasmweb_v1" "req_get" (func $req_get (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (local $size i32) (local $n i32)
    ;; the query's first byte, at 0
    (i64.store (i32.const 0) (i64.const 0))
    (drop (call $req_get (i32.const 3) (i32.const 0) (i32.const 8)))
    (if (i32.eq (i32.load8_u (i32.const 0)) (i32.const 119)) ;; 'w'
      (then
        (drop (call $poll_oneoff (i32.const 0) (i32.const 0) (i32.const 0x10000000) (i32.const 64)))
        (return (i32.const 0))))
    (block $full
      (loop $more
        (br_if $full (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))
        (br $more)))
    ;; n subscriptions at 0, their n events after them (48 + 32 bytes
    ;; each), the number of events in the last 8 bytes.
    (local.set $size (i32.mul (memory.size) (i32.const 65536)))
    (local.set $n (i32.div_u (i32.sub (local.get $size) (i32.const 8)) (i32.const 80)))
    (loop $again
      (drop (call $poll_oneoff
        (i32.const 0)
        (i32.mul (local.get $n) (i32.const 48))
        (local.get $n)
        (i32.sub (local.get $size) (i32.const 4))))
      (br $again))
    (i32.const 0)))
