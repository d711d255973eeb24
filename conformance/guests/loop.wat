;; loop: wasmweb_handle spins forever and never calls the host.
;;
;; The host must stop the call when the site's CallTimeout passes, answer
;; 503 with Retry-After, count a deadline kill and discard the instance.
(module
  (memory (export "memory") 1)
  (func (export "wasmweb_handle") (param $route i32) (result i32)
    (loop $spin
      (br $spin))
    (i32.const 0)))
