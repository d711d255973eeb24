package netloop

// ResumeTasks returns how many tasks resumed requests have left to their
// connections (carryOn).
func (srv *Server) ResumeTasks() int64 { return srv.carried.Load() }
