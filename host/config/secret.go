package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
)

// Secret is a value a config file may give in three ways: inline
// (name = "value"), from an environment variable (name = { env = "NAME" })
// or from a file (name = { file = "/run/secrets/name" }, relative to the
// config file). Site variables ([site.vars]) and cookie secrets are
// Secrets, and any key that holds a credential should be one.
//
// The environment variable or file is read when the config is checked,
// at load and at every reload; one that is missing fails the load with
// the file, line and key. A Secret never shows its value: String,
// GoString, LogValue and the text and JSON encodings give a placeholder,
// so a Config may be printed, logged or encoded whole. Value is the only
// way to the value.
//
// A Secret is a value type, immutable once checked; safe for concurrent
// use.
type Secret struct {
	value    string
	env      string // the environment variable it comes from, or ""
	file     string // the file it comes from, or ""
	resolved bool   // value is set: inline, or read from env or file
}

// NewSecret returns an inline Secret holding value, for configs made in
// code.
func NewSecret(value string) Secret { return Secret{value: value, resolved: true} }

// given reports whether the secret was written in the config at all.
func (s Secret) given() bool { return s.resolved || s.env != "" || s.file != "" }

// Value returns the secret's value: the inline string, or what the
// environment variable or file held when the config was checked.
func (s Secret) Value() string { return s.value }

// Source says where the value comes from without giving it: "inline",
// "env NAME" or "file PATH".
func (s Secret) Source() string {
	switch {
	case s.env != "":
		return "env " + s.env
	case s.file != "":
		return "file " + s.file
	}
	return "inline"
}

const redacted = "[secret]"

// String implements fmt.Stringer without the value.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer without the value.
func (s Secret) GoString() string { return redacted }

// LogValue implements slog.LogValuer without the value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalText implements encoding.TextMarshaler without the value.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// UnmarshalTOML implements toml.Unmarshaler: a string, or a table with
// exactly one of env and file. The error never quotes what was given,
// which may be the secret.
func (s *Secret) UnmarshalTOML(v any) error {
	switch x := v.(type) {
	case string:
		*s = NewSecret(x)
		return nil
	case map[string]any:
		var src Secret
		for k, val := range x {
			name, ok := val.(string)
			if !ok || name == "" {
				return fmt.Errorf("%s must be a non-empty string", k)
			}
			switch k {
			case "env":
				src.env = name
			case "file":
				src.file = name
			default:
				return fmt.Errorf("unknown key %q in a secret: want { env = \"NAME\" } or { file = \"/path\" }", k)
			}
		}
		if (src.env == "") == (src.file == "") {
			return errors.New("want a string, { env = \"NAME\" } or { file = \"/path\" }")
		}
		*s = src
		return nil
	}
	return errors.New("want a string, { env = \"NAME\" } or { file = \"/path\" }")
}

// resolvePath makes a file source relative to dir, the config file's
// directory.
func (s *Secret) resolvePath(dir string) {
	if s.file != "" && !filepath.IsAbs(s.file) && dir != "" {
		s.file = filepath.Join(dir, s.file)
	}
}

// maxSecretFile caps what a file source may hold: a secret, not a
// database.
const maxSecretFile = 64 << 10

// resolve reads the value of an env or file source. A file's one
// trailing newline is dropped, as editors and `echo` add one.
func (s *Secret) resolve() error {
	if s.resolved {
		return nil
	}
	switch {
	case s.env != "":
		v, ok := os.LookupEnv(s.env)
		if !ok {
			return fmt.Errorf("environment variable %s is not set", s.env)
		}
		s.value = v
	case s.file != "":
		f, err := os.Open(s.file)
		if err != nil {
			return fmt.Errorf("secret file: %w", err)
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxSecretFile+1))
		if err != nil {
			return fmt.Errorf("secret file %s: %w", s.file, err)
		}
		if len(b) > maxSecretFile {
			return fmt.Errorf("secret file %s is larger than %d bytes", s.file, maxSecretFile)
		}
		if bytes.HasSuffix(b, []byte("\r\n")) {
			b = b[:len(b)-2]
		} else if bytes.HasSuffix(b, []byte("\n")) {
			b = b[:len(b)-1]
		}
		s.value = string(b)
	}
	s.resolved = true
	return nil
}
