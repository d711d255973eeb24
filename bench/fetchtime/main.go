// Command fetchtime measures a guest's fetch against net/http's client
// calling the same local upstream directly. It starts, in one process, an
// upstream (net/http, a body of -size bytes at /data) and a wasmweb host
// serving the plugin in ./guest on the std transport, then times -n
// requests on each of -c keep-alive clients, one after the other per
// client, of three kinds:
//
//	direct:  net/http client → upstream /data
//	hello:   net/http client → wasmweb → guest answers without fetching
//	fetch:   net/http client → wasmweb → guest fetches upstream /data → answers it
//
// so that fetch − hello is what the guest's fetch costs, next to direct.
// It prints one Markdown table row per kind: requests per second, p50
// and p99. Run it from bench/: go run ./fetchtime -n 5000 -c 1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wasmweb/wasmweb/cmd/wasmweb/build"
	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
)

func main() {
	n := flag.Int("n", 5000, "requests per client and kind")
	conc := flag.Int("c", 1, "concurrent clients")
	size := flag.Int("size", 1024, "upstream body bytes")
	flag.Parse()

	body := strings.Repeat("x", *size)
	upLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go http.Serve(upLn, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }))
	upstream := "http://" + upLn.Addr().String()

	dir, _ := filepath.Abs("fetchtime/guest")
	wasm, err := build.Ensure(context.Background(), dir, os.Stderr)
	if err != nil {
		log.Fatal(err)
	}
	src := fmt.Sprintf(`
[[site]]
name = "fetchtime"
hosts = ["*"]
[site.limits]
instances = %[3]d
warm_instances = %[3]d
route_instances = %[3]d
[site.vars]
upstream = "%[1]s/data"
[site.outbound]
allow = [%[1]q]
max_concurrent = %[3]d
[site.plugins]
g = %[2]q
[[site.route]]
path = "/fetch"
plugin = "g"
handler = "fetch"
[[site.route]]
path = "/hello"
plugin = "g"
handler = "hello"
`, upstream, wasm, max(*conc, 2))
	cfg, err := config.Parse("fetchtime.toml", []byte(src), ".")
	if err != nil {
		log.Fatal(err)
	}
	engine, err := host.NewEngine("")
	if err != nil {
		log.Fatal(err)
	}
	h, err := host.New(context.Background(), engine, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		log.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := netloop.NewServer(cfg.Server.NetloopConfig(), h, netloop.NewStdTransport())
	go srv.Serve(ln)
	base := "http://" + ln.Addr().String()

	fmt.Printf("| kind (%d B body, %d client(s) × %d) | req/s | p50 | p99 |\n|---|---:|---:|---:|\n", *size, *conc, *n)
	for _, k := range []struct{ name, url string }{
		{"direct: net/http client → upstream", upstream + "/data"},
		{"hello: client → wasmweb guest, no fetch", base + "/hello"},
		{"fetch: client → wasmweb guest → fetch upstream", base + "/fetch"},
	} {
		rate, p50, p99 := measure(k.url, *n, *conc)
		fmt.Printf("| %s | %.0f | %v | %v |\n", k.name, rate, p50.Round(time.Microsecond), p99.Round(time.Microsecond))
	}
	srv.Shutdown(context.Background())
	h.Close(context.Background())
}

// measure makes n GETs of url on each of conc keep-alive clients, after
// a warm-up, and returns the requests per second and the p50 and p99.
func measure(url string, n, conc int) (float64, time.Duration, time.Duration) {
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			get := func() time.Duration {
				t0 := time.Now()
				resp, err := c.Get(url)
				if err != nil {
					log.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					log.Fatalf("%s: %d", url, resp.StatusCode)
				}
				return time.Since(t0)
			}
			for range 200 {
				get()
			}
			ds := make([]time.Duration, n)
			for i := range ds {
				ds[i] = get()
			}
			mu.Lock()
			all = append(all, ds...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(all)
	return float64(len(all)) / elapsed.Seconds(), all[len(all)/2], all[len(all)*99/100]
}
