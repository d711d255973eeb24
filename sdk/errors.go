package sdk

import (
	"errors"
	"strconv"

	"github.com/wasmweb/wasmweb/abi"
)

// The host's error codes (abi/ABI.md section 5) as Go errors. A host call
// that fails returns a *CallError that wraps one of them, so test with
// errors.Is.
var (
	// ErrNotFound is ERR_NOT_FOUND: no such header, argument, parameter,
	// file or field value.
	ErrNotFound = errors.New("not found")
	// ErrInvalid is ERR_INVALID: an argument's value is not acceptable. From
	// a response method it also means the response has failed: the client
	// gets 500 whatever the handler does next.
	ErrInvalid = errors.New("invalid argument")
	// ErrTooLarge is ERR_TOO_LARGE: a host cap would be exceeded. From
	// Wait it means the site already parks as many requests as it may;
	// the handler should answer 503.
	ErrTooLarge = errors.New("too large")
	// ErrFinished is ERR_FINISHED: the response was already finished by
	// Redirect, Error or Finish. The SDK also returns it, without calling
	// the host, after Finish.
	ErrFinished = errors.New("response already finished")
	// ErrNoRequest is ERR_NO_REQUEST: the call was made outside a request,
	// for example from init or from a goroutine that outlived its handler.
	ErrNoRequest = errors.New("no request in progress")
	// ErrUnavailable is ERR_UNAVAILABLE: a service the host depends on,
	// the pub/sub backend of Publish and Wait, the key-value store, or the
	// upstream of Fetch, is unreachable or too slow, or the site has its
	// cap of fetches in flight. A handler usually answers 503 (504 for a
	// fetch).
	ErrUnavailable = errors.New("service unavailable")
	// ErrDenied is ERR_DENIED: Login found no account with that name and
	// password, or the name is locked after failed attempts; Fetch was
	// given, or redirected to, a URL or address the site does not allow.
	ErrDenied = errors.New("denied")
	// ErrConflict is ERR_CONFLICT: a key-value write found another
	// version than the one it expected.
	ErrConflict = errors.New("version conflict")
)

// ErrJSONArray is returned by WriteJSON for a value that encodes as a
// top-level JSON array, which Tornado also refuses: an array literal is a
// valid script, so a cross-site page could include the URL and read it
// (JSON hijacking). Wrap the array in an object instead.
var ErrJSONArray = errors.New("sdk: WriteJSON: refusing a top-level JSON array; wrap it in an object")

// A CallError reports a host function that returned an error code.
type CallError struct {
	// Func is the host function's name, one of the abi.Func* constants.
	Func string
	// Code is the negative error code the host returned.
	Code int32
}

// Error returns "sdk: FUNC: MEANING".
func (e *CallError) Error() string {
	if err := codeErr(e.Code); err != nil {
		return "sdk: " + e.Func + ": " + err.Error()
	}
	return "sdk: " + e.Func + ": error code " + strconv.Itoa(int(e.Code))
}

// Unwrap returns the sentinel error for e.Code, or nil for a code this
// version of the SDK does not know.
func (e *CallError) Unwrap() error {
	return codeErr(e.Code)
}

func codeErr(code int32) error {
	switch code {
	case abi.ErrNotFound:
		return ErrNotFound
	case abi.ErrInvalid:
		return ErrInvalid
	case abi.ErrTooLarge:
		return ErrTooLarge
	case abi.ErrFinished:
		return ErrFinished
	case abi.ErrNoRequest:
		return ErrNoRequest
	case abi.ErrUnavailable:
		return ErrUnavailable
	case abi.ErrDenied:
		return ErrDenied
	case abi.ErrConflict:
		return ErrConflict
	}
	return nil
}

// callErr turns the result of host function fn into an error: nil for a
// result that is not negative.
func callErr(fn string, result int32) error {
	if result >= 0 {
		return nil
	}
	return &CallError{Func: fn, Code: result}
}
