// Package host embeds wasmweb's sites: configuration, routing, and (in
// later layers) the Wasm plugins that handle requests.
package host

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/internal/guestlog"
	"github.com/wasmweb/wasmweb/host/internal/route"
	"github.com/wasmweb/wasmweb/host/locale"
	"github.com/wasmweb/wasmweb/host/pubsub"
	"github.com/wasmweb/wasmweb/netloop"
)

// Config is a whole wasmweb configuration file.
type Config struct {
	Server ServerConfig  `toml:"server"`
	PubSub PubSubBackend `toml:"pubsub"`
	Sites  []SiteConfig  `toml:"site"`

	// dir is the directory relative paths are resolved against: the
	// config file's directory.
	dir string
}

// PubSubBackend is the [pubsub] table: where topics live.
type PubSubBackend struct {
	// Backend is "memory" (the default: one process) or "nats" (NATS
	// JetStream, shared by several nodes).
	Backend string `toml:"backend"`
	// URL of the NATS server, for backend = "nats".
	URL string `toml:"url"`
	// Stream is the JetStream stream's name; default "WASMWEB".
	Stream string `toml:"stream"`
	// Retain is how many messages per topic the stream keeps; default 200.
	Retain int `toml:"retain"`
}

// HostOptions returns the host-wide options the config sets.
func (c *Config) HostOptions() Options {
	var o Options
	if c.PubSub.Backend == "nats" {
		o.NATS = pubsub.NATSConfig{URL: c.PubSub.URL, Stream: c.PubSub.Stream, Retain: c.PubSub.Retain}
	}
	return o
}

// SiteConfig is one [[site]] table.
type SiteConfig struct {
	Name      string            `toml:"name"`
	Hosts     []string          `toml:"hosts"`
	Debug     bool              `toml:"debug"`
	Limits    LimitsConfig      `toml:"limits"`
	PubSub    PubSubConfig      `toml:"pubsub"`
	Static    StaticConfig      `toml:"static"`
	Templates TemplatesConfig   `toml:"templates"`
	Locale    LocaleConfig      `toml:"locale"`
	Cookies   CookiesConfig     `toml:"cookies"`
	LoginURL  string            `toml:"login_url"`
	XSRF      bool              `toml:"xsrf_cookies"`
	Accounts  map[string]string `toml:"accounts"`
	Plugins   map[string]string `toml:"plugins"`
	Routes    []RouteConfig     `toml:"route"`
}

// LimitsConfig is a site's [site.limits] table.
type LimitsConfig struct {
	Memory           Size     `toml:"memory"`
	CallTimeout      Duration `toml:"call_timeout"`
	Instances        int      `toml:"instances"`
	WarmInstances    int      `toml:"warm_instances"`
	RouteInstances   int      `toml:"route_instances"`
	MaxBodyBytes     Size     `toml:"max_body_bytes"`
	MaxResponseBytes Size     `toml:"max_response_bytes"`
	// LogBytesPerCall and LogBytesPerSecond bound what a plugin's guests
	// put in the host's log (Limits.LogBytesPerCall and
	// LogBytesPerSecond).
	LogBytesPerCall   Size `toml:"log_bytes_per_call"`
	LogBytesPerSecond Size `toml:"log_bytes_per_second"`
}

// PubSubConfig is a site's [site.pubsub] table.
type PubSubConfig struct {
	Retain          int      `toml:"retain"`
	MaxTopics       int      `toml:"max_topics"`
	MaxMessageBytes Size     `toml:"max_message_bytes"`
	MaxWaiters      int      `toml:"max_waiters"`
	MaxWait         Duration `toml:"max_wait"`
}

// StaticConfig is a site's [site.static] table.
type StaticConfig struct {
	// Dir is served as static files; relative to the config file.
	Dir string `toml:"dir"`
	// Prefix is the path the files are served under; default "/static/".
	Prefix string `toml:"prefix"`
}

// TemplatesConfig is a site's [site.templates] table.
type TemplatesConfig struct {
	// Dir holds the site's templates; relative to the config file.
	Dir string `toml:"dir"`
}

// LocaleConfig is a site's [site.locale] table (abi/ABI.md section 7.10).
type LocaleConfig struct {
	// Dir holds the site's translations, es.csv or pt_BR.po; relative to
	// the config file.
	Dir string `toml:"dir"`
	// Default is the locale of requests that ask for none the site has;
	// default "en".
	Default string `toml:"default"`
	// Cookie is the cookie that holds the user's choice; default
	// "wasmweb_locale".
	Cookie string `toml:"cookie"`
}

