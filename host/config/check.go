package config

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/outbound"
	"github.com/wasmweb/wasmweb/host/internal/route"
	"github.com/wasmweb/wasmweb/host/locale"
	"github.com/wasmweb/wasmweb/netloop"
)

// siteName is what a site's name may hold: it becomes part of metric
// labels, NATS subjects and signing keys.

var siteName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// varName is what a site variable's name may be (abi/ABI.md section 7.14).
var varName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)

// resolveSecret reads an env or file secret, as an error about key when
// it is missing. A site given to the admin API may hold inline secrets
// only: the API's caller must not make the server read its environment
// or files into a guest.
func (c *Config) resolveSecret(key string, s *Secret) error {
	if c.inlineOnly && s.Source() != "inline" {
		return &Error{Key: key, Err: errors.New("a site given through the admin API may hold inline values only, not env or file sources")}
	}
	if err := s.resolve(); err != nil {
		return &Error{Key: key, Err: err}
	}
	return nil
}

// checkOutbound checks a [site.outbound] table.
func checkOutbound(key string, o Outbound) error {
	bad := func(k, format string, args ...any) error {
		return &Error{Key: key + k, Err: fmt.Errorf(format, args...)}
	}
	for i, a := range o.Allow {
		if _, err := outbound.ParseRule(a); err != nil {
			return bad(fmt.Sprintf(".allow[%d]", i), "%v", err)
		}
	}
	switch {
	case o.Timeout < 0:
		return bad(".timeout", "must not be \"off\"")
	case o.MaxConcurrent < 0:
		return bad(".max_concurrent", "must not be negative")
	case o.MaxRedirects < -1:
		return bad(".max_redirects", "must be -1 (follow none) or more")
	}
	return nil
}

