package host_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

// byroutePaths are the routes of conformance/guests/byroute.wat, in the
// order that gives each its route number (see the guest's header).
var byroutePaths = []string{
	"/hello", "/loop", "/publish", "/park", "/park-publish-done", "/park-trap",
	"/park-fail", "/wait-twice", "/park-publish-wait", "/park-bad-status",
}

// byrouteSite serves the byroute guest as plugin "g" on every host.
func byrouteSite(name string, limits config.Limits, ps config.SitePubSub) config.Site {
	spec := config.Site{Name: name, Hosts: []string{"*"}, Limits: limits, PubSub: ps,
		Plugins: map[string]string{"g": "../conformance/guests/byroute.wasm"}}
	for _, p := range byroutePaths {
		spec.Routes = append(spec.Routes, config.Route{Path: p, Plugin: "g"})
	}
	return spec
}

// sendGET feeds "GET target" on a new in-memory connection; it returns
// once the handler has answered or parked the request.
func sendGET(t testing.TB, srv *netloop.Server, target string) *netlooptest.Conn {
	t.Helper()
	c := netlooptest.Open(srv)
	if c == nil {
		t.Fatalf("GET %s: connection refused", target)
	}
	t.Cleanup(c.Hangup)
	c.Feed([]byte("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"))
	return c
}

// memAnswer waits for the response on c, up to limit; ok is false when
// none came.
func memAnswer(c *netlooptest.Conn, limit time.Duration) (status int, body string, ok bool) {
	deadline := time.Now().Add(limit)
	for len(c.Output()) == 0 {
		if time.Now().After(deadline) {
			return 0, "", false
		}
		time.Sleep(time.Millisecond)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(c.Output())), nil)
	if err != nil {
		return 0, "", false
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), true
}

// parkedGauge reads wasmweb_parked_requests.
func parkedGauge(t testing.TB, h *host.Host) int64 {
	return int64(metric(t, h, "wasmweb_parked_requests"))
}

// awaitParked waits until the site's count and the gauge both read n.
func awaitParked(t testing.TB, h *host.Host, site string, n int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		count, gauge := host.ParkedCount(h, site), parkedGauge(t, h)
		if count == n && gauge == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("parked: count %d, gauge %d; want %d", count, gauge, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestMaxWaiters parks max_waiters requests, checks that one more is
// refused with ERR_TOO_LARGE (which the guest turns into 503, as the SDK
// does), and that answering them frees every slot.
func TestMaxWaiters(t *testing.T) {
	const max = 3
	h, srv := testServer(t, byrouteSite("cap", config.Limits{}, config.SitePubSub{MaxWaiters: max}))
	var parked []*netlooptest.Conn
	for i := range max {
		parked = append(parked, sendGET(t, srv, fmt.Sprintf("/park?cap%d", i)))
	}
	awaitParked(t, h, "cap", max)
	for i, c := range parked {
		if len(c.Output()) > 0 {
			t.Fatalf("waiter %d was answered: %q", i, c.Output())
		}
	}
	status, body, ok := memAnswer(sendGET(t, srv, "/park?cap-extra"), 10*time.Second)
	if !ok || status != 503 || body != "wait -3" {
		t.Fatalf("a wait past max_waiters = %d: %d %q (answered: %v), want 503 \"wait -3\" (ERR_TOO_LARGE)", max, status, body, ok)
	}
	if n := host.ParkedCount(h, "cap"); n != max {
		t.Fatalf("after a refused wait: %d parked, want %d", n, max)
	}
	if n := metricSum(t, h, "wasmweb_site_cap_hits_total", `site="cap"`, `cap="max_waiters"`); n != 1 {
		t.Errorf("max_waiters hits: %v, want 1", n)
	}
	for i := range max {
		if status, body, _ := memAnswer(sendGET(t, srv, fmt.Sprintf("/publish?cap%d", i)), 10*time.Second); status != 200 || body != "published" {
			t.Fatalf("publish: %d %q", status, body)
		}
	}
	for i, c := range parked {
		if status, body, ok := memAnswer(c, 10*time.Second); !ok || status != 200 || body != "woken" {
			t.Errorf("waiter %d: %d %q (answered: %v), want 200 \"woken\"", i, status, body, ok)
		}
	}
	awaitParked(t, h, "cap", 0)
	// Every slot is free again.
	for i := range max {
		sendGET(t, srv, fmt.Sprintf("/park?again%d", i))
	}
	awaitParked(t, h, "cap", max)
}

// A hostile request of the byroute guest and what its first call may be
// answered with (besides 503 "wait -3" when the site is full).
type hostileWait struct {
	path   string
	status int
	bodies []string
}

var hostileWaits = []hostileWait{
	{"/park", 200, []string{"woken", "timeout"}},
	{"/park-publish-done", 200, []string{"published"}},
	{"/park-trap", 500, nil},
	{"/park-fail", 500, nil},
	{"/wait-twice", 200, []string{"woken", "timeout"}},
	{"/park-publish-wait", 200, []string{"woken"}},
	{"/park-bad-status", 500, nil},
}

func (hw hostileWait) accepts(status int, body string) bool {
	if status == 503 && body == "wait -3" {
		return true // past max_waiters
	}
	if status != hw.status {
		return false
	}
	if hw.bodies == nil {
		return true
	}
	for _, b := range hw.bodies {
		if b == body {
			return true
		}
	}
	return false
}

// parkedBounds samples a site's count of parked requests and the gauge
// until stop is closed, and records the least and greatest seen.
type parkedBounds struct {
	min, max atomic.Int64
	done     chan struct{}
}

// The count is read every 100 µs or so; the gauge, which costs a scrape,
// every 20th time.
func sampleParked(count, gauge func() int64, stop chan struct{}) *parkedBounds {
	b := &parkedBounds{done: make(chan struct{})}
	go func() {
		defer close(b.done)
		for i := 0; ; i++ {
			n := count()
			lo, hi := n, n
			if i%20 == 0 {
				g := gauge()
				lo, hi = min(lo, g), max(hi, g)
			}
			b.min.Store(min(b.min.Load(), lo))
			b.max.Store(max(b.max.Load(), hi))
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Microsecond):
			}
		}
	}()
	return b
}