// CookiesConfig is a site's [site.cookies] table.
type CookiesConfig struct {
	// Secrets sign the site's cookies; the first signs, all verify.
	Secrets []string `toml:"secrets"`
	// MaxAge is how long a signed value stays valid; default 31 days.
	MaxAge Duration `toml:"max_age"`
	// Encrypt also encrypts signed values.
	Encrypt bool `toml:"encrypt"`
}

// RouteConfig is one [[site.route]] table.
type RouteConfig struct {
	// Auth is "required" to admit only signed-in users, or empty.
	Auth string `toml:"auth"`
	// XSRF = false exempts the route from the site's XSRF check.
	XSRF    *bool    `toml:"xsrf"`
	Path    string   `toml:"path"`
	Methods []string `toml:"methods"`
	Plugin  string   `toml:"plugin"`
	Handler string   `toml:"handler"`
}

// ServerConfig is the [server] table: where to listen and the network
// core's limits. Zero values take netloop's defaults.
type ServerConfig struct {
	Listen          string   `toml:"listen"`
	Transport       string   `toml:"transport"`
	Admin           string   `toml:"admin"`
	CacheDir        string   `toml:"cache_dir"`
	ShutdownTimeout Duration `toml:"shutdown_timeout"`

	MaxRequestLine   Size `toml:"max_request_line"`
	MaxHeaderBytes   Size `toml:"max_header_bytes"`
	MaxHeaderFields  int  `toml:"max_header_fields"`
	MaxBodyBytes     Size `toml:"max_body_bytes"`
	MaxChunkExtBytes Size `toml:"max_chunk_ext_bytes"`
	MaxConns         int  `toml:"max_conns"`
	MaxOutputBytes   Size `toml:"max_output_bytes"`

	HeaderTimeout Duration `toml:"header_timeout"`
	BodyTimeout   Duration `toml:"body_timeout"`
	IdleTimeout   Duration `toml:"idle_timeout"`
	WriteTimeout  Duration `toml:"write_timeout"`
	LingerTimeout Duration `toml:"linger_timeout"`
}

// DefaultListen is the address served when neither flag nor config names one.
const DefaultListen = "127.0.0.1:8888"

// DefaultShutdownTimeout bounds graceful shutdown when not configured.
const DefaultShutdownTimeout = 10 * time.Second

// DefaultConfig returns the configuration used without a config file.
func DefaultConfig() Config {
	return Config{Server: ServerConfig{
		Listen:          DefaultListen,
		ShutdownTimeout: Duration(DefaultShutdownTimeout),
	}}
}

// NetloopConfig returns the network core's limits.
func (s ServerConfig) NetloopConfig() netloop.Config {
	return netloop.Config{
		MaxRequestLine:   int(s.MaxRequestLine),
		MaxHeaderBytes:   int(s.MaxHeaderBytes),
		MaxHeaderFields:  s.MaxHeaderFields,
		MaxBodyBytes:     int64(s.MaxBodyBytes),
		MaxChunkExtBytes: int(s.MaxChunkExtBytes),
		MaxConns:         s.MaxConns,
		MaxOutputBytes:   int(s.MaxOutputBytes),
		HeaderTimeout:    time.Duration(s.HeaderTimeout),
		BodyTimeout:      time.Duration(s.BodyTimeout),
		IdleTimeout:      time.Duration(s.IdleTimeout),
		WriteTimeout:     time.Duration(s.WriteTimeout),
		LingerTimeout:    time.Duration(s.LingerTimeout),
	}
}

// ConfigError is a problem in a config file, located by file, line and key.
type ConfigError struct {
	File string
	Line int    // 0 when unknown
	Key  string // dotted key, "" when the file does not parse
	Err  error
}

