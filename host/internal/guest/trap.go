package guest

import (
	"errors"
	"fmt"
)

// errTrap is the panic value host functions use to trap the guest.
type errTrap struct{ msg string }

func (e *errTrap) Error() string { return "wasmweb: " + e.msg }

// Trap traps the guest that called the host function running: the call
// fails and its instance is discarded (abi/ABI.md section 6). It does
// not return.
func Trap(format string, args ...any) { panic(&errTrap{fmt.Sprintf(format, args...)}) }

// IsTrap reports whether err came from a deliberate Trap: misuse of the
// ABI rather than a fault of the guest's own.
func IsTrap(err error) bool {
	var t *errTrap
	return errors.As(err, &t)
}
