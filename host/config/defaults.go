package config

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/wasmweb/wasmweb/abi"
)

// The defaults of the config's keys. They are applied here and nowhere
// else: the packages that run a site take its values as they are.
const (
	DefaultListen          = "127.0.0.1:8888"
	DefaultShutdownTimeout = 10 * time.Second
	DefaultAdminMaxBody    = 64 << 20

	DefaultStream       = "WASMWEB"
	DefaultStreamRetain = 200

	IsolationInstance = "instance" // [site.limits] isolation: memory kept between requests
	IsolationRequest  = "request"  // [site.limits] isolation: reset after every request

	DefaultMemory            = 64 << 20
	DefaultCallTimeout       = 5 * time.Second
	DefaultMaxBodyBytes      = 10 << 20
	DefaultMaxResponseBytes  = abi.DefaultMaxResponseBytes
	DefaultLogBytesPerCall   = 64 << 10
	DefaultLogBytesPerSecond = 256 << 10

	DefaultInstanceIdleTimeout = 60 * time.Second

	DefaultRetain          = 200
	DefaultMaxTopics       = 1000
	DefaultMaxMessageBytes = 64 << 10
	DefaultMaxWaiters      = 20000
	DefaultMaxWait         = 60 * time.Second

	DefaultKVMaxKeys       = 10000
	DefaultKVMaxBytes      = 64 << 20
	DefaultKVMaxKeyBytes   = 256
	DefaultKVMaxValueBytes = 1 << 20

	DefaultStaticPrefix = "/static/"
	DefaultLocale       = "en"
	DefaultLocaleCookie = abi.LocaleCookie
	DefaultCookieMaxAge = 31 * 24 * time.Hour

	DefaultOutboundTimeout          = 10 * time.Second
	DefaultOutboundMaxResponseBytes = 4 << 20
	DefaultOutboundMaxRequestBytes  = 4 << 20
	DefaultOutboundMaxConcurrent    = 8
	DefaultOutboundMaxRedirects     = 5
)

// maxBurst bounds the default burst of a high rate.
const maxBurst = 1 << 20

// minMemory is the least linear memory an instance gets, one Wasm page;
// the checks refuse less than 1 MiB in a file.
const minMemory = 65536

// applyDefaults sets every zero field of c to its default.
func (c *Config) applyDefaults() {
	c.Server = c.Server.WithDefaults()
	c.PubSub = c.PubSub.WithDefaults()
	c.KV = c.KV.WithDefaults()
	for i := range c.Sites {
		c.Sites[i] = c.Sites[i].WithDefaults()
	}
}

// WithDefaults returns s with its listener and shutdown timeout set when
// zero. Its limits and timeouts stay zero, which netloop takes as its
// own defaults.
func (s Server) WithDefaults() Server {
	if s.Listen == "" {
		s.Listen = DefaultListen
	}
	if s.ShutdownTimeout == 0 {
		s.ShutdownTimeout = Duration(DefaultShutdownTimeout)
	}
	if s.AdminMaxBody <= 0 {
		s.AdminMaxBody = DefaultAdminMaxBody
	}
	return s
}

// WithDefaults returns p with every zero field set to its default.
func (p PubSub) WithDefaults() PubSub {
	if p.Backend == "" {
		p.Backend = "memory"
	}
	if p.Stream == "" {
		p.Stream = DefaultStream
	}
	if p.Retain <= 0 {
		p.Retain = DefaultStreamRetain
	}
	return p
}

// WithDefaults returns k with its backend set when empty.
func (k KV) WithDefaults() KV {
	if k.Backend == "" {
		k.Backend = "bbolt"
	}
	return k
}

// DefaultDataDir returns where the host keeps its data when
// [server] data_dir is not set: wasmweb under the user's state
// directory, $XDG_STATE_HOME or ~/.local/state on Unix systems,
// ~/Library/Application Support on macOS and %LocalAppData% on
// Windows; wasmweb-data under the working directory when there is no
// home.
func DefaultDataDir() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "wasmweb")
	}
	switch runtime.GOOS {
	case "darwin", "windows", "ios":
		if d, err := os.UserConfigDir(); err == nil {
			if runtime.GOOS == "windows" {
				if l := os.Getenv("LocalAppData"); l != "" {
					d = l
				}
			}
			return filepath.Join(d, "wasmweb")
		}
	default:
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, ".local", "state", "wasmweb")
		}
	}
	return "wasmweb-data"
}

