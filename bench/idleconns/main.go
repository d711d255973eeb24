// Command idleconns measures how much resident memory a server adds per idle
// keep-alive connection.
//
// It reads the server's VmRSS and thread count from /proc/PID/status, opens N
// TCP connections to it (spreading source addresses over 127.0.0.1..127.0.0.x
// so that ephemeral ports never run short), sends one "GET /" on each and
// reads the whole response (so the server has fully set the connection up),
// then leaves them idle and waits until the server's RSS has been stable for a
// while. It then checks that every connection is still open (a non-blocking
// MSG_PEEK on all N, and one more request on a sample), prints one
// machine-readable line and closes everything.
//
//	idleconns -addr 127.0.0.1:8080 -pid 1234 -n 10000
//
// Output (one line on stdout; progress goes to stderr):
//
//	conns=10000 rss_before_kib=... rss_after_kib=... per_conn_bytes=... ...
//
// The exit status is non-zero if a connection could not be opened, if the
// server closed any of them, or if a sampled request failed.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "server address host:port")
	n := flag.Int("n", 10000, "number of keep-alive connections to open and hold")
	pid := flag.Int("pid", 0, "server process id whose /proc/PID/status is read (required)")
	srcIPs := flag.Int("srcips", 16, "spread source addresses over 127.0.0.1..127.0.0.x (x = this value; 0 = let the kernel choose)")
	par := flag.Int("par", 64, "connections set up concurrently")
	path := flag.String("path", "/", "request path")
	stable := flag.Duration("stable", 2*time.Second, "RSS must stay within -tolerance for this long")
	tolerance := flag.Int("tolerance", 64, "KiB of RSS movement still counted as stable")
	timeout := flag.Duration("timeout", 30*time.Second, "upper bound on each wait for a stable RSS")
	sample := flag.Int("sample", 100, "connections that get one more request at the end")
	warmup := flag.Int("warmup", 1, "requests sent on a throw-away connection before the baseline is read (0 = none)")
	hold := flag.Duration("hold", 0, "keep the idle connections open this long after the measurement (for profiling the server)")
	flag.Parse()

	if *pid <= 0 {
		fatalf("-pid is required")
	}
	if *n <= 0 {
		fatalf("-n must be positive")
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		fatalf("bad -addr: %v", err)
	}
	raiseNoFile(*n)

	statusPath := fmt.Sprintf("/proc/%d/status", *pid)
	if _, err := readStatus(statusPath); err != nil {
		fatalf("%v", err)
	}

	// Warm-up: one-time, lazily initialised state (first request, pools,
	// compiled code) is not a per-connection cost.
	if *warmup > 0 {
		c, err := net.DialTimeout("tcp", *addr, 5*time.Second)
		if err != nil {
			fatalf("warm-up dial: %v", err)
		}
		br := bufio.NewReader(c)
		for i := 0; i < *warmup; i++ {
			if err := roundTrip(c, br, host, *path); err != nil {
				fatalf("warm-up request: %v", err)
			}
		}
		c.Close()
		time.Sleep(200 * time.Millisecond)
	}

	before, beforeStable := waitStable(statusPath, *stable, *timeout, *tolerance)
	logf("baseline: rss=%d KiB threads=%d (stable=%v)", before.rssKiB, before.threads, beforeStable)

	conns := make([]net.Conn, *n)
	var (
		next     atomic.Int64
		failures atomic.Int64
		firstErr atomic.Value
		wg       sync.WaitGroup
	)
	start := time.Now()
	for w := 0; w < *par; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var br *bufio.Reader
			for {
				i := int(next.Add(1) - 1)
				if i >= *n {
					return
				}
				c, err := dial(*addr, i, *srcIPs)
				if err == nil {
					if br == nil {
						br = bufio.NewReaderSize(c, 4096)
					} else {
						br.Reset(c)
					}
					err = roundTrip(c, br, host, *path)
					if err == nil && br.Buffered() > 0 {
						err = fmt.Errorf("%d unexpected bytes after the response", br.Buffered())
					}
					if err != nil {
						c.Close()
					}
				}
				if err != nil {
					if failures.Add(1) == 1 {
						firstErr.Store(fmt.Errorf("connection %d: %w", i, err))
					}
					continue
				}
				conns[i] = c
			}
		}()
	}
	wg.Wait()
	if f := failures.Load(); f > 0 {
		fatalf("%d of %d connections failed; first: %v", f, *n, firstErr.Load())
	}
	setup := time.Since(start)
	logf("opened %d connections and made one request on each in %v", *n, setup.Round(time.Millisecond))

	after, afterStable := waitStable(statusPath, *stable, *timeout, *tolerance)
	logf("idle: rss=%d KiB threads=%d (stable=%v)", after.rssKiB, after.threads, afterStable)

	if *hold > 0 {
		logf("holding the connections for %v", *hold)
		time.Sleep(*hold)
	}

	// Are all N still open? A non-blocking MSG_PEEK distinguishes "open and
	// idle" (EAGAIN) from "closed by the server" (0 bytes / ECONNRESET).
	open, closed, chatty := 0, 0, 0
	for _, c := range conns {
		switch peek(c) {
		case peekOpen:
			open++
		case peekClosed:
			closed++
		case peekData:
			chatty++
		}
	}
	// One more request on a sample, spread evenly over all N.
	s := *sample
	if s > *n {
		s = *n
	}
	sampleOK := 0
	var sampleErr error
	br := bufio.NewReaderSize(nil, 4096)
	for k := 0; k < s; k++ {
		c := conns[k**n/s]
		br.Reset(c)
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if err := roundTrip(c, br, host, *path); err != nil {
			if sampleErr == nil {
				sampleErr = err
			}
			continue
		}
		sampleOK++
	}
	for _, c := range conns {
		c.Close()
	}

	delta := after.rssKiB - before.rssKiB
	perConn := float64(delta) * 1024 / float64(*n)
	fmt.Printf("conns=%d rss_before_kib=%d rss_after_kib=%d rss_added_kib=%d per_conn_bytes=%.0f threads_before=%d threads_after=%d stable=%v open=%d/%d sample_ok=%d/%d setup_ms=%d\n",
		*n, before.rssKiB, after.rssKiB, delta, perConn, before.threads, after.threads,
		beforeStable && afterStable, open, *n, sampleOK, s, setup.Milliseconds())

	if closed > 0 || chatty > 0 || sampleOK != s {
		fatalf("connections not intact: %d closed by the server, %d with unexpected data, %d/%d sampled requests ok (first error: %v)",
			closed, chatty, sampleOK, s, sampleErr)
	}
}

