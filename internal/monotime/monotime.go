// Package monotime counts the server's times on the monotonic clock, in
// nanoseconds since the process started using it: the deadlines of
// connections, parked requests and guest calls, route penalties, and the
// refill of a site's cpu budget. The wall clock can be set, and a step of
// it would pass every deadline at once or hold them all back until it
// caught up; the monotonic clock only moves forward with time. The
// numbers fit an int64 and compare across packages, since they share
// one epoch.
package monotime

import "time"

// epoch is what the times count from; it carries a monotonic reading.
var epoch = time.Now()

// Now returns the monotonic time now, reading only the monotonic clock
// (time.Now reads the wall clock as well).
func Now() int64 { return int64(time.Since(epoch)) }

// Of returns t's monotonic time. t must carry a monotonic reading: a
// value of time.Now, a ticker's time, or one derived from those by Add.
func Of(t time.Time) int64 { return int64(t.Sub(epoch)) }
