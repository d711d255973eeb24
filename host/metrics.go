package host

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/wasmweb/wasmweb/host/internal/guest"
	"github.com/wasmweb/wasmweb/host/internal/quota"
	"github.com/wasmweb/wasmweb/host/internal/status"
	"github.com/wasmweb/wasmweb/netloop"
)

// metrics are the host's Prometheus collectors, registered on their own
// registry so that several hosts (in tests) do not collide. Safe for
// concurrent use.
type metrics struct {
	reg         *prometheus.Registry
	requests    *prometheus.CounterVec
	calls       *prometheus.CounterVec
	callSeconds *prometheus.HistogramVec
	instances   *prometheus.GaugeVec
	creations   *prometheus.CounterVec
	misses      *prometheus.CounterVec
	traps       *prometheus.CounterVec
	kills       *prometheus.CounterVec
	yields      *prometheus.CounterVec
	refusals    *prometheus.CounterVec
	logBytes    *prometheus.CounterVec
	logLines    *prometheus.CounterVec
	siteCPU     *prometheus.CounterVec
	throttled   *prometheus.CounterVec
	capHits     *prometheus.CounterVec
	siteLive    *prometheus.GaugeVec
	coldStarts  *prometheus.HistogramVec
	parked      prometheus.Gauge
	resumed     prometheus.Counter
	shared      prometheus.Counter
	published   prometheus.Counter
	fetches     *prometheus.CounterVec
	unrouted    *statusCounters // requests no site answers: site=""
}

// The caps wasmweb_site_cap_hits_total counts, by its label.
const (
	capResponseBytes = "max_response_bytes"
	capWaiters       = "max_waiters"
)

var capNames = []string{capResponseBytes, capWaiters}

// NoRoute is the route label of requests that no route answers: no site
// serves their host (then site is ""), or no route of the site matches
// their path (404), their method (405) or reads it (400).
const NoRoute = "(none)"

