package host

// InterpreterLive returns the compiled modules and instances open in the
// named site's interpreter runtime; -1, -1 when it has none.
func InterpreterLive(h *Host, site string) (modules, instances int) {
	rt := h.site(site).interp.Load()
	if rt == nil {
		return -1, -1
	}
	return rt.Live()
}
