package guest

// Stats is a plugin's pool at one moment, for the status page.
type Stats struct {
	Instances int // live, idle or busy (or being created)
	Idle      int // in the pool, free for a call
	Max       int // the cap on Instances
}

// Stats returns the pool's counts. They are read one after the other,
// so Idle may briefly exceed what Instances says; callers clamp.
func (p *Plugin) Stats() Stats {
	n, idle := int(p.total.Load()), len(p.idle)
	return Stats{Instances: n, Idle: min(idle, n), Max: p.max}
}