func (e *ConfigError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc += ":" + strconv.Itoa(e.Line)
	}
	if e.Key != "" {
		return fmt.Sprintf("config %s: key %s: %v", loc, e.Key, e.Err)
	}
	return fmt.Sprintf("config %s: %v", loc, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// LoadConfig reads and checks the config file at path. Unknown keys and
// bad values are errors of type *ConfigError.
func LoadConfig(path string) (Config, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return ParseConfig(path, src, filepath.Dir(path))
}

// ParseConfig parses src, the contents of the file named name; relative
// plugin paths are resolved against dir.
func ParseConfig(name string, src []byte, dir string) (Config, error) {
	cfg := DefaultConfig()
	cfg.dir = dir
	md, err := toml.Decode(string(src), &cfg)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			line := pe.Position.Line
			if strings.Contains(pe.Message, `got '\n'`) && line > 1 {
				line-- // the parser counts the offending newline as the next line
			}
			return Config{}, &ConfigError{File: name, Line: line, Key: pe.LastKey, Err: errors.New(pe.Message)}
		}
		if m := decodeErr.FindStringSubmatch(err.Error()); m != nil {
			line, _ := strconv.Atoi(m[1])
			return Config{}, &ConfigError{File: name, Line: line, Key: m[2], Err: errors.New(m[3])}
		}
		return Config{}, &ConfigError{File: name, Err: err}
	}
	if keys := md.Undecoded(); len(keys) > 0 {
		k := keys[0]
		return Config{}, &ConfigError{File: name, Line: keyLine(src, k), Key: k.String(), Err: errors.New("unknown key")}
	}
	if err := cfg.check(); err != nil {
		var ce *ConfigError
		if errors.As(err, &ce) {
			ce.File = name
			ce.Line = keyLine(src, splitKey(ce.Key))
		}
		return Config{}, err
	}
	return cfg, nil
}

var siteName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// decodeErr matches the toml package's type errors, which carry the line
// and key only in their text.
var decodeErr = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]+)"\): (.*)$`)

