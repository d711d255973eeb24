// Command longpoll measures a chat server's long polls: the resident
// memory N parked waiters add, and how long one published message takes
// to reach all of them.
//
// It speaks the HTTP API of Tornado's chat demo, which wasmweb's chat
// plugin and bench/peers/tornado/chat.py both serve:
//
//	POST /a/message/new      body=...&_xsrf=...   -> {"id": ..., ...}
//	POST /a/message/updates  cursor=...&_xsrf=... -> {"messages": [...]} once newer exist
//
// Steps: post one message to learn the current cursor; read the server's
// VmRSS; open N connections (source addresses spread over 127.0.0.x) that
// each post an update request with that cursor; wait until the RSS is
// stable; read it again; post one message and time each waiter's answer
// from the moment the publish's request is sent to when the answer's
// first bytes can be read (a loop that polls every socket with epoll
// without blocking, on a core of the client's own).
//
//	longpoll -addr 127.0.0.1:8888 -pid 1234 -n 10000
//
// Output: one machine-readable line on stdout, progress on stderr.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
	"unsafe"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8888", "server address")
	n := flag.Int("n", 10000, "parked waiters to hold")
	pid := flag.Int("pid", 0, "server process id (for VmRSS)")
	srcIPs := flag.Int("srcips", 16, "spread source addresses over 127.0.0.1..127.0.0.x")
	par := flag.Int("par", 64, "connections opened concurrently")
	stable := flag.Duration("stable", 2*time.Second, "RSS must stay within 64 KiB this long")
	timeout := flag.Duration("timeout", 60*time.Second, "bound on every wait")
	goroutines := flag.String("metrics", "", "optional admin /metrics URL, to report go_goroutines and wasmweb_pool_instances")
	profile := flag.String("profile", "", "optional admin base URL (http://HOST:PORT): a 3 s CPU profile of the wake-up is saved to wake.pprof")
	heap := flag.String("heap", "", "optional admin base URL: a heap profile taken while the waiters are parked (after a GC) is saved to parked.heap")
	trace := flag.String("trace", "", "optional admin base URL: a 2 s runtime trace of the wake-up is saved to wake.trace")
	flag.Parse()
	if *pid <= 0 {
		fatalf("-pid is required")
	}
	raiseNoFile(*n + 100)

	cursor, err := postMessage(*addr, "warm-up")
	if err != nil {
		fatalf("posting the first message: %v", err)
	}
	progress("cursor %s", cursor)
	statusBefore := metricsLine(*goroutines)
	rssBefore := waitStable(*pid, *stable, *timeout)

	body := "cursor=" + url.QueryEscape(cursor) + "&_xsrf=" + benchToken
	req := "POST /a/message/updates HTTP/1.1\r\nHost: bench\r\nCookie: _xsrf=" + benchToken + "\r\n" +
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	conns := make([]net.Conn, *n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, *par)
	var openErr error
	var mu sync.Mutex
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			d := net.Dialer{Timeout: 10 * time.Second}
			if *srcIPs > 0 {
				d.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(1+i%*srcIPs))}
			}
			c, err := d.Dial("tcp", *addr)
			if err == nil {
				_, err = io.WriteString(c, req)
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil && openErr == nil {
				openErr = err
			}
			conns[i] = c
		}(i)
	}
	wg.Wait()
	if openErr != nil {
		fatalf("opening waiters: %v", openErr)
	}
	if *goroutines != "" {
		// The server tells how many it has parked: wait for all of them,
		// so that the message is published to waiters, not to a backlog.
		deadline := time.Now().Add(*timeout)
		for parkedCount(*goroutines) < *n && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		progress("%d parked", parkedCount(*goroutines))
	}
	progress("%d waiters sent; waiting for the server's memory to settle", *n)
	rssAfter := waitStable(*pid, *stable, *timeout)
	statusAfter := metricsLine(*goroutines)
	if *heap != "" {
		save(*heap+"/debug/pprof/heap?gc=1", "parked.heap")
	}

	// The answers' arrivals are timed by one loop that polls every
	// waiter's socket, and the publisher's, with epoll, without blocking.
	// A goroutine per waiter, woken by Go's poller, cost this client
	// about 23 µs a waiter on its core, as much as the server spent, so
	// that the client set the pace; and a client asleep in epoll_wait
	// must be woken by every answer, a wake-up that on loopback the
	// server's write pays for (the sender runs the receiver's side of
	// TCP). The client has a core of its own to spin on. An answer
	// arrives when its first bytes can be read; the answers are read and
	// checked once every one has arrived (or failed), and the
	// connections closed after the profiles, so that neither the
	// client's parsing nor the closes are part of the wake.
	pub, err := net.DialTimeout("tcp", *addr, 10*time.Second)
	if err != nil {
		fatalf("connecting the publisher: %v", err)
	}
	defer pub.Close()
	arrivals, err := newArrivals(append(conns[:len(conns):len(conns)], pub))
	if err != nil {
		fatalf("watching the waiters: %v", err)
	}
	defer arrivals.close()

	var profiled sync.WaitGroup
	if *profile != "" {
		profiled.Go(func() { save(*profile+"/debug/pprof/profile?seconds=3", "wake.pprof") })
	}
	if *trace != "" {
		profiled.Go(func() { save(*trace+"/debug/pprof/trace?seconds=2", "wake.trace") })
	}
	if *profile != "" || *trace != "" {
		time.Sleep(200 * time.Millisecond) // the profile is running
	}

	// Publish one message and time every waiter's answer.
	cpuBefore := procCPU(*pid)
	// The wake is timed from the publish's request, not from its answer:
	// a server may answer the publisher before, during or after the
	// waiters, and the answer's time is reported as publish_answer_ms.
	published := time.Now()
	if _, err := io.WriteString(pub, publishRequest("wake")); err != nil {
		fatalf("publishing: %v", err)
	}
	at, missing := arrivals.wait(time.Now().Add(*timeout))
	pubAnswer := at[len(conns)]
	if pubAnswer.IsZero() {
		fatalf("publishing: no answer")
	}
	at = at[:len(conns)]
	if resp, err := http.ReadResponse(bufio.NewReader(pub), nil); err != nil || resp.StatusCode != 200 {
		fatalf("publishing: %v %v", err, resp)
	}
	wakeCPU := procCPU(*pid) - cpuBefore
	bad := missing + checkAnswers(conns, *timeout)
	profiled.Wait()
	for _, c := range conns {
		c.Close()
	}
	arrived := make([]time.Time, 0, len(at))
	for _, t := range at {
		if !t.IsZero() {
			arrived = append(arrived, t)
		}
	}
	if len(arrived) == 0 {
		fatalf("no answer arrived")
	}
	slices.SortFunc(arrived, time.Time.Compare)
	pct := func(p float64) time.Duration {
		return arrived[min(len(arrived)-1, int(p*float64(len(arrived))))].Sub(published)
	}
	per := float64(rssAfter-rssBefore) * 1024 / float64(*n)
	fmt.Printf("waiters=%d rss_before_kib=%d rss_after_kib=%d per_waiter_bytes=%.0f wake_first_ms=%.1f wake_p50_ms=%.1f wake_p99_ms=%.1f wake_max_ms=%.1f wake_cpu_ms=%.0f publish_answer_ms=%.1f failed=%d before={%s} parked={%s}\n",
		*n, rssBefore, rssAfter, per, ms(arrived[0].Sub(published)), ms(pct(0.50)), ms(pct(0.99)), ms(arrived[len(arrived)-1].Sub(published)), ms(wakeCPU), ms(pubAnswer.Sub(published)), bad, statusBefore, statusAfter)
	if bad > 0 {
		os.Exit(1)
	}
}

