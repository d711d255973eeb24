package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

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
