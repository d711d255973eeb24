package guest

import (
	"context"
	"time"

	"github.com/wasmweb/wasmweb/internal/monotime"
)

// CallContext returns a context that ends at the deadline of the call
// running in the instance, or when the instance is halted (the watchdog
// or an unload), whichever comes first: for a host function that waits
// on something outside the host, such as a fetch, so that the wait ends
// with the call. The caller must call cancel when done; after it, the
// host function should call Stopped, since the call may be over.
//
// The call gives back its compute turn, if it holds one (yield.go): it
// is about to wait, not compute.
func (in *Instance) CallContext() (ctx context.Context, cancel context.CancelFunc) {
	in.releaseTurn()
	ctx, cancel = context.WithCancel(context.Background())
	if dl := in.deadline.Load(); dl != 0 {
		var cancelDl context.CancelFunc
		ctx, cancelDl = context.WithTimeout(ctx, time.Duration(dl-monotime.Now()))
		parent := cancel
		cancel = func() { cancelDl(); parent() }
	}
	go func() {
		select {
		case <-in.halted:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}
