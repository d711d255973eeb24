;; snaptable: code that changes a table (table.set), which a memory
;; image leaves out: its instances are initialized each time.
(module
  (import "wasmweb_v1" "resp_write" (func $write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (table $t 2 funcref)
  (elem declare func $f)
  (func $f)
  (func (export "_initialize")
    (table.set $t (i32.const 1) (ref.func $f)))
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (i32.const 0)))
