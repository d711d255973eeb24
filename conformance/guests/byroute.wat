;; byroute: a plugin whose routes behave differently, well or badly, by the
;; route number the host passes. Routes that take a topic read it from the
;; query string (GET /x?room7 waits on topic "room7"); waits use cursor 0
;; and the site's max_wait, so on a fresh topic they park.
;;
;;   0  hello: 200 "Hello, world"
;;   1  loop: logs "spinning" (info), then spins until the host stops it
;;   2  publish: publishes "m" to the topic; 200 "published" (503 if refused)
;;   3  park: waits; STATUS_WAIT when parked
;;   4  park, publish to its own topic, then answer STATUS_DONE after all
;;   5  park, then trap
;;   6  park, then return STATUS_FAILED
;;   7  park, then wait again (must get ERR_INVALID), then STATUS_WAIT
;;   8  park, publish to its own topic, then STATUS_WAIT: woken before the
;;      host has filed the wait
;;   9  park, then a bad resp_set_status (the response fails), STATUS_WAIT
;;
;; Whenever a wait does not park, the route answers what it returned:
;; 200 "woken" (messages), 200 "timeout" (0), or 503 "wait -N" (error N,
;; e.g. "wait -3" for ERR_TOO_LARGE past max_waiters). So routes 3 to 9
;; answer "woken" or "timeout" when resumed, and only misbehave on their
;; first call. The host must answer every request, never resume one that
;; was answered, and give back every max_waiters slot exactly once.
(module
  (import "wasmweb_v1" "log" (func $log (param i32 i32 i32)))
  (import "wasmweb_v1" "req_get" (func $req_get (param i32 i32 i32) (result i32)))
  (import "wasmweb_v1" "resp_set_status" (func $set_status (param i32) (result i32)))
  (import "wasmweb_v1" "resp_header" (func $header (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasmweb_v1" "resp_write" (func $write (param i32 i32) (result i32)))
  (import "wasmweb_v1" "publish" (func $publish (param i32 i32 i32 i32) (result i64)))
  (import "wasmweb_v1" "wait" (func $wait (param i32 i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Hello, world")
  (data (i32.const 32) "Content-Type")
  (data (i32.const 48) "text/plain; charset=utf-8")
  (data (i32.const 80) "spinning")
  (data (i32.const 96) "woken")
  (data (i32.const 112) "timeout")
  (data (i32.const 128) "published")
  (data (i32.const 144) "wait -?")
  (data (i32.const 160) "m")
  ;; 256..455: the topic, read from the query string

  (global $topic_len (mut i32) (i32.const 0))

  ;; text answers with n bytes at p as text/plain: STATUS_DONE.
  (func $text (param $p i32) (param $n i32) (result i32)
    (drop (call $header (i32.const 0) (i32.const 32) (i32.const 12) (i32.const 48) (i32.const 25)))
    (drop (call $write (local.get $p) (local.get $n)))
    (i32.const 0))

  (func $wait_topic (result i32)
    (call $wait (i32.const 256) (global.get $topic_len) (i64.const 0) (i32.const 0)))

  (func $publish_topic (result i64)
    (call $publish (i32.const 256) (global.get $topic_len) (i32.const 160) (i32.const 1)))

  ;; answer reports the result n of a wait that did not park.
  (func $answer (param $n i32) (result i32)
    (if (i32.gt_s (local.get $n) (i32.const 0))
      (then (return (call $text (i32.const 96) (i32.const 5)))))
    (if (i32.eqz (local.get $n))
      (then (return (call $text (i32.const 112) (i32.const 7)))))
    (drop (call $set_status (i32.const 503)))
    (i32.store8 (i32.const 150) (i32.sub (i32.const 48) (local.get $n)))
    (call $text (i32.const 144) (i32.const 7)))

  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (local $n i32)
    (if (i32.eqz (local.get $route))
      (then (return (call $text (i32.const 16) (i32.const 12)))))
    (if (i32.eq (local.get $route) (i32.const 1))
      (then
        (call $log (i32.const 1) (i32.const 80) (i32.const 8))
        (loop $spin (br $spin))))
    (global.set $topic_len (call $req_get (i32.const 3) (i32.const 256) (i32.const 200)))
    (if (i32.eq (local.get $route) (i32.const 2))
      (then
        (if (i64.lt_s (call $publish_topic) (i64.const 0))
          (then (drop (call $set_status (i32.const 503)))))
        (return (call $text (i32.const 128) (i32.const 9)))))
    (local.set $n (call $wait_topic))
    (if (i32.ne (local.get $n) (i32.const -7))
      (then (return (call $answer (local.get $n)))))
    ;; Parked (WAIT_PARKED): each route's misbehaviour.
    (if (i32.eq (local.get $route) (i32.const 4))
      (then
        (drop (call $publish_topic))
        (return (call $text (i32.const 128) (i32.const 9)))))
    (if (i32.eq (local.get $route) (i32.const 5))
      (then unreachable))
    (if (i32.eq (local.get $route) (i32.const 6))
      (then (return (i32.const -1))))
    (if (i32.eq (local.get $route) (i32.const 7))
      (then
        (if (i32.ne (call $wait_topic) (i32.const -2))
          (then (return (i32.const -1))))))
    (if (i32.eq (local.get $route) (i32.const 8))
      (then (drop (call $publish_topic))))
    (if (i32.eq (local.get $route) (i32.const 9))
      (then (drop (call $set_status (i32.const 99)))))
    (i32.const 1)))
