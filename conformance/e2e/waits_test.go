package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// byrouteConfig serves conformance/guests/byroute.wasm, whose behaviour
// depends on the route number: the routes below are in that order.
const byrouteConfig = `
[[site]]
name = "byroute"
hosts = ["*"]
[site.limits]
instances = 4
warm_instances = 4
call_timeout = "%s"
[site.pubsub]
max_waiters = %d
max_wait = "300ms"
[site.plugins]
g = "conformance/guests/byroute.wasm"
[[site.route]]
path = "/hello"
plugin = "g"
[[site.route]]
path = "/loop"
plugin = "g"
[[site.route]]
path = "/publish"
plugin = "g"
[[site.route]]
path = "/park"
plugin = "g"
[[site.route]]
path = "/park-publish-done"
plugin = "g"
[[site.route]]
path = "/park-trap"
plugin = "g"
[[site.route]]
path = "/park-fail"
plugin = "g"
[[site.route]]
path = "/wait-twice"
plugin = "g"
[[site.route]]
path = "/park-publish-wait"
plugin = "g"
[[site.route]]
path = "/park-bad-status"
plugin = "g"
`

// sendGET opens a connection and sends "GET target" on it.
func sendGET(t testing.TB, addr, target string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return nil
	}
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", target)
	return c
}

// readAnswer reads the response on c within d.
func readAnswer(c net.Conn, d time.Duration) (status int, body string, err error) {
	c.SetReadDeadline(time.Now().Add(d))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// TestHostileWaits hammers byroute's hostile waits over real connections.
// First only waits that wake themselves (the guest publishes to its own
// topic after parking, then answers after all or returns STATUS_WAIT);
// then every kind at once: waits whose guest traps, fails, waits twice,
// or whose client leaves, with publishes and deadlines, past
// max_waiters. wasmweb_parked_requests must stay within [0, max_waiters]
// at every scrape and end at 0, and every client that stays gets the
// answer its route gives.
func TestHostileWaits(t *testing.T) {
	const (
		maxWaiters = 6
		clients    = 8
		requests   = 25 // per client and phase
	)
	type hostile struct {
		path   string
		status int
		bodies string // the bodies a 200 may have, space-separated
	}
	selfWake := []hostile{
		{"/park-publish-done", 200, "published"},
		{"/park-publish-wait", 200, "woken"},
	}
	mix := append([]hostile{
		{"/park", 200, "woken timeout"},
		{"/park-trap", 500, ""},
		{"/park-fail", 500, ""},
		{"/wait-twice", 200, "woken timeout"},
		{"/park-bad-status", 500, ""},
	}, selfWake...)
	forTransports(t, func(t *testing.T, transport string) {
		n := startNode(t, fmt.Sprintf(byrouteConfig, "30s", maxWaiters), transport)
		for _, ph := range []struct {
			name  string
			waits []hostile
		}{{"self-wake", selfWake}, {"mix", mix}} {
			phase, waits := ph.name, ph.waits
			var lo, hi atomic.Int64
			stop, sampled := make(chan struct{}), make(chan struct{})
			go func() {
				defer close(sampled)
				for {
					g := int64(parkedCount(t, n.host))
					lo.Store(min(lo.Load(), g))
					hi.Store(max(hi.Load(), g))
					select {
					case <-stop:
						return
					case <-time.After(time.Millisecond):
					}
				}
			}()
			var wg sync.WaitGroup
			for cl := range clients {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(uint64(cl), 11))
					for i := range requests {
						topic := fmt.Sprintf("%s-%s-%d-%d", transport, phase, cl, i)
						w := waits[rng.IntN(len(waits))]
						c := sendGET(t, n.addr, w.path+"?"+topic)
						if c == nil {
							return
						}
						published := false
						switch rng.IntN(4) {
						case 0: // the client leaves
							c.Close()
							continue
						case 1: // someone publishes to the topic
							if p := sendGET(t, n.addr, "/publish?"+topic); p != nil {
								p.Close()
							}
							published = true
						}
						status, body, err := readAnswer(c, 20*time.Second)
						c.Close()
						full := status == 503 && body == "wait -3" // past max_waiters
						// On another connection, the publish may come first:
						// then the wait does not park, and the route answers.
						early := published && status == 200 && body == "woken"
						if err != nil || !full && !early && (status != w.status || status == 200 && !strings.Contains(" "+w.bodies+" ", " "+body+" ")) {
							t.Errorf("%s: GET %s?%s: %d %q %v", phase, w.path, topic, status, body, err)
						}
					}
				})
			}
			wg.Wait()
			waitUntil(t, phase+": nothing parked", func() bool { return parkedCount(t, n.host) == 0 })
			close(stop)
			<-sampled
			if lo.Load() < 0 || hi.Load() > maxWaiters {
				t.Errorf("%s: wasmweb_parked_requests ranged over [%d, %d]; must stay within [0, %d]", phase, lo.Load(), hi.Load(), maxWaiters)
			}
		}
	})
}

// TestLoopingRouteShare sends 8 requests to a route that loops until its
// deadline (20 s), on a plugin of 4 instances: the route may hold only
// half of them, so the plugin's hello route keeps answering while every
// loop still runs.
func TestLoopingRouteShare(t *testing.T) {
	forTransports(t, func(t *testing.T, transport string) {
		n := startNode(t, fmt.Sprintf(byrouteConfig, "20s", 100), transport)
		var running atomic.Int32
		var loops []net.Conn
		for range 8 {
			c := sendGET(t, n.addr, "/loop")
			if c == nil {
				t.FailNow()
			}
			loops = append(loops, c)
			running.Add(1)
			go func() {
				defer c.Close()
				readAnswer(c, time.Minute)
				running.Add(-1)
			}()
		}
		for i := range 8 {
			c := sendGET(t, n.addr, "/hello")
			if c == nil {
				t.FailNow()
			}
			status, body, err := readAnswer(c, time.Minute)
			c.Close()
			if status != 200 || body != "Hello, world" {
				t.Fatalf("hello %d while the loops run: %d %q %v", i, status, body, err)
			}
			if r := running.Load(); r != 8 {
				t.Fatalf("hello %d was answered only after %d loops ended", i, 8-r)
			}
		}
		// Unloading stops the loops.
		n.host.Close(context.Background())
		for _, c := range loops {
			c.Close()
		}
	})
}
