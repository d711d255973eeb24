package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// serve and dev start and stop alike: both serve the status pages on
// --admin, reload the config file on SIGHUP and exit 0 on SIGTERM.
func TestServeAndDevShareTheServer(t *testing.T) {
	bin := wasmwebBinary(t)
	hello, err := filepath.Abs("../../conformance/guests/hello.wasm")
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"serve", "dev"} {
		t.Run(mode, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "site.toml")
			site := fmt.Sprintf("[[site]]\nname = \"s\"\nhosts = [\"*\"]\n[site.plugins]\nhello = %q\n[[site.route]]\npath = \"/\"\nplugin = \"hello\"\n", hello)
			if err := os.WriteFile(cfg, []byte(site), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bin, mode, "--config", cfg, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--cache-dir", t.TempDir())
			stderr, _ := cmd.StderrPipe()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			lines := make(chan string, 100)
			go func() {
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					lines <- sc.Text()
				}
				close(lines)
			}()
			await := func(what string) string {
				t.Helper()
				timeout := time.After(time.Minute)
				for {
					select {
					case line, ok := <-lines:
						if !ok {
							t.Fatalf("%s: the log ended before %q", mode, what)
						}
						if strings.Contains(line, what) {
							return line
						}
					case <-timeout:
						t.Fatalf("%s: no %q in the log after a minute", mode, what)
					}
				}
			}
			if line := await(`msg="wasmweb: admin"`); !strings.Contains(line, "/status") {
				t.Errorf("%s: admin line without the status page: %q", mode, line)
			}
			if line := await(`msg="wasmweb: serving"`); !strings.Contains(line, "url=http://127.0.0.1:") {
				t.Errorf("%s: serving line without the address: %q", mode, line)
			}
			cmd.Process.Signal(syscall.SIGHUP)
			await("SIGHUP: reloading the config file")
			cmd.Process.Signal(syscall.SIGTERM)
			await(`msg="wasmweb: stopped"`)
			for range lines {
			}
			if err := cmd.Wait(); err != nil {
				t.Errorf("%s: exit after SIGTERM: %v", mode, err)
			}
		})
	}
}
