;; grow: wasmweb_handle grows its memory by 16 pages at a time until
;; memory.grow returns -1, logs "grow: memory.grow failed at N pages"
;; (N is memory.size then) and traps with `unreachable`.
;;
;; The module declares no maximum, so the host's per-instance memory limit
;; ([site.limits] memory) is what stops it: N × 65536 must not exceed the
;; limit. The host must answer 500, count a trap and discard the instance.
(module
  (import "wasmweb_v1" "log" (func $log (param i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "grow: memory.grow failed at ")
  (data (i32.const 64) " pages")

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

  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (local $n i32)
    (block $full
      (loop $more
        (br_if $full (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))
        (br $more)))
    ;; message at 128: prefix (28 bytes), digits, " pages" (6 bytes)
    (local.set $n (call $itoa (memory.size) (i32.const 156)))
    (call $copy (i32.const 128) (i32.const 16) (i32.const 28))
    (call $copy (i32.add (i32.const 156) (local.get $n)) (i32.const 64) (i32.const 6))
    (call $log (i32.const 2) (i32.const 128) (i32.add (i32.const 34) (local.get $n)))
    (unreachable))

  ;; copy moves n bytes from src to dst (no bulk-memory needed).
  (func $copy (param $dst i32) (param $src i32) (param $n i32)
    (block $done
      (loop $byte
        (br_if $done (i32.eqz (local.get $n)))
        (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $byte)))))
