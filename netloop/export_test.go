package netloop

import "unsafe"

// ResumeTasks returns how many tasks resumed requests have left to their
// connections (carryOn).
func (srv *Server) ResumeTasks() int64 { return srv.carried.Load() }

// ParkedBuffers returns the bytes of buffer capacity that the server's
// parked connections hold, beyond their copies of the parked requests:
// unflushed or flushed output, pending input, request copies and
// exchanges. Connections it cannot lock at once are skipped.
func (srv *Server) ParkedBuffers() (parked, bytes int) {
	for _, s := range srv.snapshot() {
		if !s.mu.TryLock() {
			continue
		}
		if s.state == stParked {
			parked++
			bytes += cap(s.out) + cap(s.pend) + cap(s.head) + cap(s.body) + cap(s.curHead)
			if s.x != nil {
				bytes += int(unsafe.Sizeof(*s.x))
			}
		}
		s.mu.Unlock()
	}
	return parked, bytes
}

// OutputBuffers returns the capacity of the output buffers the server's
// connections hold. Connections it cannot lock at once are skipped.
func (srv *Server) OutputBuffers() (bytes int) {
	for _, s := range srv.snapshot() {
		if s.mu.TryLock() {
			bytes += cap(s.out)
			s.mu.Unlock()
		}
	}
	return bytes
}