// arrivals watches the waiters' sockets for their answers.
type arrivals struct {
	ep int
	n  int
}

// newArrivals registers every connection's socket, once each, with an
// epoll instance of its own (Go's poller keeps its own registration).
func newArrivals(conns []net.Conn) (*arrivals, error) {
	ep, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	a := &arrivals{ep: ep, n: len(conns)}
	for i, c := range conns {
		sc, err := c.(syscall.Conn).SyscallConn()
		if err != nil {
			a.close()
			return nil, err
		}
		var cerr error
		err = sc.Control(func(fd uintptr) {
			ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP | syscall.EPOLLONESHOT, Fd: int32(i)}
			cerr = syscall.EpollCtl(ep, syscall.EPOLL_CTL_ADD, int(fd), &ev)
		})
		if err == nil {
			err = cerr
		}
		if err != nil {
			a.close()
			return nil, err
		}
	}
	return a, nil
}

// wait returns when each socket first became readable (zero for those
// that had not by the deadline) and how many had not. It polls without
// blocking, and without entering the scheduler's system-call state.
func (a *arrivals) wait(deadline time.Time) ([]time.Time, int) {
	at := make([]time.Time, a.n)
	evs := make([]syscall.EpollEvent, 256)
	left := a.n
	for spins := 0; left > 0; spins++ {
		if spins%1024 == 0 && time.Now().After(deadline) {
			break
		}
		r, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(a.ep), uintptr(unsafe.Pointer(&evs[0])), uintptr(len(evs)), 0, 0, 0)
		if errno == syscall.EINTR || errno == 0 && r == 0 {
			continue
		}
		if errno != 0 {
			progress("epoll_pwait: %v", errno)
			break
		}
		k := int(r)
		now := time.Now()
		for _, ev := range evs[:k] {
			if i := int(ev.Fd); i >= 0 && i < a.n && at[i].IsZero() {
				at[i] = now
				left--
			}
		}
	}
	return at, left
}

