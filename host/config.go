// Package host embeds wasmweb's sites: configuration, routing, and (in
// later layers) the Wasm plugins that handle requests.
package host

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/wasmweb/wasmweb/netloop"
)

// Config is a whole wasmweb configuration file.
type Config struct {
	Server ServerConfig `toml:"server"`
}

// ServerConfig is the [server] table: where to listen and the network
// core's limits. Zero values take netloop's defaults.
type ServerConfig struct {
	Listen          string   `toml:"listen"`
	Transport       string   `toml:"transport"`
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
	return ParseConfig(path, src)
}

// ParseConfig parses src, the contents of the file named name.
func ParseConfig(name string, src []byte) (Config, error) {
	cfg := DefaultConfig()
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
			ce.Line = keyLine(src, strings.Split(ce.Key, "."))
		}
		return Config{}, err
	}
	return cfg, nil
}

// decodeErr matches the toml package's type errors, which carry the line
// and key only in their text.
var decodeErr = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]+)"\): (.*)$`)

func (c *Config) check() error {
	s := &c.Server
	bad := func(key, format string, args ...any) error {
		return &ConfigError{Key: "server." + key, Err: fmt.Errorf(format, args...)}
	}
	switch s.Transport {
	case "", "netpoll", "std":
	default:
		return bad("transport", "%q is not a transport (want netpoll or std)", s.Transport)
	}
	if s.MaxHeaderFields < 0 {
		return bad("max_header_fields", "must not be negative")
	}
	if s.MaxConns < 0 {
		return bad("max_conns", "must not be negative")
	}
	return nil
}

// keyLine finds the line that defines key in src, or 0. It follows table
// headers and dotted keys; it does not look inside multi-line strings.
func keyLine(src []byte, key []string) int {
	want := strings.Join(key, ".")
	table := ""
	for i, line := range bytes.Split(src, []byte("\n")) {
		l := strings.TrimSpace(string(line))
		switch {
		case l == "" || l[0] == '#':
			continue
		case strings.HasPrefix(l, "[["):
			table = unquoteKey(strings.TrimSuffix(strings.TrimPrefix(l[:strings.Index(l+"]]", "]]")], "[["), "]]"))
			if table == want {
				return i + 1
			}
		case l[0] == '[':
			table = unquoteKey(strings.Trim(l[:strings.Index(l+"]", "]")+1], "[]"))
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
			if k == want {
				return i + 1
			}
		}
	}
	return 0
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