// newMetrics returns the host's collectors; conns reads the open
// connections of the servers that serve the host, and build names what
// the process was built from.
func newMetrics(conns func() float64, build status.Build) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_requests_total", Help: "Requests answered, by site, route and status code.",
		}, []string{"site", "route", "status"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_guest_calls_total", Help: "Calls into guest handlers, by site and plugin.",
		}, []string{"site", "plugin"}),
		callSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wasmweb_guest_call_duration_seconds", Help: "Duration of guest handler calls.",
			Buckets: []float64{1e-6, 2e-6, 5e-6, 1e-5, 5e-5, 1e-4, 1e-3, 1e-2, 0.1, 1, 10},
		}, []string{"site", "plugin"}),
		instances: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wasmweb_pool_instances", Help: "Live guest instances, free or busy, by plugin.",
		}, []string{"site", "plugin"}),
		creations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_instance_creations_total", Help: "Guest instances created, by plugin.",
		}, []string{"site", "plugin"}),
		misses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_pool_misses_total", Help: "Requests that had to instantiate a guest because none was free.",
		}, []string{"site", "plugin"}),
		traps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_guest_traps_total", Help: "Guest calls that trapped or failed, by plugin.",
		}, []string{"site", "plugin"}),
		kills: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_guest_deadline_kills_total", Help: "Guest calls stopped at their deadline, by plugin.",
		}, []string{"site", "plugin"}),
		yields: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_guest_yields_total", Help: "Times a long guest call gave the core up part way to other work, by plugin.",
		}, []string{"site", "plugin"}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_route_refusals_total", Help: "Requests answered 503 without a guest call because their route held its share of its plugin's instances until the wait ran out, or was limited to one call after a deadline kill, by site and route.",
		}, []string{"site", "route"}),
		logBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_guest_log_dropped_bytes_total", Help: "Bytes of guest log and stdout/stderr output kept out of the log by the per-call and per-second limits, by plugin.",
		}, []string{"site", "plugin"}),
		logLines: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_guest_log_dropped_lines_total", Help: "Guest log and output lines kept out of the log by the per-call and per-second limits, by plugin.",
		}, []string{"site", "plugin"}),
		siteCPU: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_site_cpu_seconds_total", Help: "Time spent in guest calls, by site: what the site's cpu quota counts.",
		}, []string{"site"}),
		capHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_site_cap_hits_total", Help: "Guest calls a site's cap ended or refused, by site and cap: max_response_bytes (the response was replaced by 500), max_waiters (the wait failed with ERR_TOO_LARGE).",
		}, []string{"site", "cap"}),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "wasmweb_site_throttled_total", Help: "Requests a site's quota answered without a guest call (429 or 503 with Retry-After), by site and reason: cpu, concurrency, rate, instances.",
		}, []string{"site", "reason"}),
		siteLive: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "wasmweb_site_instances", Help: "Live guest instances of all of a site's plugins.",
		}, []string{"site"}),
		coldStarts: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "wasmweb_site_cold_start_seconds", Help: "Time to create an instance for a request that found none free (a cold start), by site.",
			Buckets: []float64{1e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 0.5, 1},
		}, []string{"site"}),
	}
	m.parked = prometheus.NewGauge(prometheus.GaugeOpts{Name: "wasmweb_parked_requests", Help: "Requests parked waiting for a message."})
	m.resumed = prometheus.NewCounter(prometheus.CounterOpts{Name: "wasmweb_resumed_requests_total", Help: "Parked requests answered after a message or their deadline."})
	m.published = prometheus.NewCounter(prometheus.CounterOpts{Name: "wasmweb_published_messages_total", Help: "Messages published by guests."})
	m.shared = prometheus.NewCounter(prometheus.CounterOpts{Name: "wasmweb_shared_answers_total", Help: "Resumed requests answered with a copy of another's response (resp_share), without a guest call."})
	m.fetches = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "wasmweb_outbound_fetches_total", Help: "Guests' fetches, by site and result: ok, denied, invalid, too_large, busy, unavailable or no_token (a provider token asked for and not there).",
	}, []string{"site", "result"})
	m.reg.MustRegister(m.fetches)
	m.unrouted = newStatusCounters(m.requests, "", NoRoute)
	open := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "wasmweb_open_connections", Help: "Connections open on the servers that serve the host, on either transport.",
	}, conns)
	sleeping := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "wasmweb_sleeping_connections", Help: "Connections of parked requests that netpoll has let go of, watched by wasmweb's own epoll set until they close (Linux, netpoll transport).",
	}, func() float64 { return float64(netloop.Sleeping()) })
	info := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "wasmweb_build_info", Help: "Always 1; its labels name the server's version, its Go toolchain, its wazero and its ABI.",
	}, []string{"version", "goversion", "wazero", "abi"})
	info.WithLabelValues(build.Version, build.GoVersion, build.Wazero, build.ABI).Set(1)
	m.reg.MustRegister(m.parked, m.resumed, m.shared, m.published, open, sleeping, info)
	m.reg.MustRegister(m.requests, m.calls, m.callSeconds, m.instances, m.creations, m.misses, m.traps, m.kills, m.yields, m.refusals, m.logBytes, m.logLines,
		m.siteCPU, m.throttled, m.capHits, m.siteLive, m.coldStarts,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// forPlugin returns one plugin's series, looked up once.
func (m *metrics) forPlugin(site, plugin string) guest.Metrics {
	return guest.Metrics{
		Calls:       m.calls.WithLabelValues(site, plugin),
		CallSeconds: m.callSeconds.WithLabelValues(site, plugin),
		Instances:   m.instances.WithLabelValues(site, plugin),
		Creations:   m.creations.WithLabelValues(site, plugin),
		Misses:      m.misses.WithLabelValues(site, plugin),
		Traps:       m.traps.WithLabelValues(site, plugin),
		Kills:       m.kills.WithLabelValues(site, plugin),
		Yields:      m.yields.WithLabelValues(site, plugin),
		LogBytes:    m.logBytes.WithLabelValues(site, plugin),
		LogLines:    m.logLines.WithLabelValues(site, plugin),
		ColdStarts:  m.coldStarts.WithLabelValues(site),
	}
}

// forQuota returns a site's quota series, looked up once.
func (m *metrics) forQuota(site string) quota.Counters {
	c := quota.Counters{CPUSeconds: m.siteCPU.WithLabelValues(site), Instances: m.siteLive.WithLabelValues(site)}
	for r, name := range quota.Reasons {
		c.Throttled[r] = m.throttled.WithLabelValues(site, name)
	}
	return c
}

// statusCounters caches a route's request counter per status code, so
// counting a request costs a map lookup and no allocation.
type counter = prometheus.Counter

type statusCounters struct {
	// vec, site and route are immutable.
	vec         *prometheus.CounterVec
	site, route string
	mu          sync.Mutex
	byCode      map[int]counter // mu guards byCode
}

func newStatusCounters(vec *prometheus.CounterVec, site, route string) *statusCounters {
	return &statusCounters{vec: vec, site: site, route: route, byCode: map[int]counter{}}
}

// Count implements route.Counter.
func (s *statusCounters) Count(code int) {
	s.mu.Lock()
	c, ok := s.byCode[code]
	if !ok {
		c = s.vec.WithLabelValues(s.site, s.route, strconv.Itoa(code))
		s.byCode[code] = c
	}
	s.mu.Unlock()
	c.Inc()
}
