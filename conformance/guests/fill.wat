;; fill: wasmweb_handle grows its memory 16 pages at a time until
;; memory.grow returns -1, writes to every byte of it (memory.fill), and
;; traps with `unreachable`.
;;
;; Every page is touched, so each call costs the host the memory limit in
;; resident memory. The host must answer 500 and discard the instance,
;; and give the memory back to the system once it is discarded.
(module
  (memory (export "memory") 1)
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (block $full
      (loop $more
        (br_if $full (i32.eq (memory.grow (i32.const 16)) (i32.const -1)))
        (br $more)))
    (memory.fill (i32.const 0) (i32.const 0xab) (i32.mul (memory.size) (i32.const 65536)))
    (unreachable)))
