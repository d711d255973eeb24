;; snapbig: an _initialize that grows the memory past what a snapshot
;; copies (64 MiB): its instances are initialized each time.
(module
  (import "wasmweb_v1" "resp_write" (func $write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "_initialize")
    (drop (memory.grow (i32.const 1100))))
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (i32.const 0)))
