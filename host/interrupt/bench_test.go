package interrupt_test

import (
	"context"
	"testing"

	"github.com/tetratelabs/wazero"

	"github.com/wasmweb/wasmweb/host/interrupt"
)

// BenchmarkFanout runs fanout(16), 131,071 calls, plain and instrumented,
// and with wazero's own termination checks for comparison.
func BenchmarkFanout(b *testing.B) {
	for _, mode := range []string{"plain", "instrumented", "close-on-context-done"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			cfg := wazero.NewRuntimeConfig()
			wasm := guest(b, "fanout")
			switch mode {
			case "instrumented":
				var err error
				if wasm, err = interrupt.Instrument(wasm); err != nil {
					b.Fatal(err)
				}
			case "close-on-context-done":
				cfg = cfg.WithCloseOnContextDone(true)
			}
			rt := wazero.NewRuntimeWithConfig(ctx, cfg)
			defer rt.Close(ctx)
			hostYield(b, rt)
			mod, err := rt.Instantiate(ctx, wasm)
			if err != nil {
				b.Fatal(err)
			}
			f := mod.ExportedFunction("fanout")
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			b.ResetTimer()
			for range b.N {
				if _, err := f.Call(cctx, 16); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCount runs the loop guest's count(1e6), a million loop heads
// and so a thousand calls of the yield import, plain and instrumented:
// the cost of a check in a tight loop.
func BenchmarkCount(b *testing.B) {
	for _, mode := range []string{"plain", "instrumented"} {
		b.Run(mode, func(b *testing.B) {
			ctx := context.Background()
			wasm := guest(b, "loop")
			if mode == "instrumented" {
				var err error
				if wasm, err = interrupt.Instrument(wasm); err != nil {
					b.Fatal(err)
				}
			}
			rt := wazero.NewRuntime(ctx)
			defer rt.Close(ctx)
			hostYield(b, rt)
			mod, err := rt.Instantiate(ctx, wasm)
			if err != nil {
				b.Fatal(err)
			}
			f := mod.ExportedFunction("count")
			b.ResetTimer()
			for range b.N {
				if _, err := f.Call(ctx, 1e6); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
