package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// serverLog follows a server's log (its stderr) line by line.
type serverLog struct {
	mu    sync.Mutex
	lines []string
	grew  chan struct{} // closed and replaced at each line
}

func followLog(r io.Reader) *serverLog {
	l := &serverLog{grew: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			l.mu.Lock()
			l.lines = append(l.lines, sc.Text())
			close(l.grew)
			l.grew = make(chan struct{})
			l.mu.Unlock()
		}
	}()
	return l
}

// await returns the first line from index from on that holds every one
// of want, and the index after it.
func (l *serverLog) await(t *testing.T, from int, want ...string) (string, int) {
	t.Helper()
	timeout := time.After(60 * time.Second)
	for {
		l.mu.Lock()
		for i := from; i < len(l.lines); i++ {
			ok := true
			for _, w := range want {
				ok = ok && strings.Contains(l.lines[i], w)
			}
			if ok {
				line := l.lines[i]
				l.mu.Unlock()
				return line, i + 1
			}
		}
		grew := l.grew
		n := len(l.lines)
		l.mu.Unlock()
		select {
		case <-grew:
		case <-timeout:
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("no log line with %q after line %d of:\n%s", want, from, strings.Join(l.lines[:n], "\n"))
		}
	}
}

func (l *serverLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

// writeFile replaces path's contents at once, as an editor or a deploy
// that renames would.
func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestReloadOnSIGHUP runs the built server, reloads it with SIGHUP 100
// times, each time with the plugin's .wasm replaced by the other of two
// builds, under keep-alive load (some of it pipelined): no request
// fails, and after each reload the new build answers. Then a config
// error: SIGHUP leaves the server serving and the log names file, line
// and key; wasmweb reload says the same and exits 1; once fixed, wasmweb
// reload applies it and prints what changed.
func TestReloadOnSIGHUP(t *testing.T) {
	bin := wasmwebBinary(t)
	hello, err := os.ReadFile("../../conformance/guests/hello.wasm")
	if err != nil {
		t.Fatal(err)
	}
	const bodyA, bodyB = "Hello, world", "Hello, World"
	builds := [][]byte{hello, bytes.Replace(hello, []byte(bodyA), []byte(bodyB), 1)}
	bodies := []string{bodyA, bodyB}
	t.Setenv("WASMWEB_ADMIN_TOKEN", "")
	for _, transport := range []string{"netpoll", "std"} {
		t.Run(transport, func(t *testing.T) {
			dir := t.TempDir()
			wasm := filepath.Join(dir, "hello.wasm")
			writeFile(t, wasm, builds[0])
			cfgPath := filepath.Join(dir, "wasmweb.toml")
			site := "[[site]]\nname = \"s\"\nhosts = [\"*\"]\n[site.plugins]\nhello = \"hello.wasm\"\n[[site.route]]\npath = \"/\"\nplugin = \"hello\"\n"
			writeFile(t, cfgPath, []byte(site))
			cmd := exec.Command(bin, "serve", "--config", cfgPath, "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0",
				"--transport", transport, "--cache-dir", filepath.Join(dir, "cache"))
			stderr, _ := cmd.StderrPipe()
			cmd.Stdout = io.Discard
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			log := followLog(stderr)
			line, _ := log.await(t, 0, `msg="wasmweb: admin"`)
			admin := strings.TrimPrefix(strings.Fields(line[strings.Index(line, "metrics=")+len("metrics="):])[0], "http://")
			admin = strings.TrimSuffix(admin, "/metrics")
			line, next := log.await(t, 0, `msg="wasmweb: serving"`)
			addr := strings.TrimSuffix(strings.TrimPrefix(strings.Fields(line[strings.Index(line, "url="):])[0], "url=http://"), "/")

			var stop atomic.Bool
			var requests, failures atomic.Int64
			var wg sync.WaitGroup
			get := func(c net.Conn, r *bufio.Reader, depth int) ([]string, error) {
				c.SetDeadline(time.Now().Add(30 * time.Second))
				if _, err := c.Write(bytes.Repeat([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), depth)); err != nil {
					return nil, err
				}
				var out []string
				for range depth {
					resp, err := http.ReadResponse(r, nil)
					if err != nil {
						return nil, err
					}
					b, err := io.ReadAll(resp.Body)
					resp.Body.Close()
					if err != nil || resp.StatusCode != 200 {
						return nil, fmt.Errorf("%d %q %v", resp.StatusCode, b, err)
					}
					out = append(out, string(b))
				}
				return out, nil
			}
			dial := func() (net.Conn, *bufio.Reader) {
				c, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { c.Close() })
				return c, bufio.NewReader(c)
			}
			for i, depth := range []int{1, 1, 4} {
				c, r := dial()
				wg.Go(func() {
					for !stop.Load() {
						got, err := get(c, r, depth)
						if err != nil {
							failures.Add(1)
							t.Errorf("client %d: %v", i, err)
							return
						}
						for _, b := range got {
							if b != bodyA && b != bodyB {
								failures.Add(1)
								t.Errorf("client %d: body %q", i, b)
							}
						}
						requests.Add(int64(depth))
					}
				})
			}
			checkC, checkR := dial()
			const reloads = 100
			for i := range reloads {
				n := (i + 1) % 2
				writeFile(t, wasm, builds[n])
				cmd.Process.Signal(syscall.SIGHUP)
				_, next = log.await(t, next, `msg="host: sites changed"`, "changes=1")
				got, err := get(checkC, checkR, 1)
				if err != nil || got[0] != bodies[n] {
					t.Fatalf("after reload %d: %q, %v; want %q", i, got, err, bodies[n])
				}
			}
			if _, n := log.await(t, 0, fmt.Sprintf(`msg="host: plugin swapped" site=s plugin=hello generation=%d`, reloads+1)); n == 0 {
				t.Fatal("unreachable")
			}

			// A config error: nothing changes, and the log says why.
			writeFile(t, cfgPath, []byte(site+"[site.limits]\ninstance = 3\n"))
			cmd.Process.Signal(syscall.SIGHUP)
			_, next = log.await(t, next, "sites not changed; the old ones keep serving", "wasmweb.toml:10", "site[0].limits.instance", "unknown key")
			if got, err := get(checkC, checkR, 1); err != nil || got[0] != bodyA {
				t.Fatalf("after a refused reload: %q, %v", got, err)
			}
			var out, errOut bytes.Buffer
			if code := run([]string{"reload", "--admin", admin}, &out, &errOut); code != 1 ||
				!strings.Contains(errOut.String(), "site[0].limits.instance") || !strings.Contains(errOut.String(), "old config") {
				t.Fatalf("wasmweb reload with a config error: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
			}

			// Fixed, with a second site: wasmweb reload adds it.
			writeFile(t, cfgPath, []byte(site+strings.Replace(strings.Replace(site, `"s"`, `"two"`, 1), `"*"`, `"two.test"`, 1)))
			out.Reset()
			errOut.Reset()
			if code := run([]string{"reload", "--admin", admin}, &out, &errOut); code != 0 ||
				!strings.Contains(out.String(), "site two: added") || !strings.Contains(out.String(), "reloaded: 1 changed, 1 unchanged") {
				t.Fatalf("wasmweb reload: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
			}
			log.await(t, next, `msg="host: site added" site=two`)

			stop.Store(true)
			wg.Wait()
			if failures.Load() != 0 || requests.Load() == 0 {
				t.Fatalf("%d requests, %d failed", requests.Load(), failures.Load())
			}
			cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("exit after SIGTERM: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("server did not stop after SIGTERM")
			}
			t.Logf("%d requests during %d reloads by SIGHUP", requests.Load(), reloads)
		})
	}
}

// TestReloadUsage: wasmweb reload's flags follow the other commands'.
func TestReloadUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		out  string // in stdout when code is 0, else stderr
	}{
		{[]string{"reload", "--help"}, 0, "Usage: wasmweb reload"},
		{[]string{"help", "reload"}, 0, "POST /v1/reload"},
		{[]string{"reload", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{[]string{"reload", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"reload", "--admin", "127.0.0.1:1"}, 1, "wasmweb reload:"},
	} {
		var out, errOut bytes.Buffer
		code := run(tc.args, &out, &errOut)
		where := out.String()
		if tc.code != 0 {
			where = errOut.String()
		}
		if code != tc.code || !strings.Contains(where, tc.out) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.args, code, out.String(), errOut.String(), tc.code, tc.out)
		}
	}
}
