// Package config owns wasmweb's configuration: the one type a TOML file
// decodes into (Config, its sites and their routes), the defaults of
// every key, and the checks that reject a bad file with its name, line
// and key (Error). What the host runs is exactly this type, defaults
// applied; wasmweb.example.toml shows every key.
//
// The field comments below are the reference for each key. The package
// builds and runs nothing: package host makes sites of a Config.
package config

import (
	"time"

	"github.com/wasmweb/wasmweb/netloop"
)

// Config is a whole wasmweb configuration file.
type Config struct {
	// Server is the [server] table: the listener and the network core's
	// limits.
	Server Server `toml:"server"`
	// PubSub is the [pubsub] table: where the sites' topics live.
	PubSub PubSub `toml:"pubsub"`
	// KV is the [kv] table: where the sites' key-value stores live.
	KV KV `toml:"kv"`
	// Sites are the [[site]] tables, one per served site.
	Sites []Site `toml:"site"`

	src        *source // the file Parse read; nil for a Config made in code
	inlineOnly bool    // secrets from env or files are refused (ParseSite)
}

// Server is the [server] table: where to listen and the network core's
// limits. Its limits and timeouts left at zero take netloop's defaults,
// which wasmweb.example.toml shows.
type Server struct {
	// Listen is the address to listen on; default "127.0.0.1:8888".
	Listen string `toml:"listen"`
	// Transport is "netpoll" (an event loop, on linux and darwin on amd64
	// and arm64, the default there) or "std" (the net package, everywhere).
	Transport string `toml:"transport"`
	// Admin, when set, is the address that serves /metrics, /healthz
	// and the admin API under /v1/. Without an admin token it must be a
	// loopback address.
	Admin string `toml:"admin"`
	// AdminToken, when set, is the bearer token the admin API's changes
	// need (Authorization: Bearer TOKEN); the environment variable
	// WASMWEB_ADMIN_TOKEN overrides it (see AdminSecret). At least 16
	// printable ASCII characters without spaces. Without one, the admin
	// address must be a loopback address.
	AdminToken string `toml:"admin_token"`
	// AdminMaxBody caps the body of an admin API request, such as an
	// uploaded .wasm module; a larger one gets 413. Default 64 MiB.
	AdminMaxBody Size `toml:"admin_max_body"`
	// CacheDir is where compiled plugins are cached; empty means
	// wasmweb/wazero under the user's cache directory.
	CacheDir string `toml:"cache_dir"`
	// DataDir is where the host keeps what must outlive it: the sites'
	// key-value stores (DATA_DIR/kv/<site>.db) with the bbolt backend.
	// Empty means DefaultDataDir(): wasmweb under the user's state
	// directory. Relative to the config file.
	DataDir string `toml:"data_dir"`
	// ShutdownTimeout is how long requests in progress may run after
	// SIGINT or SIGTERM; default 10 s.
	ShutdownTimeout Duration `toml:"shutdown_timeout"`

	// MaxRequestLine caps the request line; a longer one gets 414.
	MaxRequestLine Size `toml:"max_request_line"`
	// MaxHeaderBytes caps the header block; a larger one gets 431.
	MaxHeaderBytes Size `toml:"max_header_bytes"`
	// MaxHeaderFields caps the header fields; more get 431.
	MaxHeaderFields int `toml:"max_header_fields"`
	// MaxBodyBytes caps a request body; a larger one gets 413.
	MaxBodyBytes Size `toml:"max_body_bytes"`
	// MaxChunkExtBytes caps the chunk extensions of one body; past it the
	// request gets 400.
	MaxChunkExtBytes Size `toml:"max_chunk_ext_bytes"`
	// MaxConns caps open connections; 0 means the open-file limit less 64.
	MaxConns int `toml:"max_conns"`
	// MaxOutputBytes caps the response bytes buffered per connection
	// before they are flushed.
	MaxOutputBytes Size `toml:"max_output_bytes"`

	// HeaderTimeout bounds the time from a request's first byte to the
	// end of its head; past it the request gets 408.
	HeaderTimeout Duration `toml:"header_timeout"`
	// BodyTimeout bounds the time from the end of the head to the end of
	// the body; past it the request gets 408.
	BodyTimeout Duration `toml:"body_timeout"`
	// IdleTimeout is how long a keep-alive connection waits for its next
	// request.
	IdleTimeout Duration `toml:"idle_timeout"`
	// WriteTimeout bounds one flush to a client that does not read.
	WriteTimeout Duration `toml:"write_timeout"`
	// LingerTimeout is how long input is discarded after an error,
	// before the connection closes.
	LingerTimeout Duration `toml:"linger_timeout"`
}

