package host

// ParkedCount returns the named site's count of parked requests, the
// number its max_waiters bounds; -1 when the host has no such site.
func ParkedCount(h *Host, site string) int64 {
	for _, s := range h.sites.Load().sites {
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

// Retiring returns how many sites a change took out of service that are
// not closed yet.
func Retiring(h *Host) int {
	h.closeMu.Lock()
	defer h.closeMu.Unlock()
	return len(h.retiring)
}

// Watched returns how many plugin generations the watchdog watches.
func Watched(h *Host) int { return h.watchdog.Watched() }

// SignerOf returns the signer of the named site's cookies, to compare.
func SignerOf(h *Host, site string) any { return h.site(site).env.Signer }

// QuotaCalls returns the named site's guest calls in progress and
// waiting for a slot at the scheduler.
func QuotaCalls(h *Host, site string) (running, waiting int) {
	s := h.site(site)
	return s.quota.Running(), s.quota.Waiting()
}

// AdminStatus returns every site's status, as GET /v1/sites gives it.
func AdminStatus(h *Host) []SiteStatus {
	var all []SiteStatus
	for _, s := range h.sites.Load().sites {
		all = append(all, s.status())
	}
	return all
}
