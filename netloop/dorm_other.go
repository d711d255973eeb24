//go:build darwin && (amd64 || arm64)

package netloop

// Connections sleep only on Linux (dorm_linux.go); elsewhere a parked
// request's connection stays with netpoll.
type dorm struct{}

func getDorm() *dorm { return nil }

func currentDorm() *dorm { return nil }

func (d *dorm) add(*npConn) bool { return false }

func (d *dorm) rearm(*npConn) bool { return false }

func (d *dorm) remove(*npConn) {}

// Sleeping returns how many connections sleep in the dorm now: none on
// this platform.
func Sleeping() int { return 0 }
