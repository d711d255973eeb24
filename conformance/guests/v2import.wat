;; v2import: a guest built for a future major version of the ABI: it
;; imports resp_write from module wasmweb_v2.
;;
;; A v1 host must refuse it at load with an error that names the module it
;; found and the one it speaks (wasmweb_v1).
(module
  (import "wasmweb_v2" "resp_write" (func $write (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "Hello, world")
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (drop (call $write (i32.const 16) (i32.const 12)))
    (i32.const 0)))
