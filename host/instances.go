package host

import "github.com/prometheus/client_golang/prometheus"

// compiledGauge is the wasmweb_engine_compiled_modules gauge: the compiled
// modules engine holds, one per distinct module (and memory limit)
// however many sites load it.
func compiledGauge(engine *Engine) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "wasmweb_engine_compiled_modules",
		Help: "Compiled plugin modules held, each shared by the sites that load the same bytes with the same memory limit.",
	}, func() float64 {
		_, n := engine.Compiled()
		return float64(n)
	})
}

// InstanceStats says how a plugin's current generation makes its
// instances.
type InstanceStats struct {
	// Live counts its instances, free or serving; Idle those free.
	Live, Idle int
	// Made counts the instances it created; FromSnapshot those of them
	// made from the snapshot taken after initialization.
	Made, FromSnapshot int64
	// NoSnapshot says why instances are initialized each time instead,
	// "" when they are not or no instance was made yet.
	NoSnapshot string
	// FromImage counts the instances made from the snapshot whose memory
	// is its image mapped, copying nothing; NoImage says why one made
	// from the snapshot is not, "" when it is.
	FromImage int64
	NoImage   string
}

// InstanceStats returns the instance counts of the named site's plugin,
// and false when there is no such site or plugin.
func (h *Host) InstanceStats(site, plugin string) (InstanceStats, bool) {
	for _, s := range h.sites.Load().sites {
		if s.name != site {
			continue
		}
		slot := s.plugins[plugin]
		if slot == nil {
			return InstanceStats{}, false
		}
		in := slot.Current().Info()
		return InstanceStats{Live: in.Idle + in.Busy, Idle: in.Idle, Made: in.Made, FromSnapshot: in.FromSnapshot, NoSnapshot: in.NoSnapshot,
			FromImage: in.FromImage, NoImage: in.NoImage}, true
	}
	return InstanceStats{}, false
}
