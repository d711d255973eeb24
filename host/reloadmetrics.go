package host

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// reloadMetrics are the series of live changes: swaps counted and timed
// as they happen, and the generations, compiled modules, instances and
// module bytes read from the sites at each scrape. Safe for concurrent
// use.
//
// The bytes of machine code wazero holds for a compiled module are not
// reported: wazero does not expose them (they live in its internal
// engine). wasmweb_plugin_module_bytes, the size of the modules of the
// open generations, and wasmweb_compiled_modules stand in for them: a
// leak of compiled code shows as a count that does not come back down.
type reloadMetrics struct {
	reloads  *prometheus.CounterVec
	failures *prometheus.CounterVec
	seconds  *prometheus.HistogramVec
	sites    *prometheus.CounterVec
	refused  *prometheus.CounterVec

	h          *Host
	generation *prometheus.Desc
	moduleSize *prometheus.Desc
	modules    *prometheus.Desc
	instances  *prometheus.Desc
}

func newReloadMetrics(h *Host) *reloadMetrics {
	m := &reloadMetrics{
		h: h,
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_plugin_reloads_total", Help: "New generations of a plugin put in service, by site and plugin.",
		}, []string{"site", "plugin"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_plugin_reload_failures_total", Help: "New generations of a plugin refused (the old one kept serving), by site, plugin and cause: not_wasm, instrument, compile, check, instantiate, handlers.",
		}, []string{"site", "plugin", "cause"}),
		seconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wasmweb_plugin_reload_duration_seconds", Help: "Time from a swap's request to the new generation serving: compiling, checking and warming it.",
			Buckets: []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		}, []string{"site", "plugin"}),
		sites: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_site_changes_total", Help: "Live changes of sites (reload, PUT or DELETE /v1/sites/{site}), by action: added, replaced, removed, swapped (a plugin's bytes).",
		}, []string{"action"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_site_change_failures_total", Help: "Changes of sites refused (the sites serving kept serving), by cause: config, build, hosts, site, not_found, or a plugin's load stage.",
		}, []string{"cause"}),
		generation: prometheus.NewDesc("wasmweb_plugin_generation", "The generation number of the plugin's code that takes new requests, from 1 at load.", []string{"site", "plugin"}, nil),
		moduleSize: prometheus.NewDesc("wasmweb_plugin_module_bytes", "Bytes of WebAssembly in the plugin's open generations: the current one and those still draining.", []string{"site", "plugin"}, nil),
		modules:    prometheus.NewDesc("wasmweb_compiled_modules", "Compiled modules the site's plugins hold, of current and draining generations; a module shared with other sites counts in each (wasmweb_engine_compiled_modules counts it once).", []string{"site"}, nil),
		instances:  prometheus.NewDesc("wasmweb_instances", "Guest instances open in the site's runtime, of current and draining generations.", []string{"site"}, nil),
	}
	h.m.reg.MustRegister(m.reloads, m.failures, m.seconds, m.sites, m.refused, m)
	return m
}

func (m *reloadMetrics) swapped(site, plugin string, d time.Duration) {
	m.reloads.WithLabelValues(site, plugin).Inc()
	m.seconds.WithLabelValues(site, plugin).Observe(d.Seconds())
}

func (m *reloadMetrics) failed(site, plugin, cause string) {
	m.failures.WithLabelValues(site, plugin, cause).Inc()
}

func (m *reloadMetrics) siteChanged(action string) { m.sites.WithLabelValues(action).Inc() }

func (m *reloadMetrics) siteFailed(cause string) { m.refused.WithLabelValues(cause).Inc() }

// Describe implements prometheus.Collector.
func (m *reloadMetrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.generation
	ch <- m.moduleSize
	ch <- m.modules
	ch <- m.instances
}

// Collect implements prometheus.Collector. The compiled modules and
// instances of a site count those of its predecessors still draining.
func (m *reloadMetrics) Collect(ch chan<- prometheus.Metric) {
	type open struct{ modules, instances int }
	bySite := map[string]open{}
	add := func(s *Site) {
		if s.rt != nil {
			mods, ins := s.rt.Live()
			o := bySite[s.name]
			bySite[s.name] = open{o.modules + mods, o.instances + ins}
		}
		if rt := s.interp.Load(); rt != nil { // wasmweb dev's (devswap.go)
			mods, ins := rt.Live()
			o := bySite[s.name]
			bySite[s.name] = open{o.modules + mods, o.instances + ins}
		}
	}
	for _, s := range m.h.sites.Load().sites {
		for name, slot := range s.plugins {
			ch <- prometheus.MustNewConstMetric(m.generation, prometheus.GaugeValue, float64(slot.Current().Info().Generation), s.name, name)
			ch <- prometheus.MustNewConstMetric(m.moduleSize, prometheus.GaugeValue, float64(slot.ModuleBytes()), s.name, name)
		}
		add(s)
	}
	m.h.closeMu.Lock()
	for s := range m.h.retiring {
		if _, serving := bySite[s.name]; serving {
			add(s)
		}
	}
	m.h.closeMu.Unlock()
	for name, o := range bySite {
		ch <- prometheus.MustNewConstMetric(m.modules, prometheus.GaugeValue, float64(o.modules), name)
		ch <- prometheus.MustNewConstMetric(m.instances, prometheus.GaugeValue, float64(o.instances), name)
	}
}

var _ prometheus.Collector = (*reloadMetrics)(nil)