// WithDefaults returns s with every zero field set to its default, its
// limits brought within each other (warm and per-route instances at most
// the instances), and each route's handler named. It is idempotent, so
// a site read from a file and one built in a program are treated alike.
func (s Site) WithDefaults() Site {
	l := &s.Limits
	if l.Memory <= 0 {
		l.Memory = DefaultMemory
	}
	l.Memory = max(l.Memory, minMemory)
	if l.CallTimeout == 0 {
		l.CallTimeout = Duration(DefaultCallTimeout)
	}
	procs := runtime.GOMAXPROCS(0)
	if l.Instances <= 0 {
		l.Instances = 2*procs + 2
	}
	l.MinInstances = min(max(l.MinInstances, 0), l.Instances)
	l.WarmInstances = min(max(l.WarmInstances, l.MinInstances), l.Instances)
	if l.InstanceIdleTimeout <= 0 {
		l.InstanceIdleTimeout = Duration(DefaultInstanceIdleTimeout)
	}
	if l.Isolation == "" {
		l.Isolation = IsolationInstance
	}
	if l.Snapshot == "" {
		l.Snapshot = "on"
	}
	if l.RouteInstances <= 0 {
		l.RouteInstances = (l.Instances + 1) / 2
	}
	l.RouteInstances = min(l.RouteInstances, l.Instances)
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if l.MaxResponseBytes <= 0 {
		l.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if l.LogBytesPerCall <= 0 {
		l.LogBytesPerCall = DefaultLogBytesPerCall
	}
	if l.LogBytesPerSecond <= 0 {
		l.LogBytesPerSecond = DefaultLogBytesPerSecond
	}
	if l.Rate > 0 && l.Burst <= 0 {
		l.Burst = int(math.Ceil(min(l.Rate, maxBurst)))
	}
	if n := len(s.Plugins); l.SiteInstances > 0 && n > 0 {
		// Every plugin's warm instances fit in the site's budget.
		l.WarmInstances = min(l.WarmInstances, max(1, l.SiteInstances/n))
	}

	ps := &s.PubSub
	if ps.Retain <= 0 {
		ps.Retain = DefaultRetain
	}
	if ps.MaxTopics <= 0 {
		ps.MaxTopics = DefaultMaxTopics
	}
	if ps.MaxMessageBytes <= 0 {
		ps.MaxMessageBytes = DefaultMaxMessageBytes
	}
	if ps.MaxWaiters <= 0 {
		ps.MaxWaiters = DefaultMaxWaiters
	}
	if ps.MaxWait <= 0 {
		ps.MaxWait = Duration(DefaultMaxWait)
	}

	kv := &s.KV
	if kv.MaxKeys <= 0 {
		kv.MaxKeys = DefaultKVMaxKeys
	}
	if kv.MaxBytes <= 0 {
		kv.MaxBytes = DefaultKVMaxBytes
	}
	if kv.MaxKeyBytes <= 0 {
		kv.MaxKeyBytes = DefaultKVMaxKeyBytes
	}
	if kv.MaxValueBytes <= 0 {
		kv.MaxValueBytes = DefaultKVMaxValueBytes
	}

	if s.Static.Prefix == "" {
		s.Static.Prefix = DefaultStaticPrefix
	}
	if s.Locale.Default == "" {
		s.Locale.Default = DefaultLocale
	}
	if s.Locale.Cookie == "" {
		s.Locale.Cookie = DefaultLocaleCookie
	}
	if s.Cookies.MaxAge <= 0 {
		s.Cookies.MaxAge = Duration(DefaultCookieMaxAge)
	}
	s.Outbound = s.Outbound.WithDefaults()
	s.Auth = s.Auth.WithDefaults()
	if len(s.Routes) > 0 {
		routes := make([]Route, len(s.Routes))
		for i, r := range s.Routes {
			if r.Handler == "" {
				r.Handler = r.Plugin
			}
			routes[i] = r
		}
		s.Routes = routes
	}
	return s
}

// WithDefaults returns o with every zero field set to its default.
func (o Outbound) WithDefaults() Outbound {
	if o.Timeout <= 0 {
		o.Timeout = Duration(DefaultOutboundTimeout)
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = DefaultOutboundMaxResponseBytes
	}
	if o.MaxRequestBytes <= 0 {
		o.MaxRequestBytes = DefaultOutboundMaxRequestBytes
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = DefaultOutboundMaxConcurrent
	}
	if o.MaxRedirects == 0 {
		o.MaxRedirects = DefaultOutboundMaxRedirects
	}
	return o
}
