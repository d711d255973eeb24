package main

import (
	"path/filepath"

	"github.com/wasmweb/wasmweb/host"
)

// demoConfig is the config serve uses without --config: the example
// config at the root of a wasmweb checkout, whose demo site's plugins and
// files are relative to it. The end-to-end tests serve the same file, so
// what they check is what a new user runs.
const demoConfig = "wasmweb.example.toml"

// loadDemo loads demoConfig from the working directory.
func loadDemo() (host.Config, error) {
	path, err := filepath.Abs(demoConfig)
	if err != nil {
		return host.Config{}, err
	}
	return host.LoadConfig(path)
}