// PubSub is the [pubsub] table: where topics for publish and wait live.
type PubSub struct {
	// Backend is "memory" (one process, the default) or "nats" (NATS
	// JetStream, shared by every node pointed at it).
	Backend string `toml:"backend"`
	// URL is the NATS server's address, for backend = "nats", such as
	// "nats://127.0.0.1:4222".
	URL string `toml:"url"`
	// Stream is the JetStream stream's name; default "WASMWEB".
	Stream string `toml:"stream"`
	// Retain is how many messages per topic the stream keeps; default 200.
	Retain int `toml:"retain"`
}

// KV is the [kv] table: where the sites' key-value stores live
// (abi/ABI.md section 7.13).
type KV struct {
	// Backend is "bbolt" (a file per site under the server's data_dir,
	// the default) or "nats" (a NATS JetStream key-value bucket per
	// site, wasmweb_<site>, shared by every node pointed at it).
	Backend string `toml:"backend"`
	// URL is the NATS server's address, for backend = "nats".
	URL string `toml:"url"`
}

// Site is one [[site]] table: the hosts a site answers, its plugins,
// routes, limits and building blocks. A site is what the host serves:
// the host takes it as it is, with WithDefaults applied.
type Site struct {
	// Name identifies the site in logs, metrics and signed values: letters,
	// digits, - and _.
	Name string `toml:"name"`
	// Hosts are the host names the site answers: exact names,
	// "*.example.com" for any subdomain, or "*" for any host no other site
	// claims.
	Hosts []string `toml:"hosts"`
	// Debug shows error details (a guest's resp_error message) to clients.
	Debug bool `toml:"debug"`
	// Limits bound the site's plugins.
	Limits Limits `toml:"limits"`
	// PubSub bounds the site's topics and parked requests.
	PubSub SitePubSub `toml:"pubsub"`
	// KV bounds the site's key-value store.
	KV SiteKV `toml:"kv"`
	// Static is a directory of files the host serves itself, without
	// calling a plugin.
	Static Static `toml:"static"`
	// Templates are the pages the host renders for the site's plugins.
	Templates Templates `toml:"templates"`
	// Locale is the site's languages and their translations.
	Locale Locale `toml:"locale"`
	// Cookies hold the secrets that sign the site's cookies.
	Cookies Cookies `toml:"cookies"`
	// LoginURL is where auth = "required" routes send GET and HEAD
	// requests without a signed-in user, with ?next= the page they asked
	// for; without it they get 403. A path on the site, such as "/login".
	LoginURL string `toml:"login_url"`
	// XSRF makes the host check the XSRF token of every request whose
	// method is not GET, HEAD or OPTIONS, before calling a plugin.
	XSRF bool `toml:"xsrf_cookies"`
	// Accounts maps user names to bcrypt password hashes (made with
	// wasmweb passwd), for user_login; empty when the site has no local
	// accounts.
	Accounts map[string]string `toml:"accounts"`
	// Vars are the site's variables, which its plugins read through the
	// var host function (SDK Context.Var): name = "value", name = { env =
	// "NAME" } or name = { file = "/run/secrets/name" }. Names are letters,
	// digits, _, - and ., at most 128 bytes; values are never logged or
	// shown (see Secret).
	Vars map[string]Secret `toml:"vars"`
	// Outbound is what the site's plugins may fetch (abi/ABI.md section
	// 7.15): nothing, unless its allow list names it.
	Outbound Outbound `toml:"outbound"`
	// Auth is the site's sign-in with third-party providers: OpenID
	// Connect, GitHub or generic OAuth 2.0, run by the host.
	Auth Auth `toml:"auth"`
	// Plugins maps plugin names to a Go source directory (built to
	// DIR/<name>.wasm when missing or stale) or a .wasm file. Relative
	// paths are relative to the config file.
	Plugins map[string]string `toml:"plugins"`
	// Routes are the [[site.route]] tables, tried in order: the first
	// whose path and method match serves the request.
	Routes []Route `toml:"route"`
}

