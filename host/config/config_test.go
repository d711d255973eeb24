package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestConfigGolden parses each testdata/*.txt: the config, a line
// of dashes, then the expected error (or "ok: ..." with chosen values).
func TestConfigGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			raw, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			input, want, ok := strings.Cut(string(raw), "\n----------\n")
			if !ok {
				t.Fatal("missing the ---------- separator")
			}
			want = strings.TrimSpace(want)
			cfg, err := Parse(filepath.Base(file), []byte(input+"\n"), "testdata")
			var got string
			if err != nil {
				got = err.Error()
			} else {
				s := cfg.Server
				got = fmt.Sprintf("ok: body=%d header=%d header_timeout=%v", s.MaxBodyBytes, s.MaxHeaderBytes, time.Duration(s.HeaderTimeout))
			}
			if got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

// The example config in the repository parses and states the defaults.
func TestExampleConfig(t *testing.T) {
	cfg, err := Load("../../wasmweb.example.toml")
	if err != nil {
		t.Fatal(err)
	}
	nc := cfg.Server.NetloopConfig()
	if nc.MaxBodyBytes != 10<<20 || nc.MaxHeaderBytes != 64<<10 || nc.HeaderTimeout != 10*time.Second || cfg.Server.Listen != DefaultListen {
		t.Errorf("example config does not state the defaults: %+v", cfg.Server)
	}
}
