package abikit_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	abikit "github.com/wasmweb/wasmweb/conformance/abi"
	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/netloop"

	// The guest's handlers, registered natively for the sdktest run.
	_ "github.com/wasmweb/wasmweb/conformance/abi/guest/handlers"
	"github.com/wasmweb/wasmweb/host/config"
)

const configFile = "wasmweb.conformance.toml"

// buildGuest builds the guest in dir for wasip1 into out.
func buildGuest(t *testing.T, dir, out string) {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	cmd := exec.Command(gobin, "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = dir
	// GOFLAGS could hold -race, which wasip1 lacks.
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the guest: %v\n%s", err, b)
	}
}

// server is wasmweb serving the conformance config in this process.
type server struct {
	h     *host.Host
	cfg   config.Config
	rec   *abikit.LogRecorder
	bases map[string]string // transport name → base URL
}

// startServer loads wasmweb.conformance.toml, building the guest where
// it names the guest's directory, and serves it over each transport.
func startServer(t *testing.T) *server {
	src, err := os.ReadFile(configFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse(configFile, src, ".")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Server.DataDir = t.TempDir() // the sites' key-value stores
	wasm := filepath.Join(t.TempDir(), "abi.wasm")
	var once sync.Once
	start := time.Now()
	if err := cfg.BuildPlugins(func(dir string) (string, error) {
		once.Do(func() { buildGuest(t, dir, wasm) })
		return wasm, nil
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("guest built in %v", time.Since(start).Round(time.Millisecond))
	engine, err := host.NewEngine("")
	if err != nil {
		t.Fatal(err)
	}
	// A route naming a handler the guest does not register (here the
	// plugin's name, for want of a handler key) is refused at load, with
	// the file, line and key (ABI.md section 4).
	unregistered := "\n[[site.route]]\npath = \"/abi/unregistered\"\nplugin = \"abi\"\n"
	bad, err := config.Parse(configFile, append(src, unregistered...), ".")
	if err != nil {
		t.Fatal(err)
	}
	if err := bad.BuildPlugins(func(string) (string, error) { return wasm, nil }); err != nil {
		t.Fatal(err)
	}
	line := bytes.Count(src, []byte("\n")) + 2
	if h, err := host.New(context.Background(), engine, bad, slog.New(abikit.NewLogRecorder())); err == nil {
		h.Close(context.Background())
		t.Error("a route naming a handler the guest lacks loaded")
	} else if want := fmt.Sprintf("%s:%d: key site[", configFile, line); !strings.Contains(err.Error(), want) ||
		!strings.Contains(err.Error(), `].handler: plugin "abi" registers no handler "abi"; it has "args", `) {
		t.Errorf("loading a route naming a handler the guest lacks: %v; want %s...].handler and the handlers", err, want)
	}
	// A first host on the same engine initializes the guest and takes its
	// snapshot; the host under test then makes every instance from it
	// (checked by checkSnapshots), so the kit runs against snapshot-made
	// instances. The guest's lines from _initialize are logged then,
	// once, into the recorder the log cases read.
	rec := abikit.NewLogRecorder()
	primer, err := host.New(context.Background(), engine, cfg, slog.New(rec))
	if err != nil {
		engine.Close()
		t.Fatal(err)
	}
	// Where the snapshots have images (Linux), the primer's second site
	// of a module starts compiling it without data segments, in the
	// background; the host under test waits for that, so that the
	// instances the kit runs on are the images mapped.
	waitImages(t, primer, cfg)
	start = time.Now()
	h, err := host.New(context.Background(), engine, cfg, slog.New(rec))
	if err != nil {
		primer.Close(context.Background())
		engine.Close()
		t.Fatal(err)
	}
	t.Logf("host loaded in %v", time.Since(start).Round(time.Millisecond))
	t.Cleanup(func() {
		h.Close(context.Background())
		primer.Close(context.Background())
		engine.Close()
	})
	s := &server{h: h, cfg: cfg, rec: rec, bases: map[string]string{}}
	np, err := netloop.NewNetpollTransport()
	if err != nil {
		t.Logf("netpoll transport: %v", err)
	}
	for _, tr := range []netloop.Transport{netloop.NewStdTransport(), np} {
		if tr == nil || (tr.Name() == "netpoll" && !netloop.NetpollSupported) {
			continue
		}
		srv := netloop.NewServer(cfg.Server.NetloopConfig(), h, tr)
		srv.SetLogger(slog.New(rec))
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- srv.Serve(ln) }()
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			srv.Shutdown(ctx)
			select {
			case err := <-done:
				if err != nil && !errors.Is(err, netloop.ErrServerClosed) {
					t.Errorf("%s: Serve: %v", tr.Name(), err)
				}
			case <-time.After(10 * time.Second):
				t.Errorf("%s: Serve has not returned 10 s after Shutdown", tr.Name())
			}
		})
		s.bases[tr.Name()] = "http://" + ln.Addr().String()
	}
	return s
}

