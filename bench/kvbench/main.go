// Command kvbench measures key-value gets and sets through a guest, over
// HTTP on loopback to an in-process wasmweb whose plugin calls kv_get or
// kv_set, against the same operations on bbolt directly (a read
// transaction per get, a synced write transaction per set, as the host's
// store makes them). It prints ops/s and latency percentiles for each.
//
// Both sides run in this one process, clients and server on the same
// cores: the guest's figures include the HTTP exchange and the client.
//
//	go run ./kvbench -n 20000 -c 4 -value 100
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/wasmweb/wasmweb/cmd/wasmweb/build"
	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
)

func main() {
	var (
		n      = flag.Int("n", 20000, "gets per run (sets: n/10, each synced to disk)")
		conc   = flag.Int("c", 4, "concurrent clients")
		keys   = flag.Int("keys", 1000, "distinct keys")
		vsize  = flag.Int("value", 100, "value size in bytes")
		only   = flag.String("only", "", "run only \"guest\" or \"bbolt\"")
		guestD = flag.String("guest", "kvbench/guest", "the plugin's source directory")
	)
	flag.Parse()
	dir, err := os.MkdirTemp("", "kvbench")
	if err != nil {
		fatal(err)
	}
	defer os.RemoveAll(dir)
	value := bytes.Repeat([]byte("v"), *vsize)
	sets := max(*n/10, 1)

	fmt.Printf("%-6s %-4s %8s %12s %10s %10s %10s\n", "path", "op", "ops", "ops/s", "p50", "p99", "max")
	if *only != "bbolt" {
		base, stop := serve(*guestD, filepath.Join(dir, "guest"))
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conc, DisableCompression: true}}
		set := func(i int) error { return request(client, "POST", base+"/set/"+strconv.Itoa(i%*keys), value, 200) }
		get := func(i int) error { return request(client, "GET", base+"/get/"+strconv.Itoa(i%*keys), nil, 200) }
		for i := range *keys { // every key exists before the gets
			if err := set(i); err != nil {
				fatal(err)
			}
		}
		report("guest", "get", run(*n, *conc, get))
		report("guest", "set", run(sets, *conc, set))
		stop()
	}
	if *only != "guest" {
		db, err := bolt.Open(filepath.Join(dir, "direct.db"), 0o600, nil)
		if err != nil {
			fatal(err)
		}
		bucket := []byte("keys")
		db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucketIfNotExists(bucket); return err })
		set := func(i int) error {
			return db.Update(func(tx *bolt.Tx) error {
				b := tx.Bucket(bucket)
				seq, _ := b.NextSequence()
				rec := make([]byte, 16+len(value))
				rec[0] = byte(seq)
				copy(rec[16:], value)
				return b.Put([]byte("k/"+strconv.Itoa(i%*keys)), rec)
			})
		}
		get := func(i int) error {
			return db.View(func(tx *bolt.Tx) error {
				v := tx.Bucket(bucket).Get([]byte("k/" + strconv.Itoa(i%*keys)))
				if v == nil {
					return fmt.Errorf("key %d missing", i%*keys)
				}
				_ = bytes.Clone(v[16:])
				return nil
			})
		}
		for i := range *keys {
			if err := set(i); err != nil {
				fatal(err)
			}
		}
		report("bbolt", "get", run(*n, *conc, get))
		report("bbolt", "set", run(sets, *conc, set))
		db.Close()
	}
}

// serve builds the plugin and serves it from an in-process wasmweb with
// its data under dataDir; it returns the base URL and a stop function.
func serve(guestDir, dataDir string) (string, func()) {
	wasm, err := build.Ensure(context.Background(), guestDir, io.Discard)
	if err != nil {
		fatal(err)
	}
	site := config.Site{Name: "bench", Hosts: []string{"*"}, Plugins: map[string]string{"kv": wasm},
		Routes: []config.Route{
			{Path: "/get/{n}", Plugin: "kv", Handler: "get", Methods: []string{"GET"}},
			{Path: "/set/{n}", Plugin: "kv", Handler: "set", Methods: []string{"POST"}},
		}}
	engine, err := host.NewEngine("")
	if err != nil {
		fatal(err)
	}
	h, err := host.New(context.Background(), engine, config.Config{Server: config.Server{DataDir: dataDir}, Sites: []config.Site{site}},
		slog.New(slog.DiscardHandler))
	if err != nil {
		fatal(err)
	}
	tr, err := netloop.NewTransport("")
	if err != nil {
		fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fatal(err)
	}
	srv := netloop.NewServer(netloop.Config{}, h, tr)
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		h.Close(ctx)
	}
}

func request(c *http.Client, method, url string, body []byte, want int) error {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d", method, url, resp.StatusCode)
	}
	return nil
}

// result is one run: its operations' latencies and its duration.
type result struct {
	lat []time.Duration
	dur time.Duration
}

// run calls op n times from conc goroutines.
func run(n, conc int, op func(i int) error) result {
	var next atomic.Int64
	lats := make([][]time.Duration, conc)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conc {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t := time.Now()
				if err := op(i); err != nil {
					fatal(err)
				}
				lats[w] = append(lats[w], time.Since(t))
			}
		})
	}
	wg.Wait()
	return result{lat: slices.Concat(lats...), dur: time.Since(start)}
}

func report(path, op string, r result) {
	slices.Sort(r.lat)
	pct := func(p float64) time.Duration { return r.lat[min(len(r.lat)-1, int(p*float64(len(r.lat))))] }
	fmt.Printf("%-6s %-4s %8d %12.0f %10v %10v %10v\n", path, op, len(r.lat), float64(len(r.lat))/r.dur.Seconds(),
		pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), r.lat[len(r.lat)-1].Round(time.Microsecond))
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "kvbench:", err)
	os.Exit(1)
}
