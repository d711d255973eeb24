package main

import (
	"path/filepath"

	"github.com/wasmweb/wasmweb/host/config"
)

// demoConfig is the config serve uses without --config: the example
// config at the root of a wasmweb checkout, whose demo site's plugins and
// files are relative to it. The end-to-end tests serve the same file, so
// what they check is what a new user runs.
const demoConfig = "wasmweb.example.toml"

// loadDemo loads demoConfig from the working directory.
func loadDemo() (config.Config, error) {
	path, err := filepath.Abs(demoConfig)
	if err != nil {
		return config.Config{}, err
	}
	return config.Load(path)
}
