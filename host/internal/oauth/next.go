package oauth

import "github.com/wasmweb/wasmweb/internal/localpath"

// MaxNext caps the path a sign-in returns to.
const MaxNext = localpath.MaxLen

// SafeNext reports whether next is a path on the site that a sign-in may
// send the user back to (localpath.Safe).
func SafeNext(next string) bool { return localpath.Safe(next) }
