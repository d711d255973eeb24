package sdk_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestWasip1Deps checks what the SDK links into a plugin: the standard
// library without networking, package hostcall and package abi. The fake host and
// everything it needs (net/http, mime/multipart) must stay out.
func TestWasip1Deps(t *testing.T) {
	cmd := exec.Command(goCommand(), "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{else}}std:{{.ImportPath}}{{end}}", ".")
	cmd.Env = append(cmd.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	out, err := cmd.CombinedOutput()
	if err != nil {
		// Without the list nothing is checked: a package that does not
		// build for wasip1, or a missing go command, fails the test.
		t.Fatalf("go list -deps for wasip1: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
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

// goCommand returns the go command that runs this test.
func goCommand() string {
	if gobin, err := exec.LookPath("go"); err == nil {
		return gobin
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}