func (a *arrivals) close() { syscall.Close(a.ep) }

// checkAnswers reads every waiter's answer and returns how many were not
// a 200 with at least one message.
func checkAnswers(conns []net.Conn, timeout time.Duration) int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	bad := 0
	sem := make(chan struct{}, 256)
	for _, c := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func(c net.Conn) {
			defer wg.Done()
			defer func() { <-sem }()
			c.SetReadDeadline(time.Now().Add(timeout))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			ok := err == nil && resp.StatusCode == 200
			if ok {
				var v struct{ Messages []json.RawMessage }
				ok = json.NewDecoder(resp.Body).Decode(&v) == nil && len(v.Messages) > 0
			}
			if !ok {
				mu.Lock()
				bad++
				mu.Unlock()
			}
		}(c)
	}
	wg.Wait()
	return bad
}

// save writes what GET u answers to the file name.
func save(u, name string) {
	resp, err := http.Get(u)
	if err != nil {
		progress("%s: %v", name, err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(name)
	if err != nil {
		progress("%s: %v", name, err)
		return
	}
	io.Copy(f, resp.Body)
	f.Close()
}

// benchToken is sent as both the _xsrf cookie and field: a bare token the
// host's XSRF check accepts, and that Tornado's peer ignores.
const benchToken = "0123456789abcdef0123456789abcdef"

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

// publishRequest is the raw request postMessage makes, for a connection
// the client polls itself.
func publishRequest(text string) string {
	body := url.Values{"body": {text}, "_xsrf": {benchToken}}.Encode()
	return "POST /a/message/new HTTP/1.1\r\nHost: bench\r\nCookie: _xsrf=" + benchToken + "\r\n" +
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// postMessage posts a chat message and returns its id.
func postMessage(addr, text string) (string, error) {
	form := url.Values{"body": {text}, "_xsrf": {benchToken}}
	req, _ := http.NewRequest("POST", "http://"+addr+"/a/message/new", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", "_xsrf="+benchToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		b, _ := io.ReadAll(resp.Body)
		return "", fmt.Errorf("status %d: %s", resp.StatusCode, b)
	}
	var m struct{ ID json.RawMessage }
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return "", err
	}
	return strings.Trim(string(m.ID), `"`), nil
}

// waitStable returns VmRSS (KiB) once it has stayed within 64 KiB for d.
func waitStable(pid int, d, timeout time.Duration) int64 {
	deadline := time.Now().Add(timeout)
	last, since := rss(pid), time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		cur := rss(pid)
		if cur-last > 64 || last-cur > 64 {
			last, since = cur, time.Now()
			continue
		}
		if time.Since(since) >= d {
			return cur
		}
	}
	progress("RSS did not settle within %v; using the last reading", timeout)
	return last
}

// procCPU returns the user and system CPU time the process has used, to
// the kernel's clock tick (10 ms): the server's work for a wake, which a
// busy box does not inflate as it does the wake's latency.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func rss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		fatalf("%v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	fatalf("no VmRSS for pid %d", pid)
	return 0
}

// parkedCount reads wasmweb_parked_requests from a /metrics URL.
func parkedCount(u string) int {
	resp, err := http.Get(u)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "wasmweb_parked_requests "); ok {
			n, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return int(n)
		}
	}
	return -1
}

// metricsLine returns selected gauges from a Prometheus endpoint.
func metricsLine(u string) string {
	if u == "" {
		return ""
	}
	resp, err := http.Get(u)
	if err != nil {
		return "metrics error"
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		for _, name := range []string{"go_goroutines ", "go_memstats_heap_alloc_bytes ", "go_memstats_heap_sys_bytes ", "go_memstats_next_gc_bytes ", "go_memstats_stack_sys_bytes ", "go_memstats_mspan_sys_bytes ", "go_memstats_gc_sys_bytes ", "go_memstats_other_sys_bytes ", "wasmweb_pool_instances{", "wasmweb_parked_requests "} {
			if strings.HasPrefix(line, name) {
				out = append(out, strings.ReplaceAll(line, " ", "="))
			}
		}
	}
	return strings.Join(out, " ")
}

func raiseNoFile(n int) {
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) == nil && rl.Cur < rl.Max {
		rl.Cur = rl.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
	if int(rl.Cur) < n {
		progress("open-file limit %d is below the %d needed", rl.Cur, n)
	}
}

func progress(format string, args ...any) { fmt.Fprintf(os.Stderr, "longpoll: "+format+"\n", args...) }

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "longpoll: "+format+"\n", args...)
	os.Exit(1)
}
