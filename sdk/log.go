package sdk

import (
	"fmt"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/sdk/hostcall"
)

// A LogLevel is the level of a log line.
type LogLevel int32

// The log levels of the host's log function.
const (
	LogDebug LogLevel = abi.LogDebug
	LogInfo  LogLevel = abi.LogInfo
	LogWarn  LogLevel = abi.LogWarn
	LogError LogLevel = abi.LogError
)

// Logf writes a line to the host's log at level, formatted as fmt.Sprintf
// does; the host attributes it to the site, the plugin and the request in
// progress, and truncates it past 4 KiB. Unlike the other host calls it
// works outside a request too, in init functions.
func Logf(level LogLevel, format string, args ...any) {
	hostcall.Log(int32(level), fmt.Sprintf(format, args...))
}

// HostFeatures returns the feature bits of the host (the abi.Feature*
// constants). Use an optional capability only when its bit is set. It
// works outside a request too.
func HostFeatures() uint64 {
	return uint64(hostcall.HostFeatures())
}

// Log writes a line to the host's log at level, formatted as fmt.Sprintf
// does. It is Logf; the host tags the line with the request's id.
func (c *Context) Log(level LogLevel, format string, args ...any) {
	Logf(level, format, args...)
}

// Debugf logs at LogDebug.
func (c *Context) Debugf(format string, args ...any) { Logf(LogDebug, format, args...) }

// Infof logs at LogInfo.
func (c *Context) Infof(format string, args ...any) { Logf(LogInfo, format, args...) }

// Warnf logs at LogWarn.
func (c *Context) Warnf(format string, args ...any) { Logf(LogWarn, format, args...) }

// Errorf logs at LogError. Unlike fmt.Errorf it returns nothing.
func (c *Context) Errorf(format string, args ...any) { Logf(LogError, format, args...) }
