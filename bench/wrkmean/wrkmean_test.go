// Package wrkmean tests bench/wrk-mean.lua, the wrk script whose mean
// latency bench/sweep.sh's "at server" column is computed from.
package wrkmean

import (
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// A run whose requests are mostly quick, with a tail far above the
// connections' cycle: wrk's own mean then counts the requests its
// coordinated-omission correction makes up, and times the rate it
// exceeds the connections, which Little's law forbids. wrk-mean.lua's
// mean is the completed requests': it cannot be below the time the
// server spent on them, and times the rate over the connections it is
// at most 1.
func TestMeanIsTheCompletedRequests(t *testing.T) {
	wrk, err := exec.LookPath("wrk")
	if err != nil {
		t.Skip("wrk is not installed")
	}
	var n, spent atomic.Int64
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if n.Add(1)%40 == 0 {
			time.Sleep(60 * time.Millisecond)
		}
		w.Write([]byte("ok"))
		spent.Add(int64(time.Since(start)))
	})}
	go srv.Serve(ln)
	defer srv.Close()

	const conns = 20
	cmd := exec.Command(wrk, "-t1", "-c"+strconv.Itoa(conns), "-d2s", "--latency", "-s", "../wrk-mean.lua", "http://"+ln.Addr().String()+"/")
	cmd.Env = append(cmd.Environ(), "WRK_CONNECTIONS="+strconv.Itoa(conns))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("wrk: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`(?m)^requests' mean latency: ([0-9.]+) us$`).FindSubmatch(out)
	r := regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)$`).FindSubmatch(out)
	if m == nil || r == nil {
		t.Fatalf("no mean or rate in wrk's output:\n%s", out)
	}
	mean, _ := strconv.ParseFloat(string(m[1]), 64)
	rps, _ := strconv.ParseFloat(string(r[1]), 64)
	served := float64(spent.Load()) / float64(n.Load()) / 1e3 // µs
	if mean < 0.9*served {
		t.Errorf("mean %.1f µs, below the %.1f µs the server spent on a request\n%s", mean, served, out)
	}
	if share := mean / 1e6 * rps / conns; share > 1.05 {
		t.Errorf("mean %.1f µs × %.0f req/s ÷ %d connections = %.2f, more than every connection\n%s", mean, rps, conns, share, out)
	}
}