// check checks c as decoded, before defaults: every error names the key
// it is about, as an *Error without file and line, which Parse adds.
func (c *Config) check() error {
	s := &c.Server
	bad := func(key, format string, args ...any) error {
		return &Error{Key: key, Err: fmt.Errorf(format, args...)}
	}
	switch s.Transport {
	case "", "netpoll", "std":
	default:
		return bad("server.transport", "%q is not a transport (want netpoll or std)", s.Transport)
	}
	if s.MaxHeaderFields < 0 {
		return bad("server.max_header_fields", "must not be negative")
	}
	for key, d := range map[string]Duration{"shutdown_timeout": s.ShutdownTimeout, "header_timeout": s.HeaderTimeout,
		"body_timeout": s.BodyTimeout, "idle_timeout": s.IdleTimeout, "write_timeout": s.WriteTimeout, "linger_timeout": s.LingerTimeout} {
		if d < 0 {
			return bad("server."+key, "\"off\" is only for a site's call_timeout")
		}
	}
	if s.MaxConns < 0 {
		return bad("server.max_conns", "must not be negative")
	}
	if err := CheckAdminToken(s.AdminToken); s.AdminToken != "" && err != nil {
		return bad("server.admin_token", "%v", err)
	}
	switch c.PubSub.Backend {
	case "", "memory":
	case "nats":
		if c.PubSub.URL == "" {
			return bad("pubsub.url", "backend = \"nats\" needs the NATS server's url, e.g. \"nats://127.0.0.1:4222\"")
		}
	default:
		return bad("pubsub.backend", "%q is not a backend (want memory or nats)", c.PubSub.Backend)
	}
	switch c.KV.Backend {
	case "", "bbolt":
	case "nats":
		if c.KV.URL == "" {
			return bad("kv.url", "backend = \"nats\" needs the NATS server's url, e.g. \"nats://127.0.0.1:4222\"")
		}
	default:
		return bad("kv.backend", "%q is not a backend (want bbolt or nats)", c.KV.Backend)
	}
	names := map[string]bool{}
	for i, site := range c.Sites {
		key := fmt.Sprintf("site[%d]", i)
		switch {
		case site.Name == "":
			return bad(key+".name", "every site needs a name")
		case names[site.Name]:
			return bad(key+".name", "site %q is defined twice", site.Name)
		case !siteName.MatchString(site.Name):
			return bad(key+".name", "%q: a site name is letters, digits, - and _", site.Name)
		case len(site.Hosts) == 0:
			return bad(key+".hosts", "site %q answers no host (use [\"*\"] for every host)", site.Name)
		}
		names[site.Name] = true
		for j, h := range site.Hosts {
			if h == "" || strings.ContainsAny(h, "/ ") || strings.Contains(h[min(1, len(h)):], "*") {
				return bad(fmt.Sprintf("%s.hosts[%d]", key, j), "%q is not a host name, \"*.domain\" or \"*\"", h)
			}
		}
		l := site.Limits
		if l.Instances < 0 || l.WarmInstances < 0 {
			return bad(key+".limits.instances", "must not be negative")
		}
		if l.MinInstances < 0 {
			return bad(key+".limits.min_instances", "must not be negative")
		}
		if l.Instances > 0 && l.MinInstances > l.Instances {
			return bad(key+".limits.min_instances", "%d is more than instances = %d", l.MinInstances, l.Instances)
		}
		if l.InstanceIdleTimeout < 0 {
			return bad(key+".limits.instance_idle_timeout", "\"off\" is not allowed here; give a duration")
		}
		switch l.Isolation {
		case "", IsolationInstance, IsolationRequest:
		default:
			return bad(key+".limits.isolation", "%q: want %q or %q", l.Isolation, IsolationInstance, IsolationRequest)
		}
		switch l.Snapshot {
		case "", "on", "off":
		default:
			return bad(key+".limits.snapshot", "%q: want \"on\" or \"off\"", l.Snapshot)
		}
		if l.Instances > 0 && l.WarmInstances > l.Instances {
			return bad(key+".limits.warm_instances", "%d is more than instances = %d", l.WarmInstances, l.Instances)
		}
		if l.RouteInstances < 0 {
			return bad(key+".limits.route_instances", "must not be negative")
		}
		if l.Instances > 0 && l.RouteInstances > l.Instances {
			return bad(key+".limits.route_instances", "%d is more than instances = %d", l.RouteInstances, l.Instances)
		}
		if err := checkQuotas(key+".limits", l, len(site.Plugins)); err != nil {
			return err
		}
		ps := site.PubSub
		if ps.Retain < 0 || ps.MaxTopics < 0 || ps.MaxWaiters < 0 || ps.MaxWait < 0 {
			return bad(key+".pubsub", "limits must not be negative")
		}
		if k := site.KV; k.MaxKeys < 0 || k.MaxBytes < 0 || k.MaxKeyBytes < 0 || k.MaxValueBytes < 0 {
			return bad(key+".kv", "quotas must not be negative")
		}
		if site.KV.MaxKeyBytes > abi.MaxKVKey {
			return bad(key+".kv.max_key_bytes", "%d bytes is more than keys may have (at most %d)", site.KV.MaxKeyBytes, abi.MaxKVKey)
		}
		if l.Memory != 0 && l.Memory < 1<<20 {
			return bad(key+".limits.memory", "%d bytes is too little for a plugin (at least 1MiB)", l.Memory)
		}
		for k, v := range map[string]Size{"log_bytes_per_call": l.LogBytesPerCall, "log_bytes_per_second": l.LogBytesPerSecond} {
			if v != 0 && v < abi.MaxLogMessage {
				return bad(key+".limits."+k, "%d bytes would drop a guest's longest lines (at least 4KiB)", v)
			}
		}
		for name, path := range site.Plugins {
			pkey := key + ".plugins." + name
			if path == "" {
				return bad(pkey, "needs a path: a plugin source directory or a .wasm file")
			}
			if _, err := os.Stat(path); err != nil {
				return bad(pkey, "%s: no such plugin directory or .wasm file", path)
			}
		}
		if site.Static.Dir != "" {
			if fi, err := os.Stat(site.Static.Dir); err != nil || !fi.IsDir() {
				return bad(key+".static.dir", "%s: no such directory", site.Static.Dir)
			}
		}
		for j := range site.Cookies.Secrets {
			skey := fmt.Sprintf("%s.cookies.secrets[%d]", key, j)
			if err := c.resolveSecret(skey, &site.Cookies.Secrets[j]); err != nil {
				return err
			}
			if sec := site.Cookies.Secrets[j].Value(); len(sec) < 16 {
				return bad(fmt.Sprintf("%s.cookies.secrets[%d]", key, j), "a secret of %d bytes is too short: use at least 16 (32 random bytes is best)", len(sec))
			}
		}
		for _, name := range slices.Sorted(maps.Keys(site.Vars)) {
			vkey := key + ".vars." + name
			if !varName.MatchString(name) {
				return bad(vkey, "%q: a variable name is 1 to %d letters, digits, _, - and .", name, abi.MaxVarName)
			}
			v := site.Vars[name]
			if err := c.resolveSecret(vkey, &v); err != nil {
				return err
			}
			if len(v.Value()) > abi.MaxVarValue {
				return bad(vkey, "a value of %d bytes is too large (at most %d)", len(v.Value()), abi.MaxVarValue)
			}
			site.Vars[name] = v
		}
		if err := checkOutbound(key+".outbound", site.Outbound); err != nil {
			return err
		}
		if err := checkAccounts(key+".accounts", site.Accounts); err != nil {
			return err
		}
		for name, p := range site.Auth.Providers {
			if c.inlineOnly && p.ClientSecretEnv != "" {
				return &Error{Key: key + ".auth.providers." + name + ".client_secret_env", Err: errors.New("a site given through the admin API may hold inline values only, not env or file sources")}
			}
			if p.ClientSecret.given() {
				if err := c.resolveSecret(key+".auth.providers."+name+".client_secret", &p.ClientSecret); err != nil {
					return err
				}
				site.Auth.Providers[name] = p
			}
		}
		if err := checkAuth(key+".auth", site.Auth, site.Accounts, site.Outbound.Allow); err != nil {
			return err
		}
		if u := site.LoginURL; u != "" && (!strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//")) {
			return bad(key+".login_url", "%q must be a path on the site, such as \"/login\"", u)
		}
		if site.Templates.Dir != "" {
			if fi, err := os.Stat(site.Templates.Dir); err != nil || !fi.IsDir() {
				return bad(key+".templates.dir", "%s: no such directory", site.Templates.Dir)
			}
		}
		if err := c.checkLocale(key+".locale", site.Locale); err != nil {
			return err
		}
		if p := site.Static.Prefix; p != "" && !strings.HasPrefix(p, "/") {
			return bad(key+".static.prefix", "%q must start with /", p)
		}
		if len(site.Routes) == 0 {
			return bad(key, "site %q has no [[site.route]]", site.Name)
		}
		for j, r := range site.Routes {
			rkey := fmt.Sprintf("%s.route[%d]", key, j)
			if _, err := route.Parse(r.Path); err != nil {
				return bad(rkey+".path", "%v", err)
			}
			switch r.Auth {
			case "", "required":
			default:
				return bad(rkey+".auth", "%q: want \"required\" or nothing", r.Auth)
			}
			if r.Plugin == "" {
				return bad(rkey+".plugin", "every route names the plugin that handles it")
			}
			if _, ok := site.Plugins[r.Plugin]; !ok {
				return bad(rkey+".plugin", "no plugin %q in [site.plugins]", r.Plugin)
			}
			for _, m := range r.Methods {
				if !netloop.ValidHeaderName(m) {
					return bad(rkey+".methods", "%q is not a method", m)
				}
			}
		}
	}
	return nil
}

