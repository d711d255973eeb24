package host

import (
	"sort"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/wasmweb/wasmweb/host/internal/status"
	"github.com/wasmweb/wasmweb/netloop"
)

// Attach implements netloop.Attacher: the host counts the open
// connections of every server that serves it, for the
// wasmweb_open_connections gauge and the status page.
func (h *Host) Attach(srv *netloop.Server) {
	h.serversMu.Lock()
	h.servers = append(h.servers, srv)
	h.serversMu.Unlock()
}

var _ netloop.Attacher = (*Host)(nil)

// openConns returns the open connections of the servers that serve h.
func (h *Host) openConns() int64 {
	h.serversMu.Lock()
	defer h.serversMu.Unlock()
	var n int64
	for _, srv := range h.servers {
		n += int64(srv.Conns())
	}
	return n
}

// parked returns the requests parked on every site.
func (h *Host) parked() int64 {
	var n int64
	for _, s := range h.sites {
		n += s.env.Parking.Count()
	}
	return n
}

// snapshot returns the host's state for the status page.
func (h *Host) snapshot() status.Snapshot {
	snap := status.Snapshot{Build: h.build, Started: h.started, Conns: h.openConns(), Sites: make([]status.Site, 0, len(h.sites))}
	for _, s := range h.sites {
		spec := s.spec
		ss := status.Site{
			Name: s.name, Hosts: spec.Hosts, Parked: s.env.Parking.Count(), MaxWaiters: spec.PubSub.MaxWaiters,
			Routes: make([]status.Route, 0, len(spec.Routes)), Plugins: make([]status.Plugin, 0, len(s.plugins)),
		}
		snap.Parked += ss.Parked
		for _, r := range spec.Routes {
			ss.Routes = append(ss.Routes, status.Route{Path: r.Path, Methods: strings.Join(r.Methods, ", "), Plugin: r.Plugin, Handler: r.Handler})
		}
		names := make([]string, 0, len(s.plugins))
		for name := range s.plugins {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			slot := s.plugins[name]
			in := slot.Current().Info()
			ss.Plugins = append(ss.Plugins, status.Plugin{
				Name: name, Generation: in.Generation, Draining: slot.Generations() - 1,
				Instances: in.Idle + in.Busy, Idle: in.Idle, Busy: in.Busy, Max: spec.Limits.Instances,
				Calls: counterValue(h.m.calls.WithLabelValues(s.name, name)),
				Traps: counterValue(h.m.traps.WithLabelValues(s.name, name)),
				Kills: counterValue(h.m.kills.WithLabelValues(s.name, name)),
			})
		}
		snap.Sites = append(snap.Sites, ss)
	}
	return snap
}

// counterValue reads a counter.
func counterValue(c prometheus.Counter) uint64 {
	var m dto.Metric
	if c.Write(&m) != nil || m.Counter == nil {
		return 0
	}
	return uint64(m.Counter.GetValue())
}
