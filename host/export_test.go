package host

// ParkedCount returns the named site's count of parked requests, the
// number its max_waiters bounds; -1 when the host has no such site.
func ParkedCount(h *Host, site string) int64 {
	for _, s := range h.sites {
		if s.name == site {
			return s.env.Parking.Count()
		}
	}
	return -1
}
