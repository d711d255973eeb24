package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// The compiler's errors name files as the user, in the plugin's parent
// directory, can open them, and the build's error does not repeat them.
func TestBuildErrorsFromWhereTheUserStands(t *testing.T) {
	parent := t.TempDir()
	write(t, parent,
		"posts/go.mod", "module posts\n\ngo 1.26.0\n",
		"posts/main.go", "package main\n\nfunc main() { undefinedName() }\n",
		"posts/sub/sub.go", "package sub\n\nvar Y = undefinedToo\n",
		"posts/use.go", "package main\n\nimport _ \"posts/sub\"\n",
	)
	t.Chdir(parent)
	var out strings.Builder
	_, err := Build(context.Background(), "posts", &out)
	if !errors.Is(err, ErrGoBuild) {
		t.Fatalf("err = %v, want ErrGoBuild", err)
	}
	if strings.Contains(err.Error(), "exit status") || strings.Contains(err.Error(), "undefined") {
		t.Errorf("the error repeats what the output shows: %v", err)
	}
	// Before the compiler's silence, the user learns what it is doing.
	if want := "wasmweb: building plugin posts: compiling it to WebAssembly (GOOS=wasip1 GOARCH=wasm go build) -> posts/posts.wasm\n"; !strings.HasPrefix(out.String(), want) {
		t.Errorf("output:\n%s\nwant it to start with %q", out.String(), want)
	}
	// Which of the two packages fails first is the go command's choice.
	if !strings.Contains(out.String(), "\nposts/main.go:3:15: undefined: undefinedName\n") &&
		!strings.Contains(out.String(), "\nposts/sub/sub.go:3:9: undefined: undefinedToo\n") {
		t.Errorf("output:\n%s\nwant the compiler's errors with paths from the parent directory", out.String())
	}
}

func TestPositions(t *testing.T) {
	for _, tc := range []struct{ name, cwd, in, want string }{
		{"dot slash", "/home/ada", "./main.go:5:2: undefined: x\n", "posts/main.go:5:2: undefined: x\n"},
		{"bare", "/home/ada", "main.go:1:1: expected 'package'\n", "posts/main.go:1:1: expected 'package'\n"},
		{"in a package", "/home/ada", "sub/s.go:2:9: undefined: z\n", "posts/sub/s.go:2:9: undefined: z\n"},
		{"from inside", "/home/ada/posts", "./main.go:5:2: x\n", "main.go:5:2: x\n"},
		{"outside cwd", "/srv", "./main.go:5:2: x\n", "/home/ada/posts/main.go:5:2: x\n"},
		{"cwd unknown", "", "./main.go:5:2: x\n", "/home/ada/posts/main.go:5:2: x\n"},
		{"absolute", "/home/ada", "/src/sdk/sdk.go:5:2: x\n", "/src/sdk/sdk.go:5:2: x\n"},
		{"other lines", "/home/ada", "# posts\n\thave (int)\nnote: module requires Go 1.27\n", "# posts\n\thave (int)\nnote: module requires Go 1.27\n"},
		{"no final newline", "/home/ada", "./a.go:1:1: x", "posts/a.go:1:1: x\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			p := &positions{w: &out, dir: "/home/ada/posts", cwd: tc.cwd}
			for i := range len(tc.in) { // a byte at a time: lines are whole however they arrive
				p.Write([]byte(tc.in[i : i+1]))
			}
			p.Flush()
			if out.String() != tc.want {
				t.Errorf("got %q, want %q", out.String(), tc.want)
			}
		})
	}
}
