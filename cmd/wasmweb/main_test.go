package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var (
	binOnce sync.Once
	binDir  string // holds the wasmweb that wasmwebBinary built
	binErr  error
)

// wasmwebBinary returns the path of a wasmweb built from this checkout,
// once for all the tests that run it.
func wasmwebBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "wasmweb-bin-"); binErr != nil {
			return
		}
		if out, err := exec.Command("go", "build", "-o", filepath.Join(binDir, "wasmweb"), ".").CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return filepath.Join(binDir, "wasmweb")
}

func TestUsage(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		contains string
	}{
		{nil, 2, "Usage:"},
		{[]string{"help"}, 0, "wasmweb serve"},
		{[]string{"--help"}, 0, "wasmweb serve"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"help", "nope"}, 2, `unknown command "nope"`},
		{[]string{"help", "serve", "build"}, 2, "one command at a time"},
		{[]string{"serve", "--transport", "carrier-pigeon"}, 2, `unknown transport "carrier-pigeon"`},
		{[]string{"serve", "--config", "/nonexistent/wasmweb.toml"}, 1, "no such file"},
		{[]string{"serve", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"build"}, 2, "no plugin directory"},
		{[]string{"new"}, 2, "want one plugin NAME"},
		{[]string{"version", "extra"}, 2, `unexpected argument "extra"`},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := run(tc.args, &out, &errb)
			all := out.String() + errb.String()
			if code != tc.code || !strings.Contains(all, tc.contains) {
				t.Errorf("exit %d, output:\n%s\nwant exit %d containing %q", code, all, tc.code, tc.contains)
			}
		})
	}
}

// Every command answers --help, -h and help COMMAND alike: its help on
// stdout, nothing on stderr, exit 0; and an unknown flag with the error
// and the same help on stderr, exit 2, rather than taking it for an
// argument.
func TestCommandHelp(t *testing.T) {
	for name := range commands {
		t.Run(name, func(t *testing.T) {
			var help string
			for _, args := range [][]string{{name, "--help"}, {name, "-h"}, {name, "-help"}, {"help", name}} {
				var out, errb bytes.Buffer
				code := run(args, &out, &errb)
				if code != 0 || errb.Len() != 0 || !strings.HasPrefix(out.String(), "Usage: wasmweb "+name) {
					t.Errorf("%q: exit %d, stdout:\n%s\nstderr:\n%s\nwant exit 0 and the help on stdout alone", args, code, out.String(), errb.String())
				}
				if help == "" {
					help = out.String()
				} else if out.String() != help {
					t.Errorf("%q: help differs from %s --help's:\n%s", args, name, out.String())
				}
			}
			var out, errb bytes.Buffer
			code := run([]string{name, "--bogus", "x"}, &out, &errb)
			if code != 2 || out.Len() != 0 || !strings.Contains(errb.String(), "flag provided but not defined: -bogus") || !strings.Contains(errb.String(), help) {
				t.Errorf("--bogus: exit %d, stdout:\n%s\nstderr:\n%s\nwant exit 2, the error and the help on stderr", code, out.String(), errb.String())
			}
		})
	}
}

// The synopsis of each command's help names every one of its flags.
func TestHelpNamesEveryFlag(t *testing.T) {
	fs, _ := serveFlags()
	var out bytes.Buffer
	fs.SetOutput(&out)
	fs.Usage()
	synopsis, _, _ := strings.Cut(out.String(), "\n\n")
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		n++
		if !strings.Contains(synopsis, "[--"+f.Name+" ") {
			t.Errorf("serve's synopsis omits --%s:\n%s", f.Name, synopsis)
		}
	})
	if n < 6 {
		t.Errorf("serve has %d flags", n)
	}
}

func TestVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"version"}, &out, &errb); code != 0 || errb.Len() != 0 {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	for _, want := range []string{"wasmweb ", "go      " + runtime.Version(), "wazero  v", "abi     wasmweb_v1"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	dep := func(path, version string) *debug.Module { return &debug.Module{Path: path, Version: version} }
	for _, tc := range []struct {
		name string
		info *debug.BuildInfo
		want string
	}{
		{"installed at a version", &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "v1.2.3"},
			Deps: []*debug.Module{dep("github.com/cloudwego/netpoll", "v0.7.2"), dep("github.com/tetratelabs/wazero", "v1.12.0")}},
			"wasmweb v1.2.3\ngo      go1.26.1\nwazero  v1.12.0\nabi     wasmweb_v1\n"},
		{"built from a modified checkout", &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}}},
			"wasmweb (devel) abc123+modified\ngo      go1.26.1\nwazero  unknown\nabi     wasmweb_v1\n"},
		{"built from a clean checkout", &debug.BuildInfo{GoVersion: "go1.26.1", Main: debug.Module{Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "false"}}},
			"wasmweb (devel) abc123\ngo      go1.26.1\nwazero  unknown\nabi     wasmweb_v1\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := versions(tc.info); got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
		})
	}
}

// Without --config, serve needs a checkout's root, and says so elsewhere.
func TestServeDemoOutsideCheckout(t *testing.T) {
	t.Chdir(t.TempDir())
	var out, errb bytes.Buffer
	code := run([]string{"serve", "--listen", "127.0.0.1:0"}, &out, &errb)
	if want := "the demo site needs the plugins of a wasmweb checkout; run from its root or pass --config"; code != 1 || !strings.Contains(errb.String(), want) ||
		!strings.Contains(errb.String(), demoConfig) {
		t.Errorf("exit %d, stderr:\n%s\nwant exit 1 with %q and the file's name", code, errb.String(), want)
	}
}

// The binary serves the demo site (wasmweb.example.toml, from the root of
// the checkout) and stops cleanly on SIGTERM.
func TestServeAndStop(t *testing.T) {
	bin := wasmwebBinary(t)
	cache := t.TempDir()
	for _, transport := range []string{"netpoll", "std"} {
		t.Run(transport, func(t *testing.T) {
			cmd := exec.Command(bin, "serve", "--listen", "127.0.0.1:0", "--transport", transport, "--cache-dir", cache)
			cmd.Dir = "../.." // the demo site's plugins are relative to a checkout's root
			// The lifecycle lines are the server's log, on stderr.
			stderr, _ := cmd.StderrPipe()
			cmd.Stdout = os.Stdout
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			sc := bufio.NewScanner(stderr)
			var line string
			for sc.Scan() {
				if line = sc.Text(); strings.Contains(line, `msg="wasmweb: serving"`) {
					break
				}
			}
			i := strings.Index(line, "http://")
			if i < 0 {
				t.Fatalf("no start-up line with an address (last line %q)", line)
			}
			url := strings.Fields(line[i:])[0]
			resp, err := http.Get(url)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != "Hello, world" {
				t.Fatalf("GET / = %q", body)
			}
			resp, err = http.Post(url+"echo?x=1", "text/plain", strings.NewReader("payload"))
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != "POST /echo?x=1\npayload" {
				t.Fatalf("POST /echo = %q", body)
			}
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan error, 1)
			go func() {
				for sc.Scan() {
				}
				done <- cmd.Wait()
			}()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("exit after SIGTERM: %v", err)
				}
			case <-time.After(15 * time.Second):
				t.Fatal("server did not stop after SIGTERM")
			}
		})
	}
}