// Limits is a site's [site.limits] table. Zero fields take defaults.
type Limits struct {
	// Memory caps each instance's linear memory; default 64 MiB, at
	// least 1 MiB.
	Memory Size `toml:"memory"`
	// CallTimeout stops a guest call that runs longer: the request gets
	// 503 and the instance is discarded. Default 5 s; "off" (a negative
	// Duration) trusts the plugin and loads it without the deadline's
	// checks.
	CallTimeout Duration `toml:"call_timeout"`
	// Instances caps the instances of each plugin; default 2 ×
	// GOMAXPROCS + 2.
	Instances int `toml:"instances"`
	// WarmInstances are created at load; default MinInstances, at most
	// Instances, at least MinInstances.
	WarmInstances int `toml:"warm_instances"`
	// MinInstances are kept while the plugin is idle; default 0: an idle
	// plugin holds no instance (its first request makes one from the
	// snapshot, a copy rather than a Go runtime's start), so that a
	// server of a thousand quiet tenants is not a thousand Go heaps. At
	// most Instances.
	MinInstances int `toml:"min_instances"`
	// InstanceIdleTimeout frees an instance beyond MinInstances that its
	// plugin did not need for this long; default 60 s.
	InstanceIdleTimeout Duration `toml:"instance_idle_timeout"`
	// Isolation is what a request may see of the requests its instance
	// served before: "instance" (the default) keeps an instance's memory
	// between requests, "request" resets its memory and globals to their
	// state after initialization after every request.
	Isolation string `toml:"isolation"`
	// Snapshot is "on" (the default): a plugin's instances are made from
	// a copy of an instance's memory and globals taken right after its
	// initialization, where the module allows; "off" initializes every
	// instance.
	Snapshot string `toml:"snapshot"`
	// RouteInstances caps the instances one route may hold at once when
	// its plugin serves several routes, so that a route whose calls run
	// long cannot take the instances the plugin's other routes need.
	// Default half of Instances, rounded up; at most Instances.
	RouteInstances int `toml:"route_instances"`
	// MaxBodyBytes caps the request body handed to a guest; a larger one
	// gets 413. Default 10 MiB.
	MaxBodyBytes Size `toml:"max_body_bytes"`
	// MaxResponseBytes caps a guest's response body; default 16 MiB.
	MaxResponseBytes Size `toml:"max_response_bytes"`
	// LogBytesPerCall caps what one call (or one instance's
	// initialization) may put in the host's log through the log host
	// function, stdout and stderr; default 64 KiB, at least 4 KiB.
	LogBytesPerCall Size `toml:"log_bytes_per_call"`
	// LogBytesPerSecond caps what one plugin may put in the host's log
	// per second, after a burst of one second's worth; default 256 KiB,
	// at least 4 KiB.
	LogBytesPerSecond Size `toml:"log_bytes_per_second"`

	// The site's quotas, across its plugins (README, "Many tenants").

	// CPU is the guest time the site's calls may take per second, on
	// average ("250ms": a quarter of a core); a second's worth may go at
	// once. A site over it is answered 429 with Retry-After, without a
	// guest call, until it is back under. Default none; at least 1ms.
	CPU Duration `toml:"cpu"`
	// Concurrency caps the site's guest calls in progress; as many more
	// wait for a slot, and past them requests get 503 with Retry-After.
	// Default none: its plugins' instances bound it.
	Concurrency int `toml:"concurrency"`
	// Rate caps the requests per second handed to the site's plugins
	// (a token bucket); past it they get 429 with Retry-After. Default
	// none; static files do not count.
	Rate float64 `toml:"rate"`
	// Burst is how many requests may come at once within Rate; default
	// Rate, rounded up.
	Burst int `toml:"burst"`
	// SiteInstances caps the live instances of all the site's plugins
	// together; a request that finds none it may have gets 503 with
	// Retry-After. Default none (each plugin's instances bound it); at
	// least the number of plugins.
	SiteInstances int `toml:"site_instances"`
}

// SitePubSub is a site's [site.pubsub] table: its topics and parked
// requests. Zero fields take defaults.
type SitePubSub struct {
	// Retain is how many recent messages each topic keeps; default 200.
	Retain int `toml:"retain"`
	// MaxTopics caps the site's topics; default 1000. At the cap a new
	// topic replaces the least recently used one that nobody waits on.
	MaxTopics int `toml:"max_topics"`
	// MaxMessageBytes caps a message; default 64 KiB.
	MaxMessageBytes Size `toml:"max_message_bytes"`
	// MaxWaiters caps the site's parked requests; a wait past it fails
	// (the SDK answers 503). Default 20,000.
	MaxWaiters int `toml:"max_waiters"`
	// MaxWait caps how long a request stays parked; default 60 s.
	MaxWait Duration `toml:"max_wait"`
}

// SiteKV is a site's [site.kv] table: the quotas of its key-value
// store. Zero fields take defaults.
type SiteKV struct {
	// MaxKeys caps the keys; default 10,000.
	MaxKeys int `toml:"max_keys"`
	// MaxBytes caps the keys' and values' bytes together; default 64 MiB.
	MaxBytes Size `toml:"max_bytes"`
	// MaxKeyBytes caps a key; default 256, at most 1024.
	MaxKeyBytes Size `toml:"max_key_bytes"`
	// MaxValueBytes caps a value; default 1 MiB.
	MaxValueBytes Size `toml:"max_value_bytes"`
}