// keptInstances is the min_instances each plugin keeps: at most its
// instances, when that is set.
func keptInstances(l Limits) int {
	if l.Instances > 0 {
		return min(l.MinInstances, l.Instances)
	}
	return l.MinInstances
}

// checkQuotas checks a [site.limits] table's quotas.
func checkQuotas(key string, l Limits, plugins int) error {
	bad := func(k, format string, args ...any) error {
		return &Error{Key: key + "." + k, Err: fmt.Errorf(format, args...)}
	}
	switch {
	case l.CPU < 0:
		return bad("cpu", "\"off\" is only for call_timeout; leave cpu out for no budget")
	case l.CPU > 0 && l.CPU < Duration(time.Millisecond):
		return bad("cpu", "%v a second is too little for any call (at least 1ms)", time.Duration(l.CPU))
	case l.Concurrency < 0:
		return bad("concurrency", "must not be negative")
	case l.Rate < 0 || math.IsNaN(l.Rate) || math.IsInf(l.Rate, 0):
		return bad("rate", "%v is not a rate: want requests per second, such as 100", l.Rate)
	case l.Burst < 0:
		return bad("burst", "must not be negative")
	case l.Burst > 0 && l.Rate == 0:
		return bad("burst", "needs a rate")
	case l.SiteInstances < 0:
		return bad("site_instances", "must not be negative")
	case l.SiteInstances > 0 && l.SiteInstances < plugins:
		return bad("site_instances", "%d is fewer than the site's %d plugins, which need one each", l.SiteInstances, plugins)
	case l.SiteInstances > 0 && plugins > 0 && keptInstances(l) > l.SiteInstances/plugins:
		return bad("min_instances", "%d kept for each of the site's %d plugins is more than site_instances = %d", keptInstances(l), plugins, l.SiteInstances)
	}
	return nil
}

// checkLocale checks a [site.locale] table and loads its translations,
// so that a file that does not parse is reported with the config.
func (c *Config) checkLocale(key string, l Locale) error {
	bad := func(k, format string, args ...any) error {
		return &Error{Key: key + "." + k, Err: fmt.Errorf(format, args...)}
	}
	def := l.Default
	if def == "" {
		def = DefaultLocale
	} else if _, err := locale.Builtin(def); err != nil {
		return bad("default", "%q is not a locale code such as \"en\" or \"pt-BR\"", def)
	}
	if l.Cookie != "" && !netloop.ValidHeaderName(l.Cookie) {
		return bad("cookie", "%q is not a cookie name (a token, such as %q)", l.Cookie, abi.LocaleCookie)
	}
	if l.Dir == "" {
		return nil
	}
	dir := l.Dir
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return bad("dir", "%s: no such directory", dir)
	}
	if _, err := locale.Load(dir, def); err != nil {
		return bad("dir", "%v", err)
	}
	return nil
}