// dial opens connection i, binding it to source address 127.0.0.(1 + i%srcIPs)
// when srcIPs > 0 and the target is on loopback.
func dial(addr string, i, srcIPs int) (net.Conn, error) {
	d := net.Dialer{Timeout: 10 * time.Second}
	if srcIPs > 0 {
		if ip, _, _ := net.SplitHostPort(addr); net.ParseIP(ip).IsLoopback() && net.ParseIP(ip).To4() != nil {
			d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i%srcIPs))}
		}
	}
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		var c net.Conn
		c, err = d.Dial("tcp", addr)
		if err == nil {
			return c, nil
		}
		// A full accept queue can make a SYN time out or be refused for a
		// moment; try again shortly.
		time.Sleep(time.Duration(50<<attempt) * time.Millisecond)
	}
	return nil, err
}

// roundTrip sends one GET and reads the whole response from br.
func roundTrip(c net.Conn, br *bufio.Reader, host, path string) error {
	c.SetDeadline(time.Now().Add(10 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: "+host+"\r\nUser-Agent: idleconns\r\n\r\n"); err != nil {
		return err
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	if resp.Close {
		return errors.New("server asked to close the connection")
	}
	return nil
}

const (
	peekOpen = iota
	peekClosed
	peekData
)

func peek(c net.Conn) int {
	sc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return peekClosed
	}
	var buf [1]byte
	state := peekClosed
	sc.Read(func(fd uintptr) bool {
		n, _, err := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case err == syscall.EAGAIN:
			state = peekOpen
		case err != nil || n == 0:
			state = peekClosed
		default:
			state = peekData
		}
		return true // never wait
	})
	return state
}

type procStatus struct {
	rssKiB  int64
	threads int64
}

func readStatus(path string) (procStatus, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return procStatus{}, err
	}
	var st procStatus
	found := 0
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		switch k {
		case "VmRSS":
			st.rssKiB, err = strconv.ParseInt(f[0], 10, 64)
			found++
		case "Threads":
			st.threads, err = strconv.ParseInt(f[0], 10, 64)
			found++
		}
		if err != nil {
			return procStatus{}, fmt.Errorf("%s: %v", path, err)
		}
	}
	if found != 2 {
		return procStatus{}, fmt.Errorf("%s: VmRSS or Threads missing", path)
	}
	return st, nil
}

// waitStable polls path until VmRSS has stayed within tolerance KiB for the
// whole window, or until timeout. It returns the last reading and whether it
// was stable.
func waitStable(path string, window, timeout time.Duration, tolerance int) (procStatus, bool) {
	const tick = 100 * time.Millisecond
	deadline := time.Now().Add(timeout)
	st, err := readStatus(path)
	if err != nil {
		fatalf("%v", err)
	}
	lo, hi := st.rssKiB, st.rssKiB
	since := time.Now()
	for {
		if time.Since(since) >= window {
			return st, true
		}
		if time.Now().After(deadline) {
			return st, false
		}
		time.Sleep(tick)
		st, err = readStatus(path)
		if err != nil {
			fatalf("%v", err)
		}
		lo, hi = min(lo, st.rssKiB), max(hi, st.rssKiB)
		if hi-lo > int64(tolerance) {
			lo, hi = st.rssKiB, st.rssKiB
			since = time.Now()
		}
	}
}

// raiseNoFile lifts the soft RLIMIT_NOFILE to the hard limit.
func raiseNoFile(n int) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		fatalf("getrlimit: %v", err)
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			fatalf("setrlimit: %v", err)
		}
	}
	if uint64(n)+64 > rl.Cur {
		fatalf("-n %d needs more file descriptors than the limit %d allows", n, rl.Cur)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "idleconns: "+format+"\n", args...)
}

func fatalf(format string, args ...any) {
	logf(format, args...)
	os.Exit(1)
}
