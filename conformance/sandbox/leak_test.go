package sandbox_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host/config"
)

// TestHostileMixNoLeaks sends 1,000 hostile requests (every hostile guest,
// from four clients at once) and checks that goroutines and the live heap
// return to their baseline once the pools have replaced what was
// discarded, and that the metrics count every trap, every deadline kill
// and a new instance for each discarded one.
func TestHostileMixNoLeaks(t *testing.T) {
	const (
		total     = 1000
		clients   = 4
		heapSlack = 16 << 20
	)
	// Loops run in their own site with a short deadline, so that the
	// deadline never catches a slow trap in the other (under -race, one
	// stack overflow takes about a second). That site keeps an instance
	// of each plugin: the replacement of a killed one is then made as it
	// is discarded, not by the next request, which would wait for it no
	// longer than the 100 ms deadline and, on a loaded machine, could be
	// answered 503 without a call; each runaway request waits for that
	// replacement (awaitIdle) before it is sent.
	sb := start(t,
		hostileSpec("mix", "mix.test", config.Limits{CallTimeout: config.Duration(60 * time.Second), Memory: config.Size(2 << 20)}),
		hostileSpec("spin", "spin.test", config.Limits{CallTimeout: config.Duration(100 * time.Millisecond), MinInstances: 1}),
		helloSpec("other", "other.test"),
	)
	// The schedule: request i goes to site/target, and how it must fail.
	type req struct {
		site   string
		target string
		guest  string
		status int
	}
	var oobCases []int
	for _, c := range abuseCases(t) {
		if c.ranges > 0 && !c.inBounds {
			oobCases = append(oobCases, c.n)
		}
	}
	schedule := make([]req, total)
	for i := range schedule {
		switch {
		case i%50 == 25:
			schedule[i] = req{"spin.test", "/loop", "loop", 503}
		case i%50 == 45:
			schedule[i] = req{"spin.test", "/fanout", "fanout", 503}
		case i%250 == 0:
			schedule[i] = req{"mix.test", "/recurse", "recurse", 500}
		case i%10 == 1:
			schedule[i] = req{"mix.test", "/grow", "grow", 500}
		case i%5 == 2:
			schedule[i] = req{"mix.test", "/abuse?" + strconv.Itoa(oobCases[i%len(oobCases)]), "abuse", 500}
		case i%5 == 3:
			schedule[i] = req{"mix.test", "/secret?write-and-trap", "secret", 500}
		default:
			g := []string{"unreachable", "divzero", "oob"}[i%3]
			schedule[i] = req{"mix.test", "/" + g, g, 500}
		}
	}

	// Warm up every path once (lazily built metric series, error pages),
	// then take the baseline.
	for _, g := range hostile {
		if runaway(g) {
			sb.get("spin.test", "/"+g)
		} else {
			sb.get("mix.test", "/"+g+"?0")
		}
	}
	sb.expectHello("mix.test", "/hello")
	sb.expectHello("other.test", "/")
	baseG := settleGoroutines(0, 2*time.Second)
	baseHeap := heapAfterGC()
	before := sb.metrics()
	mark := sb.log.mark()

	began := time.Now()
	want := map[string]float64{}
	for _, r := range schedule {
		want[r.guest]++
	}
	// The runaway requests go one at a time: a route whose call was
	// stopped at its deadline takes one call at a time for a while and
	// answers the others 503 at once, which would be a 503 without the
	// deadline kill the counts below expect for each.
	var runawayMu sync.Mutex
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := c; i < total; i += clients {
				r := schedule[i]
				if r.site == "spin.test" {
					runawayMu.Lock()
					// The replacement of the instance the last runaway
					// call lost is made in the background; on a loaded
					// machine it may take longer than the 100 ms this
					// request would wait for it, and the request would
					// be answered 503 without a call. Wait for it here.
					sb.awaitIdle("spin", r.guest)
				}
				got := sb.get(r.site, r.target)
				if r.site == "spin.test" {
					runawayMu.Unlock()
				}
				if got.status != r.status {
					t.Errorf("request %d: GET %s%s: %d, want %d", i, r.site, r.target, got.status, r.status)
				}
				if i%100 == c {
					sb.expectHello("mix.test", "/hello")
					sb.expectHello("other.test", "/")
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d hostile requests in %v", total, time.Since(began))
	sb.expectHello("mix.test", "/hello")
	sb.expectHello("spin.test", "/hello")
	sb.expectHello("other.test", "/")

	// A few goroutines may come and go (a pool replacing an instance,
	// the runtime's own); one left per request or per discarded instance
	// is hundreds.
	const goroutineSlack = 10
	n := settleGoroutines(baseG+goroutineSlack, 10*time.Second)
	heap := heapAfterGC()
	t.Logf("goroutines: %d before, %d after; live heap: %d KiB before, %d KiB after", baseG, n, baseHeap>>10, heap>>10)
	if n > baseG+goroutineSlack {
		t.Errorf("goroutines: %d after the hostile requests, %d before (slack %d)", n, baseG, goroutineSlack)
	}
	if heap > baseHeap+heapSlack {
		t.Errorf("live heap: %d KiB after the hostile requests, %d KiB before (slack %d KiB)", heap>>10, baseHeap>>10, heapSlack>>10)
	}

	after := sb.metrics()
	delta := func(name, site, plugin string) float64 {
		return after.sum(name, "site", site, "plugin", plugin) - before.sum(name, "site", site, "plugin", plugin)
	}
	for _, g := range hostile {
		site, traps, kills := "mix", want[g], 0.0
		if runaway(g) {
			site, traps, kills = "spin", 0, want[g]
		}
		if got := delta("wasmweb_guest_traps_total", site, g); got != traps {
			t.Errorf("%s: wasmweb_guest_traps_total moved by %v, want %v", g, got, traps)
		}
		if got := delta("wasmweb_guest_deadline_kills_total", site, g); got != kills {
			// Say what answered the requests that were not killed.
			refused := after.sum("wasmweb_route_refusals_total", "site", site) - before.sum("wasmweb_route_refusals_total", "site", site)
			throttled := after.sum("wasmweb_site_throttled_total", "site", site) - before.sum("wasmweb_site_throttled_total", "site", site)
			noInstance := len(sb.log.find(mark, "host: no instance for request", "site", site, "plugin", g))
			t.Errorf("%s: wasmweb_guest_deadline_kills_total moved by %v, want %v (site %s: %v route refusals, %v throttled, %d without an instance)",
				g, got, kills, site, refused, throttled, noInstance)
		}
		// Every instance ever created is either live or was discarded,
		// and every trap or kill discarded one.
		created := after.sum("wasmweb_instance_creations_total", "site", site, "plugin", g)
		broken := after.sum("wasmweb_guest_traps_total", "site", site, "plugin", g) +
			after.sum("wasmweb_guest_deadline_kills_total", "site", site, "plugin", g)
		live := after.sum("wasmweb_pool_instances", "site", site, "plugin", g)
		if created < broken+live {
			t.Errorf("%s: %v instances created, fewer than %v discarded after a trap or kill + %v live: a broken instance was reused",
				g, created, broken, live)
		}
	}
}
