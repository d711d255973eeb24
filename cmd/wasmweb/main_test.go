package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestUsage(t *testing.T) {
	cases := []struct {
		args     []string
		code     int
		contains string
	}{
		{nil, 2, "Usage:"},
		{[]string{"help"}, 0, "wasmweb serve"},
		{[]string{"--help"}, 0, "wasmweb serve"},
		{[]string{"help", "serve"}, 0, "--transport"},
		{[]string{"serve", "--help"}, 0, "--listen"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"serve", "--transport", "carrier-pigeon"}, 2, `unknown transport "carrier-pigeon"`},
		{[]string{"serve", "--config", "/nonexistent/wasmweb.toml"}, 1, "no such file"},
		{[]string{"serve", "extra"}, 2, `unexpected argument "extra"`},
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
	bin := filepath.Join(t.TempDir(), "wasmweb")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
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
