package guest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tetratelabs/wazero/sys"

	"github.com/wasmweb/wasmweb/abi"
)

// The kinds of failure of a call (abi/ABI.md section 9).
const (
	KindPanic       = "panic"
	KindOutOfMemory = "out-of-memory"
	KindExit        = "exit"
	KindTrap        = "trap"
	KindMisuse      = "misuse"
	KindDeadline    = "deadline"
	KindFailed      = "failed"
	KindRejected    = "rejected"
	KindUnloading   = "unloading"
)

// Caps of a failure's stack.
const (
	MaxStackLines = 64
	MaxStackBytes = 4 << 10
)

// Failure is a failed call as the host reports it, in one record
// (abi/ABI.md section 9).
type Failure struct {
	Kind    string // one of the Kind constants
	Message string // what went wrong, in a line
	Stack   string // where, when known: at most MaxStackLines and MaxStackBytes
	Output  string // the call's other lines, one a line
	// OutputDropped counts the bytes of the guest's lines left out: by
	// the call's budget, or by the plugin's rate.
	OutputDropped int64
}

// Fail ends the instance's call that failed: err is Handle's error, or
// nil when the call returned result. It takes the lines the call
// logged, which are then not logged on their own, and charges what the
// Failure holds of them to the plugin's rate: past it, the output and
// then the stack are left out.
func (in *Instance) Fail(err error, result uint32) Failure {
	g := in.logs.Fail()
	f := Failure{OutputDropped: g.Dropped}
	lines := g.Lines
	var exit *sys.ExitError
	switch {
	case errors.Is(err, ErrUnloading):
		f.Kind, f.Message = KindUnloading, err.Error()
	case errors.Is(err, ErrDeadline):
		f.Kind, f.Message = KindDeadline, fmt.Sprintf("%v (%v)", err, in.pool.timeout)
	case IsTrap(err):
		f.Kind = KindMisuse
		f.Message, f.Stack = splitTrap(err)
	case err != nil:
		if errors.As(err, &exit) {
			f.Kind, f.Message = KindExit, "exited with code "+strconv.FormatUint(uint64(exit.ExitCode()), 10)
		} else {
			f.Kind = KindTrap
			f.Message, f.Stack = splitTrap(err)
		}
		// A language runtime says why before it exits or aborts (Go's
		// runtime traps with unreachable): the line, and the stack
		// after it.
		for i, l := range lines {
			kind, ok := fatalLine(l)
			if !ok {
				continue
			}
			f.Kind, f.Message = kind, l
			f.Stack = capStack(lines[i+1:])
			lines = lines[:i]
			break
		}
	default:
		f.Kind, f.Message = KindFailed, fmt.Sprintf("%s returned %d", in.pool.export, int32(result))
		if int32(result) == abi.StatusPanicked {
			f.Kind = KindPanic
		}
		if g.LastError != "" {
			msg, stack, _ := strings.Cut(g.LastError, "\n")
			f.Message = msg
			f.Stack = capStack(strings.Split(strings.Trim(stack, "\n"), "\n"))
		}
	}
	f.Output = strings.Join(lines, "\n")
	if !in.logs.Afford(f.Message + f.Stack + f.Output) {
		n := int64(len(f.Output))
		f.Output = ""
		if !in.logs.Afford(f.Message + f.Stack) {
			n += int64(len(f.Stack))
			f.Stack = ""
		}
		in.logs.Dropped(n)
		f.OutputDropped += n
	}
	return f
}

// fatalLine reports whether l is the line a language runtime writes
// before it exits, and the kind of failure it says.
func fatalLine(l string) (kind string, ok bool) {
	switch {
	case strings.HasPrefix(l, "fatal error: ") && strings.Contains(l, "out of memory"),
		strings.HasPrefix(l, "memory allocation of ") && strings.HasSuffix(l, " failed"): // Rust
		return KindOutOfMemory, true
	case strings.HasPrefix(l, "panic: "):
		return KindPanic, true
	case strings.HasPrefix(l, "fatal error: "):
		return KindExit, true
	}
	return "", false
}

// splitTrap splits a trap's error into its reason and its WebAssembly
// stack trace.
func splitTrap(err error) (msg, stack string) {
	var t *errTrap
	text := err.Error()
	if errors.As(err, &t) {
		_, trace, _ := strings.Cut(text, "\nwasm stack trace:")
		return t.Error(), capStack(traceLines(trace))
	}
	msg, trace, _ := strings.Cut(text, "\nwasm stack trace:")
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return msg, capStack(traceLines(trace))
}

func traceLines(trace string) []string {
	var out []string
	for _, l := range strings.Split(trace, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// stackNote is room left at the end of a stack for the line that says
// what was left out.
const stackNote = 64

// capStack joins lines, at most MaxStackLines of them and MaxStackBytes
// in all, with a last line that says how much was left out.
func capStack(lines []string) string {
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	var b strings.Builder
	for i, l := range lines {
		if i == MaxStackLines || b.Len()+len(l)+1 > MaxStackBytes-stackNote {
			left := 0
			for _, r := range lines[i:] {
				left += len(r) + 1
			}
			fmt.Fprintf(&b, "... %d more lines (%d bytes) left out", len(lines)-i, left)
			break
		}
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return strings.TrimSuffix(b.String(), "\n")
}
