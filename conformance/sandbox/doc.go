// Package sandbox holds the host's sandbox conformance tests: hostile
// guests (../guests) that spin, trap, exhaust memory or abuse every host
// function must each get a 500 or 503, never crash or leak from the host,
// and never see another instance's, plugin's or site's memory. Guests
// that sleep, loop or flood the log inside host calls, or whose start
// function or _initialize never ends, must be answered or refused within
// their deadlines, and what they log must stay within its caps.
//
// The package has no API; its tests drive the host only through its
// public interface (host.New, netloop in-memory connections, the admin
// handler's /metrics), as an operator's traffic would.
package sandbox
