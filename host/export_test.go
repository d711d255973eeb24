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

// Live returns what the named site holds open: compiled modules and
// instances in its runtime, the open generations of plugin (the current
// one and those draining), and the instances of the current one.
func Live(h *Host, site, plugin string) (modules, instances, generations, current int) {
	s := h.site(site)
	modules, instances = s.rt.Live()
	slot := s.plugins[plugin]
	in := slot.Current().Info()
	return modules, instances, slot.Generations(), in.Idle + in.Busy
}