func (c *Config) check() error {
	s := &c.Server
	bad := func(key, format string, args ...any) error {
		return &ConfigError{Key: key, Err: fmt.Errorf(format, args...)}
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
	switch c.PubSub.Backend {
	case "", "memory":
	case "nats":
		if c.PubSub.URL == "" {
			return bad("pubsub.url", "backend = \"nats\" needs the NATS server's url, e.g. \"nats://127.0.0.1:4222\"")
		}
	default:
		return bad("pubsub.backend", "%q is not a backend (want memory or nats)", c.PubSub.Backend)
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
		if l.Instances > 0 && l.WarmInstances > l.Instances {
			return bad(key+".limits.warm_instances", "%d is more than instances = %d", l.WarmInstances, l.Instances)
		}
		if l.RouteInstances < 0 {
			return bad(key+".limits.route_instances", "must not be negative")
		}
		if l.Instances > 0 && l.RouteInstances > l.Instances {
			return bad(key+".limits.route_instances", "%d is more than instances = %d", l.RouteInstances, l.Instances)
		}
		ps := site.PubSub
		if ps.Retain < 0 || ps.MaxTopics < 0 || ps.MaxWaiters < 0 || ps.MaxWait < 0 {
			return bad(key+".pubsub", "limits must not be negative")
		}
		if l.Memory != 0 && l.Memory < 1<<20 {
			return bad(key+".limits.memory", "%d bytes is too little for a plugin (at least 1MiB)", l.Memory)
		}
		for k, v := range map[string]Size{"log_bytes_per_call": l.LogBytesPerCall, "log_bytes_per_second": l.LogBytesPerSecond} {
			if v != 0 && v < guestlog.MaxLine {
				return bad(key+".limits."+k, "%d bytes would drop a guest's longest lines (at least 4KiB)", v)
			}
		}
		for name, path := range site.Plugins {
			pkey := key + ".plugins." + name
			if path == "" {
				return bad(pkey, "needs a path: a plugin source directory or a .wasm file")
			}
			if _, err := os.Stat(c.resolve(path)); err != nil {
				return bad(pkey, "%s: no such plugin directory or .wasm file", c.resolve(path))
			}
		}
		if site.Static.Dir != "" {
			if fi, err := os.Stat(c.resolve(site.Static.Dir)); err != nil || !fi.IsDir() {
				return bad(key+".static.dir", "%s: no such directory", c.resolve(site.Static.Dir))
			}
		}
		for j, sec := range site.Cookies.Secrets {
			if len(sec) < 16 {
				return bad(fmt.Sprintf("%s.cookies.secrets[%d]", key, j), "a secret of %d bytes is too short: use at least 16 (32 random bytes is best)", len(sec))
			}
		}
		if err := checkAccounts(key+".accounts", site.Accounts); err != nil {
			return err
		}
		if u := site.LoginURL; u != "" && (!strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//")) {
			return bad(key+".login_url", "%q must be a path on the site, such as \"/login\"", u)
		}
		if site.Templates.Dir != "" {
			if fi, err := os.Stat(c.resolve(site.Templates.Dir)); err != nil || !fi.IsDir() {
				return bad(key+".templates.dir", "%s: no such directory", c.resolve(site.Templates.Dir))
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

// checkLocale checks a [site.locale] table and loads its translations,
// so that a file that does not parse is reported with the config.
func (c *Config) checkLocale(key string, l LocaleConfig) error {
	bad := func(k, format string, args ...any) error {
		return &ConfigError{Key: key + "." + k, Err: fmt.Errorf(format, args...)}
	}
	def := l.Default
	if def == "" {
		def = "en"
	} else if _, err := locale.Builtin(def); err != nil {
		return bad("default", "%q is not a locale code such as \"en\" or \"pt-BR\"", def)
	}
	if l.Cookie != "" && !netloop.ValidHeaderName(l.Cookie) {
		return bad("cookie", "%q is not a cookie name (a token, such as %q)", l.Cookie, abi.LocaleCookie)
	}
	if l.Dir == "" {
		return nil
	}
	dir := c.resolve(l.Dir)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return bad("dir", "%s: no such directory", dir)
	}
	if _, err := locale.Load(dir, def); err != nil {
		return bad("dir", "%v", err)
	}
	return nil
}

// resolve makes a path from the config relative to the config's directory.
func (c *Config) resolve(path string) string {
	if filepath.IsAbs(path) || c.dir == "" {
		return path
	}
	return filepath.Join(c.dir, path)
}

// Specs turns the sites into host specs. ensure is called with each
// plugin directory and returns the .wasm to load (building it if needed);
// .wasm paths are used as they are.
func (c *Config) Specs(ensure func(dir string) (string, error)) ([]SiteSpec, error) {
	var specs []SiteSpec
	for _, site := range c.Sites {
		spec := SiteSpec{
			Name: site.Name, Hosts: site.Hosts, Debug: site.Debug, Plugins: map[string]string{},
			Limits: Limits{
				MemoryBytes: int64(site.Limits.Memory), CallTimeout: time.Duration(site.Limits.CallTimeout),
				Instances: site.Limits.Instances, WarmInstances: site.Limits.WarmInstances, RouteInstances: site.Limits.RouteInstances,
				MaxBodyBytes: int64(site.Limits.MaxBodyBytes), MaxResponseBytes: int64(site.Limits.MaxResponseBytes),
				LogBytesPerCall: int64(site.Limits.LogBytesPerCall), LogBytesPerSecond: int64(site.Limits.LogBytesPerSecond),
			},
			StaticPrefix: site.Static.Prefix,
			PubSub: PubSubLimits{
				Retain: site.PubSub.Retain, MaxTopics: site.PubSub.MaxTopics, MaxMessageBytes: int(site.PubSub.MaxMessageBytes),
				MaxWaiters: site.PubSub.MaxWaiters, MaxWait: time.Duration(site.PubSub.MaxWait),
			},
		}
		if site.Static.Dir != "" {
			spec.StaticDir = c.resolve(site.Static.Dir)
		}
		if site.Templates.Dir != "" {
			spec.TemplateDir = c.resolve(site.Templates.Dir)
		}
		spec.CookieSecrets = site.Cookies.Secrets
		spec.CookieMaxAge = time.Duration(site.Cookies.MaxAge)
		spec.EncryptCookies = site.Cookies.Encrypt
		spec.LoginURL = site.LoginURL
		spec.XSRFCookies = site.XSRF
		if site.Locale.Dir != "" {
			spec.LocaleDir = c.resolve(site.Locale.Dir)
		}
		spec.DefaultLocale, spec.LocaleCookie = site.Locale.Default, site.Locale.Cookie
		spec.Accounts = site.Accounts
		for name, path := range site.Plugins {
			p := c.resolve(path)
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				wasm, err := ensure(p)
				if err != nil {
					return nil, fmt.Errorf("site %q plugin %q: %w", site.Name, name, err)
				}
				p = wasm
			}
			spec.Plugins[name] = p
		}
		for _, r := range site.Routes {
			spec.Routes = append(spec.Routes, RouteSpec{Pattern: r.Path, Methods: r.Methods, Plugin: r.Plugin, Handler: r.Handler, AuthRequired: r.Auth == "required",
				NoXSRF: r.XSRF != nil && !*r.XSRF})
		}
		specs = append(specs, spec)
	}
	return specs, nil
}

// splitKey splits "site[0].route[1].path" into its parts, indices as
// their own parts: site 0 route 1 path.
func splitKey(key string) []string {
	var parts []string
	for _, p := range strings.Split(key, ".") {
		for {
			i := strings.IndexByte(p, '[')
			if i < 0 {
				break
			}
			j := strings.IndexByte(p, ']')
			if j < i {
				break
			}
			if i > 0 {
				parts = append(parts, p[:i])
			}
			parts = append(parts, p[i+1:j])
			p = p[j+1:]
		}
		if p != "" {
			parts = append(parts, p)
		}
	}
	return parts
}

// keyLine finds the line that defines key in src, or 0. Parts of key
// that are numbers index arrays of tables ([[site]], [[site.route]]). It
// follows table headers and dotted keys; it does not look inside
// multi-line strings.
func keyLine(src []byte, key []string) int {
	want := strings.Join(key, ".")
	counts := map[string]int{} // array-of-tables path (with indices) -> elements seen
	table := ""                // current table path, with indices
	// indexed turns a header path like site.route into site.0.route.1,
	// using the latest element of each array of tables it passes through.
	indexed := func(path string) string {
		parts := strings.Split(path, ".")
		out := ""
		for _, p := range parts {
			if out != "" {
				out += "."
			}
			out += p
			if n, ok := counts[out]; ok {
				out += "." + strconv.Itoa(n-1)
			}
		}
		return out
	}
	for i, line := range bytes.Split(src, []byte("\n")) {
		l := strings.TrimSpace(string(line))
		switch {
		case l == "" || l[0] == '#':
			continue
		case strings.HasPrefix(l, "[["):
			name := unquoteKey(strings.TrimSpace(strings.Trim(l[:strings.Index(l+"]]", "]]")], "[")))
			parent := ""
			if j := strings.LastIndexByte(name, '.'); j >= 0 {
				parent = indexed(name[:j]) + "."
				name = name[j+1:]
			}
			base := parent + name
			counts[base]++
			table = base + "." + strconv.Itoa(counts[base]-1)
			if table == want || base == want {
				return i + 1
			}
		case l[0] == '[':
			table = indexed(unquoteKey(strings.Trim(l[:strings.Index(l+"]", "]")+1], "[]")))
			if table == want {
				return i + 1
			}
		default:
			eq := strings.IndexByte(l, '=')
			if eq < 0 {
				continue
			}
			k := unquoteKey(l[:eq])
			if table != "" {
				k = table + "." + k
			}
			if k == want || strings.HasPrefix(want, k+".") || deindex(k) == want {
				return i + 1
			}
		}
	}
	if len(key) > 1 {
		return keyLine(src, key[:len(key)-1])
	}
	return 0
}

// deindex drops the array indices from a key path: site.0.route.1.x
// becomes site.route.x, the form the toml package reports unknown keys in.
func deindex(k string) string {
	parts := strings.Split(k, ".")
	out := parts[:0]
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err != nil {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

func unquoteKey(k string) string {
	parts := strings.Split(k, ".")
	for i, p := range parts {
		parts[i] = strings.Trim(strings.TrimSpace(p), `"'`)
	}
	return strings.Join(parts, ".")
}

// Duration is a time.Duration written in a config as a string such as
// "10s" or "1m30s".
type Duration time.Duration

// UnmarshalTOML implements toml.Unmarshaler.
func (d *Duration) UnmarshalTOML(v any) error {
	s, ok := v.(string)
	if !ok {
		return fmt.Errorf("want a duration string such as \"10s\", got %v", v)
	}
	if s == "off" {
		*d = -1 // only call_timeout accepts it; check rejects it elsewhere
		return nil
	}
	t, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration (examples: \"500ms\", \"10s\", \"1m\")", s)
	}
	if t < 0 {
		return fmt.Errorf("duration %q must not be negative", s)
	}
	*d = Duration(t)
	return nil
}

// Size is a byte count written in a config as an integer or a string
// with a unit: "512", "64KiB", "10MiB", "1GiB" (also KB, MB, GB as
// powers of 1000).
type Size int64

// UnmarshalTOML implements toml.Unmarshaler.
func (s *Size) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case int64:
		if x < 0 {
			return fmt.Errorf("size %d must not be negative", x)
		}
		*s = Size(x)
		return nil
	case string:
		n, err := parseSize(x)
		if err != nil {
			return err
		}
		*s = Size(n)
		return nil
	}
	return fmt.Errorf("want a size such as 65536 or \"64KiB\", got %v", v)
}

func parseSize(str string) (int64, error) {
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	num, mult := strings.TrimSpace(str), int64(1)
	for _, u := range units {
		if strings.HasSuffix(num, u.suffix) {
			num, mult = strings.TrimSpace(strings.TrimSuffix(num, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size (examples: 65536, \"64KiB\", \"10MiB\")", str)
	}
	return n * mult, nil
}
