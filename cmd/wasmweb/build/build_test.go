package build

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// write writes the files name, text, ... under dir, creating directories.
func write(t *testing.T, dir string, files ...string) {
	t.Helper()
	for i := 0; i+1 < len(files); i += 2 {
		path := filepath.Join(dir, files[i])
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(files[i+1]), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A plugin that is a module of its own is stale when a module its go.mod
// replaces with a directory changes, as when the checkout's SDK does.
func TestStaleFollowsReplacedModules(t *testing.T) {
	root := t.TempDir()
	write(t, root,
		"plugin/go.mod", `module plugin

go 1.26.0

require (
	example.com/sdk v0.0.0
	example.com/abi v0.0.0 // indirect
	example.com/remote v1.0.0
)

replace example.com/sdk => ../checkout/sdk // the SDK

replace (
	example.com/abi v0.0.0 => "../checkout/abi"
	example.com/remote => example.com/fork v1.0.1
)
`,
		"plugin/main.go", "package main\n",
		"checkout/sdk/go.mod", "module example.com/sdk\n",
		"checkout/sdk/sdk.go", "package sdk\n",
		"checkout/sdk/sdktest/sdktest.go", "package sdktest\n",
		"checkout/abi/abi.go", "package abi\n",
		"checkout/other/other.go", "package other\n",
	)
	plugin := filepath.Join(root, "plugin")
	if got, want := replacedDirs(plugin), []string{filepath.Join(root, "checkout/sdk"), filepath.Join(root, "checkout/abi")}; !slices.Equal(got, want) {
		t.Errorf("replacedDirs = %q, want %q", got, want)
	}

	stale := func() bool {
		t.Helper()
		s, err := Stale(plugin)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if !stale() {
		t.Error("stale without a .wasm: false")
	}
	// Every file an hour old, the .wasm built since.
	old := time.Now().Add(-time.Hour)
	filepath.WalkDir(root, func(path string, _ os.DirEntry, _ error) error { return os.Chtimes(path, old, old) })
	write(t, plugin, "plugin.wasm", "\x00asm")
	if stale() {
		t.Error("stale after a build: true")
	}
	for _, changed := range []string{"checkout/sdk/sdktest/sdktest.go", "checkout/abi/abi.go", "checkout/sdk/go.mod", "plugin/go.mod", "plugin/main.go"} {
		path := filepath.Join(root, changed)
		now := time.Now()
		os.Chtimes(path, now, now)
		if !stale() {
			t.Errorf("after %s changed: not stale", changed)
		}
		os.Chtimes(path, old, old)
	}
	// A directory no replace names is not a source.
	now := time.Now()
	os.Chtimes(filepath.Join(root, "checkout/other/other.go"), now, now)
	if stale() {
		t.Error("stale after a file outside the replaced modules changed")
	}
}
