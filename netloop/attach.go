package netloop

// Attacher is implemented by a Handler that wants to know the servers
// that call it, to read their state (Server.Conns) for its metrics.
// NewServer calls Attach once, before the server serves anything.
type Attacher interface {
	Attach(srv *Server)
}
