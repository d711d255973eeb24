// Command swaptime swaps wasmweb's hello plugin through the admin API
// (PUT /v1/sites/SITE/plugins/hello), alternating two builds that answer
// GET / with "Hello, world" and "Hello, World": the .wasm given, and a
// copy with that one letter changed.
//
// By default it makes -n swaps one after the other and measures each
// from just before the PUT is sent to the first answer to GET / (polled
// on one keep-alive connection while the PUT is in flight) that carries
// the new build's body; it prints one line per swap and a summary line
// with the percentiles of that time and of the server's load_ms and
// total_ms. With -fresh each timed swap puts a build never seen before
// (its body "Hello, " and five random letters), so that the server
// compiles it rather than finding it in its compilation cache. With
// -every it swaps once per interval for -for instead
// (load next to a throughput run) and prints how many swaps were done
// and how many refused.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"
)

const (
	bodyA = "Hello, world"
	bodyB = "Hello, World"
)

func main() {
	var (
		wasmPath = flag.String("wasm", "plugins/hello/hello.wasm", "the hello plugin's module")
		url      = flag.String("url", "http://127.0.0.1:8888/", "the URL hello answers")
		admin    = flag.String("admin", "http://127.0.0.1:9090/v1/sites/demo/plugins/hello", "the admin API's URL for the plugin")
		n        = flag.Int("n", 100, "swaps to time")
		timeout  = flag.Duration("timeout", 30*time.Second, "the longest a swap may take to show")
		fresh    = flag.Bool("fresh", false, "time swaps to builds never seen before instead of alternating two")
		every    = flag.Duration("every", 0, "swap once per this interval, for -for, instead of timing swaps")
		dur      = flag.Duration("for", 10*time.Second, "with -every: how long to keep swapping")
	)
	flag.Parse()
	a, err := os.ReadFile(*wasmPath)
	if err != nil {
		fatal(err)
	}
	if len(bodyA) != len(bodyB) || bytes.Count(a, []byte(bodyA)) != 1 {
		fatal(fmt.Errorf("%s: %q must occur exactly once", *wasmPath, bodyA))
	}
	b := bytes.Replace(a, []byte(bodyA), []byte(bodyB), 1)
	builds := [2][]byte{a, b}
	bodies := [2]string{bodyA, bodyB}

	admins := &http.Client{Timeout: 2 * *timeout}
	if *every > 0 {
		loop(admins, *admin, builds, *every, *dur)
		return
	}

	// One keep-alive connection for the polls.
	poll := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1, DisableCompression: true}}
	cur, err := get(poll, *url)
	if err != nil {
		fatal(err)
	}
	next := 0 // index of the build to put next: the one not serving
	switch cur {
	case bodyA:
		next = 1
	case bodyB:
	default:
		if *fresh && len(cur) == len(bodyA) && strings.HasPrefix(cur, "Hello, ") {
			break // an earlier -fresh run's build
		}
		fatal(fmt.Errorf("GET %s answered %q, neither build's body", *url, cur))
	}

	var shown, load, total []float64
	for i := range *n {
		want, wasm := bodies[next], builds[next]
		if *fresh {
			want = freshBody(cur)
			wasm = bytes.Replace(a, []byte(bodyA), []byte(want), 1)
		}
		done := make(chan putResult, 1)
		start := time.Now()
		go func() { done <- put(admins, *admin, wasm) }()
		var took time.Duration
		for {
			body, err := get(poll, *url)
			if err != nil {
				fatal(fmt.Errorf("swap %d: %w", i+1, err))
			}
			if body == want {
				took = time.Since(start)
				break
			}
			if body != cur {
				fatal(fmt.Errorf("swap %d: GET answered %q", i+1, body))
			}
			if time.Since(start) > *timeout {
				fatal(fmt.Errorf("swap %d: the new build did not show within %v", i+1, *timeout))
			}
		}
		r := <-done
		if r.err != nil {
			fatal(fmt.Errorf("swap %d: %w", i+1, r.err))
		}
		ms := float64(took.Microseconds()) / 1000
		fmt.Printf("swap=%d generation=%d shown_ms=%.3f load_ms=%.3f total_ms=%.3f\n", i+1, r.ans.Generation, ms, r.ans.LoadMS, r.ans.TotalMS)
		shown = append(shown, ms)
		load = append(load, r.ans.LoadMS)
		total = append(total, r.ans.TotalMS)
		next, cur = 1-next, want
	}
	fmt.Printf("summary swaps=%d shown_p50=%.3f shown_p99=%.3f shown_max=%.3f load_p50=%.3f load_p99=%.3f total_p50=%.3f total_p99=%.3f\n",
		len(shown), pct(shown, 50), pct(shown, 99), pct(shown, 100), pct(load, 50), pct(load, 99), pct(total, 50), pct(total, 99))
}

// loop PUTs the builds alternately once per interval for dur, each PUT
// started on the interval's tick (a PUT that takes longer delays the next
// one), and prints the count of swaps done (200) and refused (anything
// else).
func loop(c *http.Client, admin string, builds [2][]byte, every, dur time.Duration) {
	var done, refused int
	end := time.Now().Add(dur)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for i := 0; time.Now().Before(end); i++ {
		r := put(c, admin, builds[(i+1)%2])
		if r.err != nil {
			refused++
			fmt.Fprintf(os.Stderr, "swaptime: swap %d: %v\n", i+1, r.err)
		} else {
			done++
		}
		<-tick.C
	}
	fmt.Printf("done=%d refused=%d\n", done, refused)
}

// freshBody returns "Hello, " and five random lowercase letters, other
// than old.
func freshBody(old string) string {
	for {
		b := []byte("Hello, ")
		for range 5 {
			b = append(b, byte('a'+rand.IntN(26)))
		}
		if s := string(b); s != old && s != bodyA && s != bodyB {
			return s
		}
	}
}

type answer struct {
	Generation uint64  `json:"generation"`
	LoadMS     float64 `json:"load_ms"`
	TotalMS    float64 `json:"total_ms"`
}

type putResult struct {
	ans answer
	err error
}

func put(c *http.Client, admin string, wasm []byte) putResult {
	req, err := http.NewRequest(http.MethodPut, admin, bytes.NewReader(wasm))
	if err != nil {
		return putResult{err: err}
	}
	resp, err := c.Do(req)
	if err != nil {
		return putResult{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return putResult{err: err}
	}
	if resp.StatusCode != http.StatusOK {
		return putResult{err: fmt.Errorf("PUT answered %s: %s", resp.Status, bytes.TrimSpace(body))}
	}
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		return putResult{err: fmt.Errorf("PUT answer: %w", err)}
	}
	if a.Generation == 0 {
		return putResult{err: errors.New("PUT answer without a generation")}
	}
	return putResult{ans: a}
}

func get(c *http.Client, url string) (string, error) {
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s answered %s", url, resp.Status)
	}
	return string(body), nil
}

// pct is the p-th percentile of xs by the nearest-rank method (p = 100:
// the largest).
func pct(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	k := int(math.Ceil(float64(len(s))*p/100)) - 1
	return s[max(0, min(k, len(s)-1))]
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "swaptime:", err)
	os.Exit(1)
}