func TestConformance(t *testing.T) {
	s := startServer(t)
	for _, name := range []string{"std", "netpoll"} {
		base, ok := s.bases[name]
		if !ok {
			t.Run(name, func(t *testing.T) { t.Skip("transport not supported here") })
			continue
		}
		t.Run(name, func(t *testing.T) {
			client := &http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second}
			defer client.CloseIdleConnections()
			abikit.Run(t, base, client)
		})
	}
	t.Run("logs", func(t *testing.T) {
		abikit.RunLogs(t, s.bases["std"], &http.Client{Timeout: 30 * time.Second}, s.rec)
	})
	t.Run("sdktest", func(t *testing.T) { sameAsSDKTest(t, s.bases["std"]) })
	t.Run("sdktest-kv", func(t *testing.T) { kvSameAsSDKTest(t, s.bases["std"]) })
	checkSnapshots(t, s)
	for _, r := range s.rec.Records() {
		if strings.Contains(strings.ToLower(r.Message), "netloop: handler panic") {
			t.Errorf("the host panicked: %s %v", r.Message, r.Attrs)
		}
	}
}

// waitImages waits, up to two minutes, until no plugin of h says its
// snapshot-made instances wait for a module being compiled.
func waitImages(t *testing.T, h *host.Host, cfg config.Config) {
	limit := time.Now().Add(2 * time.Minute)
	for _, site := range cfg.Sites {
		for name := range site.Plugins {
			for {
				st, ok := h.InstanceStats(site.Name, name)
				if !ok || !strings.Contains(st.NoImage, "being compiled") {
					break
				}
				if time.Now().After(limit) {
					t.Fatalf("site %s plugin %s: %s after two minutes", site.Name, name, st.NoImage)
				}
				time.Sleep(10 * time.Millisecond)
			}
		}
	}
}

// checkSnapshots checks that every instance that served the kit was made
// from the snapshot the primer host took, none initialized, and, on
// Linux, from its image, with nothing copied into its memory.
func checkSnapshots(t *testing.T, s *server) {
	var made int64
	for _, site := range s.cfg.Sites {
		for name := range site.Plugins {
			st, ok := s.h.InstanceStats(site.Name, name)
			if !ok {
				t.Fatalf("no plugin %s in site %s", name, site.Name)
			}
			if st.Made != st.FromSnapshot || st.NoSnapshot != "" {
				t.Errorf("site %s plugin %s: %d instances made, %d from the snapshot (%q); want all from it",
					site.Name, name, st.Made, st.FromSnapshot, st.NoSnapshot)
			}
			if runtime.GOOS == "linux" && (st.FromImage != st.Made || st.NoImage != "") {
				t.Errorf("site %s plugin %s: %d instances made, %d from the snapshot's image (%q); want all from it",
					site.Name, name, st.Made, st.FromImage, st.NoImage)
			}
			made += st.Made
		}
	}
	if made == 0 {
		t.Error("no instance was made: the kit ran on none")
	}
	t.Logf("the kit ran on %d snapshot-made instances", made)
}

// rawExchange sends wire on a new connection to base and returns the
// response's status, header and body.
func rawExchange(t *testing.T, base, wire string) (int, http.Header, []byte) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	io.WriteString(conn, wire)
	out, _ := io.ReadAll(conn)
	method, _, _ := strings.Cut(wire, " ")
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, body
}
