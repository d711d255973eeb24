package guest

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/wasmweb/wasmweb/internal/monotime"
)

// Errors of Handle: the call was stopped, and its instance must be
// discarded.
var (
	// ErrDeadline: the call ran past its deadline.
	ErrDeadline = errors.New("call stopped at its deadline")
	// ErrUnloading: the call was stopped because its plugin is being
	// unloaded, not for running long.
	ErrUnloading = errors.New("call stopped: the plugin is being unloaded")
)

type instanceKey struct{}

// FromContext returns the instance a host function was called from, or
// nil.
func FromContext(ctx context.Context) *Instance {
	in, _ := ctx.Value(instanceKey{}).(*Instance)
	return in
}

// Handle calls the guest's wasmweb_serve(route, method), or its
// wasmweb_handle(route) when it has no wasmweb_serve, under the plugin's
// call deadline and returns its result; method is the request's method
// number (abi.MethodNumber). An error means the instance is
// broken: ErrDeadline or ErrUnloading when the call was stopped, or the
// guest's trap (IsTrap tells misuse of the ABI apart).
func (in *Instance) Handle(route, method int32) (uint32, error) {
	p := in.pool
	start := time.Now()
	in.startCall(start)
	if p.timeout > 0 {
		in.deadline.Store(monotime.Of(start) + int64(p.timeout))
	}
	in.stack[0], in.stack[1] = uint64(uint32(route)), uint64(uint32(method))
	err := in.handle.CallWithStack(in.ctx, in.stack[:in.args])
	end := start.Add(time.Since(start)) // the monotonic clock alone: a wall read costs as much again
	in.endCall()
	in.deadline.Store(0)
	in.ended = end
	in.ran = end.Sub(start) - time.Duration(in.yielded)
	p.m.Calls.Inc()
	p.m.CallSeconds.Observe(end.Sub(start).Seconds())
	switch {
	case in.killed.Load() && p.shut.Load():
		return 0, ErrUnloading
	case in.killed.Load():
		// Stopped, or the watchdog fired as the call returned: the
		// instance's context is cancelled, so it cannot serve again.
		p.m.Kills.Inc()
		return 0, ErrDeadline
	case err != nil:
		p.m.Traps.Inc()
		return 0, err
	}
	return uint32(in.stack[0]), nil
}

// Log puts a line of the log host function in the host's log, within
// the call's share (guestlog.Call.Log).
func (in *Instance) Log(level slog.Level, msg []byte) { in.logs.Log(level, msg) }

// Failed counts a call of the plugin that failed without a trap: its
// result or its response broke a rule of the ABI.
func (p *Plugin) Failed() { p.m.Traps.Inc() }

// Gate returns the gate of the plugin's route number route, nil when the
// route has none.
func (p *Plugin) Gate(route int32) *Gate {
	if int(route) < len(p.gates) {
		return p.gates[route]
	}
	return nil
}

// Done is closed when the plugin is being unloaded.
func (p *Plugin) Done() <-chan struct{} { return p.done }

// Timeout returns the plugin's call deadline, 0 when calls have none.
func (p *Plugin) Timeout() time.Duration { return p.timeout }

// Imports reports whether the plugin's module imports any of the
// wasmweb_v1 functions named.
func (p *Plugin) Imports(names ...string) bool {
	for _, n := range names {
		if p.imports[n] {
			return true
		}
	}
	return false
}