// Static is a site's [site.static] table.
type Static struct {
	// Dir, when set, is served as static files; relative to the config
	// file.
	Dir string `toml:"dir"`
	// Prefix is the path the files are served under; default "/static/".
	Prefix string `toml:"prefix"`
}

// Templates is a site's [site.templates] table.
type Templates struct {
	// Dir, when set, holds the site's templates: pages, with shared files
	// in layouts/, partials/ or named _*.html; relative to the config
	// file.
	Dir string `toml:"dir"`
}

// Locale is a site's [site.locale] table (abi/ABI.md section 7.10).
type Locale struct {
	// Dir, when set, holds the site's translations, one file per locale
	// named by its code, es.csv (Tornado's CSV) or pt_BR.po (gettext);
	// relative to the config file.
	Dir string `toml:"dir"`
	// Default is the locale of requests that ask for none the site has;
	// default "en".
	Default string `toml:"default"`
	// Cookie is the cookie that holds the user's choice of locale;
	// default "wasmweb_locale".
	Cookie string `toml:"cookie"`
}

// Cookies is a site's [site.cookies] table.
type Cookies struct {
	// Secrets sign the site's signed cookies: the first signs, all
	// verify. Each is at least 16 bytes. Without secrets a random one is
	// made at start, so signed cookies do not survive a restart.
	// Each may come from the environment or a file, as a Secret.
	Secrets []Secret `toml:"secrets"`
	// MaxAge is how long a signed value stays valid; default 31 days.
	MaxAge Duration `toml:"max_age"`
	// Encrypt also encrypts signed values.
	Encrypt bool `toml:"encrypt"`
}

// Outbound is a site's [site.outbound] table: the origins its plugins
// may fetch from, and the caps on fetching. Zero fields take defaults.
type Outbound struct {
	// Allow lists the origins a plugin may fetch from, each a scheme, a
	// host and an optional port: "https://api.example.com",
	// "https://*.example.org:8443" (any subdomain, port 8443),
	// "http://127.0.0.1:*" (any port). Without a port the scheme's own
	// (80 or 443) is meant. Nothing else may be fetched. Loopback,
	// private, link-local, multicast and unspecified addresses are
	// refused even to a listed name, unless the entry names that address
	// itself ("http://127.0.0.1:8888", "http://[fd00::1]").
	Allow []string `toml:"allow"`
	// Timeout bounds one fetch, redirects included; the call's own
	// deadline (call_timeout) bounds it too. Default 10 s.
	Timeout Duration `toml:"timeout"`
	// MaxResponseBytes caps a fetched response's body; a larger one
	// fails the fetch. Default 4 MiB.
	MaxResponseBytes Size `toml:"max_response_bytes"`
	// MaxRequestBytes caps the body a plugin sends; a larger one fails
	// the fetch. Default 4 MiB.
	MaxRequestBytes Size `toml:"max_request_bytes"`
	// MaxConcurrent caps the fetches the site's plugins have in flight at
	// once; one past it fails at once. Default 8.
	MaxConcurrent int `toml:"max_concurrent"`
	// MaxRedirects caps the redirects one fetch follows, each checked
	// against Allow; default 5, and "max_redirects = -1" follows none.
	MaxRedirects int `toml:"max_redirects"`
}

// Route is one [[site.route]] table.
type Route struct {
	// Path is the path pattern: "/", "/posts/{id}", "/static/{path...}".
	Path string `toml:"path"`
	// Methods limits the route to these methods (GET admits HEAD too);
	// empty means any.
	Methods []string `toml:"methods"`
	// Plugin names the plugin, of the site's Plugins, that handles the
	// route.
	Plugin string `toml:"plugin"`
	// Handler is the name the plugin registered the route's handler
	// under; default the plugin's name.
	Handler string `toml:"handler"`
	// Auth is "required" to admit only signed-in users (others go to the
	// site's LoginURL, or get 403), or empty.
	Auth string `toml:"auth"`
	// XSRF = false exempts the route from the site's XSRF check (an API
	// that authenticates otherwise); unset or true, the site's setting
	// holds.
	XSRF *bool `toml:"xsrf"`
}

// AuthRequired reports whether the route admits only signed-in users.
func (r Route) AuthRequired() bool { return r.Auth == AuthRequired }

// XSRFExempt reports whether the route skips its site's XSRF check.
func (r Route) XSRFExempt() bool { return r.XSRF != nil && !*r.XSRF }

// AuthRequired is the value of a route's auth key that admits only
// signed-in users.
const AuthRequired = "required"

// NetloopConfig returns the network core's limits.
func (s Server) NetloopConfig() netloop.Config {
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
