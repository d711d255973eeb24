package host_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
)

// TestCloseWaitsForSwap closes the host while a swap's new generation
// is being made (initslow's _initialize takes two seconds). Close waits
// for the swap: the swap either serves before Close or is refused with
// ErrClosed, never fails on a runtime closed under it, and afterwards
// the engine holds no runtime or compiled module.
func TestCloseWaitsForSwap(t *testing.T) {
	slow, err := os.ReadFile(wasmPath("initslow"))
	if err != nil {
		t.Fatal(err)
	}
	engine, err := host.NewEngine("")
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	spec := helloSpec()
	spec.Plugins["hello"] = wasmPath("hello")
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	h, err := host.New(context.Background(), engine, config.Config{Sites: []config.Site{spec}}, log)
	if err != nil {
		t.Fatal(err)
	}
	_, before := engine.Compiled()
	swapped := make(chan error, 1)
	go func() {
		_, err := h.SwapPlugin(context.Background(), "s", "hello", slow, "test")
		swapped <- err
	}()
	// The new module is compiled: the swap is now making its instance.
	waitUntil(t, "the new module compiled", func() bool { _, n := engine.Compiled(); return n > before })
	h.Close(context.Background())
	// Had Close not waited, the swap would still hold its module now.
	if rts, mods := engine.Compiled(); rts != 0 || mods != 0 {
		t.Errorf("as Close returned: %d runtimes and %d compiled modules open, want none", rts, mods)
	}
	if err := <-swapped; err != nil && !errors.Is(err, host.ErrClosed) {
		t.Errorf("swap during Close: %v, want it served or refused with ErrClosed", err)
	}
	if rts, mods := engine.Compiled(); rts != 0 || mods != 0 {
		t.Errorf("after Close: %d runtimes and %d compiled modules open, want none", rts, mods)
	}
}
