// Command tenants measures a wasmweb server of many tenants' sites, each
// with its own host name and the same plugin: how long the server takes
// to answer on every site, its RSS then and once idle, and the latency
// of the first request to an idle tenant (a cold start: its instance is
// made from the snapshot) against a warm one's.
//
//	tenants -bin bin/wasmweb -wasm hello.wasm -sites 1000 density
//	tenants -bin bin/wasmweb -wasm hello.wasm -sites 200 coldstart
//
// The server runs with the compilation cache -cache; a first start
// (not measured) fills it, so the figures are those of a warm cache.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/wasmweb", "the wasmweb `binary`")
	wasm := flag.String("wasm", "", "the hello plugin's `.wasm`")
	sites := flag.Int("sites", 100, "how many sites")
	cache := flag.String("cache", filepath.Join(os.TempDir(), "wasmweb-tenants-cache"), "compilation cache `dir`")
	port := flag.Int("port", 18480, "the server's port")
	idle := flag.Duration("idle", 2*time.Second, "instance_idle_timeout of every site")
	extra := flag.String("limits", "", "more [site.limits] lines, ; separated")
	flag.Parse()
	if *wasm == "" || flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: tenants -wasm hello.wasm [-sites N] density|coldstart")
		os.Exit(2)
	}
	dir, err := os.MkdirTemp("", "tenants")
	check(err)
	defer os.RemoveAll(dir)
	abs, err := filepath.Abs(*wasm)
	check(err)
	conf := filepath.Join(dir, "tenants.toml")
	check(os.WriteFile(conf, []byte(config(*sites, abs, *port, *idle, *extra)), 0o644))
	// Fill the compilation cache.
	s := start(*bin, conf, *cache)
	awaitAll(*port, *sites)
	s.stop()
	switch flag.Arg(0) {
	case "density":
		density(*bin, conf, *cache, *port, *sites, *idle)
	case "coldstart":
		coldstart(*bin, conf, *cache, *port, *sites, *idle)
	default:
		fmt.Fprintln(os.Stderr, "tenants: want density or coldstart")
		os.Exit(2)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "tenants:", err)
		os.Exit(1)
	}
}

func host(i int) string { return fmt.Sprintf("t%04d.tenants.test", i) }

func config(n int, wasm string, port int, idle time.Duration, extra string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[server]\nlisten = \"127.0.0.1:%d\"\n\n", port)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "[[site]]\nname = \"t%04d\"\nhosts = [%q]\n[site.limits]\n", i, host(i))
		if idle > 0 { // 0: a build without the key
			fmt.Fprintf(&b, "instance_idle_timeout = %q\n", idle.String())
		}
		for _, l := range strings.Split(extra, ";") {
			if l = strings.TrimSpace(l); l != "" {
				b.WriteString(l + "\n")
			}
		}
		fmt.Fprintf(&b, "[site.plugins]\nhello = %q\n[[site.route]]\npath = \"/\"\nplugin = \"hello\"\n\n", wasm)
	}
	return b.String()
}

type server struct {
	cmd   *exec.Cmd
	start time.Time
	log   lockedBuffer // the server's log
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// loaded returns how long the server said its sites took to load.
func (s *server) loaded() string {
	s.log.mu.Lock()
	defer s.log.mu.Unlock()
	for _, line := range strings.Split(s.log.b.String(), "\n") {
		if strings.Contains(line, "wasmweb: loaded") {
			if _, in, ok := strings.Cut(line, " in="); ok {
				return strings.Fields(in)[0]
			}
		}
	}
	return "?"
}

func start(bin, conf, cache string) *server {
	cmd := exec.Command(bin, "serve", "--config", conf, "--cache-dir", cache)
	s := &server{cmd: cmd, start: time.Now()}
	cmd.Stdout, cmd.Stderr = io.Discard, &s.log
	check(cmd.Start())
	return s
}

func (s *server) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	s.cmd.Wait()
}

// rss returns the server's resident set in bytes.
func (s *server) rss() int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	check(err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

var client = &http.Client{Transport: &http.Transport{
	MaxIdleConnsPerHost: 64,
	DialContext:         (&net.Dialer{Timeout: time.Second}).DialContext,
}, Timeout: 10 * time.Second}

// get asks site i for / and returns the latency of a 200 answer.
func get(port, i int) (time.Duration, error) {
	req, _ := http.NewRequest("GET", fmt.Sprintf("http://127.0.0.1:%d/", port), nil)
	req.Host = host(i)
	t := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(t)
	if resp.StatusCode != 200 || string(body) != "Hello, world" {
		return 0, fmt.Errorf("site %d: %d %q", i, resp.StatusCode, body)
	}
	return took, nil
}

// awaitAll waits until every site has answered 200 once, and returns
// when the first one did.
func awaitAll(port, n int) time.Time {
	deadline := time.Now().Add(5 * time.Minute)
	var first time.Time
	for {
		if _, err := get(port, 0); err == nil {
			first = time.Now()
			break
		}
		if time.Now().After(deadline) {
			check(fmt.Errorf("no answer in 5 minutes"))
		}
		time.Sleep(5 * time.Millisecond)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	work := make(chan int)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				if _, err := get(port, i); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		check(err)
	}
	return first
}

func density(bin, conf, cache string, port, n int, idle time.Duration) {
	s := start(bin, conf, cache)
	defer s.stop()
	first := awaitAll(port, n)
	ready := time.Since(s.start)
	atReady := s.rss()
	// Every instance reaped (with -idle 0, a build that keeps them: the
	// same wait); Go gives freed heap back to the system in the
	// background.
	time.Sleep(2*idle + 4*time.Second)
	idleRSS := s.rss()
	awaitAll(port, n) // every site answers again, from zero instances
	fmt.Printf("sites=%d loaded_in=%s first_answered_s=%.2f all_answered_s=%.2f rss_ready_mib=%.0f rss_idle_mib=%.0f rss_idle_per_site_kib=%.0f answered=%d\n",
		n, s.loaded(), first.Sub(s.start).Seconds(), ready.Seconds(), float64(atReady)/(1<<20), float64(idleRSS)/(1<<20), float64(idleRSS)/float64(n)/1024, n)
}

func coldstart(bin, conf, cache string, port, n int, idle time.Duration) {
	s := start(bin, conf, cache)
	defer s.stop()
	awaitAll(port, n)
	time.Sleep(2*idle + time.Second) // every instance reaped: every tenant idle
	var cold, warm, extra []time.Duration
	for i := 0; i < n; i++ {
		c, err := get(port, i)
		check(err)
		w, err := get(port, i)
		check(err)
		cold, warm, extra = append(cold, c), append(warm, w), append(extra, c-w)
	}
	fmt.Printf("tenants=%d cold_p50_us=%d cold_p99_us=%d warm_p50_us=%d warm_p99_us=%d extra_p50_us=%d extra_p99_us=%d\n",
		n, pct(cold, 50), pct(cold, 99), pct(warm, 50), pct(warm, 99), pct(extra, 50), pct(extra, 99))
}

func pct(d []time.Duration, p int) int64 {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))].Microseconds()
}
