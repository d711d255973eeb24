package sdk_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// sdkModules are the modules a plugin's module may need for the SDK: the
// SDK's, the ABI's, and the code its fake host shares with the host.
var sdkModules = []string{
	"github.com/wasmweb/wasmweb/abi",
	"github.com/wasmweb/wasmweb/internal",
	"github.com/wasmweb/wasmweb/sdk",
}

// goList runs go list with args in the sdk module, for GOOS goos ("" for
// this one), and returns its output's lines. Without the list nothing is
// checked: a package that does not build, or a missing go command, fails
// the test.
func goList(t *testing.T, goos string, args ...string) []string {
	t.Helper()
	cmd := exec.Command(goCommand(), append([]string{"list"}, args...)...)
	if goos != "" {
		cmd.Env = append(cmd.Environ(), "GOOS="+goos, "GOARCH=wasm")
	}
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go list %s (GOOS=%s): %v\n%s", strings.Join(args, " "), goos, err, stderr)
	}
	return strings.FieldsFunc(string(out), func(r rune) bool { return r == '\n' })
}

// TestModuleDeps checks that the SDK, its fake host and their tests need
// no module but the SDK's three, natively and for wasip1: a plugin's
// go.mod and go.sum then hold nothing else.
func TestModuleDeps(t *testing.T) {
	if got := goList(t, "", "-m", "-f", "{{.Path}}", "all"); !slices.Equal(sorted(got), sdkModules) {
		t.Errorf("the sdk module's graph holds %q, want %q", got, sdkModules)
	}
	for _, goos := range []string{"", "wasip1"} {
		lines := goList(t, goos, "-deps", "-test", "-f", "{{if not .Standard}}{{.ImportPath}}={{with .Module}}{{.Path}}{{end}}{{end}}", "./...")
		if len(lines) == 0 {
			t.Fatalf("GOOS=%s: go list found no packages", goos)
		}
		for _, l := range lines {
			pkg, mod, _ := strings.Cut(l, "=")
			if !slices.Contains(sdkModules, mod) {
				t.Errorf("GOOS=%s: %s comes from module %q, not one of %q", goos, pkg, mod, sdkModules)
			}
		}
	}
}

// TestWasip1Deps checks what the SDK links into a plugin: the standard
// library without networking, package hostcall and package abi. The fake
// host and everything it needs (net/http, mime/multipart) must stay out.
func TestWasip1Deps(t *testing.T) {
	for _, p := range goList(t, "wasip1", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{else}}std:{{.ImportPath}}{{end}}", ".") {
		std, isStd := strings.CutPrefix(p, "std:")
		switch {
		case isStd && (std == "net" || strings.HasPrefix(std, "net/") || strings.HasPrefix(std, "mime")):
			t.Errorf("the wasip1 build of sdk imports %s", std)
		case isStd:
		case p == "github.com/wasmweb/wasmweb/sdk", p == "github.com/wasmweb/wasmweb/sdk/hostcall", p == "github.com/wasmweb/wasmweb/abi":
		default:
			t.Errorf("the wasip1 build of sdk imports %s", p)
		}
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// goCommand returns the go command that runs this test.
func goCommand() string {
	if gobin, err := exec.LookPath("go"); err == nil {
		return gobin
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}
