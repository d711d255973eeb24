;; secret: keeps a secret in linear memory, to prove that memory is never
;; shared between plugins, sites or a trapped instance and its successor.
;;
;; The query string selects what it does:
;;   write           writes "TOP-SECRET-<n>" at offset 4096 (n counts the
;;                   writes this instance has made, from 1) and responds
;;                   with it;
;;   write-and-trap  writes the secret the same way, then traps with
;;                   `unreachable` (the host must answer 500 and discard
;;                   the instance);
;;   read            responds with the 32 bytes at offset 4096, whatever
;;                   they are (zeros in a fresh instance);
;; anything else gets 400.
(module
  (import "wasmweb_v1" "req_get" (func $req_get (param i32 i32 i32) (result i32)))
  (import "wasmweb_v1" "resp_write" (func $resp_write (param i32 i32) (result i32)))
  (import "wasmweb_v1" "resp_set_status" (func $resp_set_status (param i32) (result i32)))
  (memory (export "memory") 1)
  ;; 256..288: the query; 512..: the commands and the secret's prefix.
  (data (i32.const 512) "write")
  (data (i32.const 528) "read")
  (data (i32.const 544) "write-and-trap")
  (data (i32.const 576) "TOP-SECRET-")
  (global $writes (mut i32) (i32.const 0))

  ;; is reports whether the query (qlen bytes at 256) equals the n bytes at lit.
  (func $is (param $qlen i32) (param $lit i32) (param $n i32) (result i32)
    (local $i i32)
    (if (i32.ne (local.get $qlen) (local.get $n)) (then (return (i32.const 0))))
    (block $differ
      (loop $byte
        (if (i32.eq (local.get $i) (local.get $n)) (then (return (i32.const 1))))
        (br_if $differ (i32.ne
          (i32.load8_u (i32.add (i32.const 256) (local.get $i)))
          (i32.load8_u (i32.add (local.get $lit) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $byte)))
    (i32.const 0))

  ;; itoa writes n in decimal at p and returns the number of digits.
  (func $itoa (param $n i32) (param $p i32) (result i32)
    (local $len i32) (local $t i32)
    (local.set $t (local.get $n))
    (local.set $len (i32.const 1))
    (block $counted
      (loop $count
        (br_if $counted (i32.lt_u (local.get $t) (i32.const 10)))
        (local.set $t (i32.div_u (local.get $t) (i32.const 10)))
        (local.set $len (i32.add (local.get $len) (i32.const 1)))
        (br $count)))
    (local.set $t (i32.add (local.get $p) (local.get $len)))
    (loop $digit
      (local.set $t (i32.sub (local.get $t) (i32.const 1)))
      (i32.store8 (local.get $t)
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digit (i32.gt_u (local.get $t) (local.get $p))))
    (local.get $len))

  ;; writeSecret stores "TOP-SECRET-<n>" at 4096 and returns its length.
  (func $writeSecret (result i32)
    (local $i i32)
    (global.set $writes (i32.add (global.get $writes) (i32.const 1)))
    (block $copied
      (loop $byte
        (br_if $copied (i32.eq (local.get $i) (i32.const 11)))
        (i32.store8 (i32.add (i32.const 4096) (local.get $i))
          (i32.load8_u (i32.add (i32.const 576) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $byte)))
    (i32.add (i32.const 11) (call $itoa (global.get $writes) (i32.const 4107))))

  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (local $q i32)
    (local.set $q (call $req_get (i32.const 3) (i32.const 256) (i32.const 32)))
    (if (call $is (local.get $q) (i32.const 512) (i32.const 5))
      (then
        (drop (call $resp_write (i32.const 4096) (call $writeSecret)))
        (return (i32.const 0))))
    (if (call $is (local.get $q) (i32.const 544) (i32.const 14))
      (then
        (drop (call $writeSecret))
        (unreachable)))
    (if (call $is (local.get $q) (i32.const 528) (i32.const 4))
      (then
        (drop (call $resp_write (i32.const 4096) (i32.const 32)))
        (return (i32.const 0))))
    (drop (call $resp_set_status (i32.const 400)))
    (i32.const 0)))