// TestParkingAccounting hammers a site with hostile waits from many
// clients at once. First only waits that wake themselves (the guest
// publishes to its own topic after parking, then answers after all or
// returns STATUS_WAIT); then every kind: waits whose guest traps, fails,
// waits twice, or whose client leaves, with publishes and deadlines. The
// site's count and the gauge must stay within [0, max_waiters] at every
// observation and end at 0, and every client that stays must be
// answered as its route says.
func TestParkingAccounting(t *testing.T) {
	const (
		maxWaiters = 8
		clients    = 8
		requests   = 40 // per client and phase
	)
	h, srv := testServer(t, byrouteSite("acct", config.Limits{CallTimeout: config.Duration(30 * time.Second)},
		config.SitePubSub{MaxWaiters: maxWaiters, MaxWait: config.Duration(300 * time.Millisecond)}))
	selfWake := []hostileWait{hostileWaits[1], hostileWaits[5]}
	for _, ph := range []struct {
		name  string
		waits []hostileWait
	}{{"self-wake", selfWake}, {"mix", hostileWaits}} {
		stop := make(chan struct{})
		bounds := sampleParked(func() int64 { return host.ParkedCount(h, "acct") }, func() int64 { return parkedGauge(t, h) }, stop)
		var wg sync.WaitGroup
		for cl := range clients {
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(uint64(cl), 7))
				for i := range requests {
					topic := fmt.Sprintf("%s-%d-%d", ph.name, cl, i)
					hw := ph.waits[rng.IntN(len(ph.waits))]
					c := netlooptest.Open(srv)
					c.Feed([]byte("GET " + hw.path + "?" + topic + " HTTP/1.1\r\nHost: x\r\n\r\n"))
					switch rng.IntN(4) {
					case 0: // the client leaves, parked or not
						c.Hangup()
						continue
					case 1: // someone publishes to the topic
						p := netlooptest.Open(srv)
						p.Feed([]byte("GET /publish?" + topic + " HTTP/1.1\r\nHost: x\r\n\r\n"))
						p.Hangup()
					}
					status, body, ok := memAnswer(c, 20*time.Second)
					c.Hangup()
					if !ok || !hw.accepts(status, body) {
						t.Errorf("%s: GET %s?%s: %d %q (answered: %v)", ph.name, hw.path, topic, status, body, ok)
					}
				}
			})
		}
		wg.Wait()
		awaitParked(t, h, "acct", 0)
		close(stop)
		<-bounds.done
		if lo, hi := bounds.min.Load(), bounds.max.Load(); lo < 0 || hi > maxWaiters {
			t.Errorf("%s: parked requests ranged over [%d, %d]; must stay within [0, %d]", ph.name, lo, hi, maxWaiters)
		}
	}
}
