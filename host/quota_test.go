package host_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

// burnSite serves conformance/guests/burn.wasm on host name: "/" says
// hello, "/burn?N" spins N million times first.
func burnSite(name string, l config.Limits) config.Site {
	return config.Site{Name: name, Hosts: []string{name}, Limits: l,
		Plugins: map[string]string{"g": wasmPath("burn")},
		Routes:  []config.Route{{Path: "/", Plugin: "g"}, {Path: "/burn", Plugin: "g"}}}
}

// answer is one response as a throttled client sees it.
type answer struct {
	status     int
	retryAfter string
	body       string
}

// hostGET sends GET target for host on a new in-memory connection and
// waits for the answer.
func hostGET(t testing.TB, srv *netloop.Server, hostName, target string) answer {
	t.Helper()
	c := netlooptest.Open(srv)
	if c == nil {
		t.Errorf("GET %s%s: connection refused", hostName, target)
		return answer{}
	}
	defer c.Hangup()
	c.Feed([]byte("GET " + target + " HTTP/1.1\r\nHost: " + hostName + "\r\n\r\n"))
	deadline := time.Now().Add(30 * time.Second)
	for len(c.Output()) == 0 {
		if time.Now().After(deadline) {
			t.Errorf("GET %s%s: no answer", hostName, target)
			return answer{}
		}
		time.Sleep(time.Millisecond)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(c.Output())), nil)
	if err != nil {
		t.Errorf("GET %s%s: %v", hostName, target, err)
		return answer{}
	}
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Retry-After"), string(b)}
}

// throttled reads a site's throttled counter for reason.
func throttled(t testing.TB, h *host.Host, site, reason string) float64 {
	return metricSum(t, h, "wasmweb_site_throttled_total", `site="`+site+`"`, `reason="`+reason+`"`)
}

// checkThrottled checks an answer a quota gave.
func checkThrottled(t *testing.T, got answer, status int, retryAfter, says string) {
	t.Helper()
	if got.status != status || got.retryAfter != retryAfter || !strings.Contains(got.body, says) {
		t.Errorf("throttled answer: %d Retry-After %q %q; want %d Retry-After %q saying %q", got.status, got.retryAfter, got.body, status, retryAfter, says)
	}
}

// neighbourServes checks that site b answers, and was never throttled.
func neighbourServes(t *testing.T, h *host.Host, srv *netloop.Server) {
	t.Helper()
	for range 5 {
		if got := hostGET(t, srv, "b", "/"); got.status != 200 || got.body != "Hello, world" {
			t.Errorf("site b: %d %q", got.status, got.body)
		}
	}
	for _, reason := range []string{"cpu", "concurrency", "rate", "instances"} {
		if n := throttled(t, h, "b", reason); n != 0 {
			t.Errorf("site b throttled for %s %v times", reason, n)
		}
	}
}

func TestQuotaRate(t *testing.T) {
	h, srv := testServer(t, burnSite("a", config.Limits{Rate: 0.01, Burst: 2}), burnSite("b", config.Limits{}))
	for range 2 {
		if got := hostGET(t, srv, "a", "/"); got.status != 200 {
			t.Fatalf("within the burst: %d", got.status)
		}
	}
	// One request per 100 s: the next token is 100 s away. The answer
	// comes after the hold that paces clients that ignore Retry-After.
	start := time.Now()
	checkThrottled(t, hostGET(t, srv, "a", "/"), 429, "100", "too many requests")
	if held := time.Since(start); held < 200*time.Millisecond {
		t.Errorf("answered after %v, before the hold of 200 ms", held)
	}
	if n := throttled(t, h, "a", "rate"); n != 1 {
		t.Errorf("throttled{rate} = %v, want 1", n)
	}
	if n := metricSum(t, h, "wasmweb_requests_total", `site="a"`, `status="429"`); n != 1 {
		t.Errorf("requests of a answered 429: %v, want 1", n)
	}
	neighbourServes(t, h, srv)
}

func TestQuotaCPU(t *testing.T) {
	h, srv := testServer(t, burnSite("a", config.Limits{CPU: config.Duration(time.Millisecond), CallTimeout: config.Duration(300 * time.Millisecond)}),
		burnSite("b", config.Limits{}))
	// The first call is admitted on a full budget, and spins until its
	// deadline: 300 ms against 1 ms a second puts the site at its
	// deepest debt, 60 s of its budget.
	if got := hostGET(t, srv, "a", "/burn?1000000"); got.status != 503 {
		t.Fatalf("a call spinning to its deadline: %d %q", got.status, got.body)
	}
	// Its time is its 300 ms less the moments it gave the core up to
	// other goroutines, which are not its: how long those were depends
	// on the box, so the bound only tells a charge of the call's run
	// (hundreds of milliseconds) from the typical time charged ahead
	// (0.1 ms here).
	if used := metricSum(t, h, "wasmweb_site_cpu_seconds_total", `site="a"`); used < 0.1 {
		t.Errorf("cpu seconds of a: %v, want at least 0.1", used)
	}
	checkThrottled(t, hostGET(t, srv, "a", "/"), 429, "60", "CPU time")
	checkThrottled(t, hostGET(t, srv, "a", "/burn?1"), 429, "60", "CPU time")
	if n := throttled(t, h, "a", "cpu"); n != 2 {
		t.Errorf("throttled{cpu} = %v, want 2", n)
	}
	if calls := metricSum(t, h, "wasmweb_guest_calls_total", `site="a"`); calls != 1 {
		t.Errorf("guest calls of a: %v, want 1 (the throttled requests made none)", calls)
	}
	neighbourServes(t, h, srv)
}

func TestQuotaConcurrency(t *testing.T) {
	h, srv := testServer(t, burnSite("a", config.Limits{Concurrency: 1, Instances: 4, CallTimeout: config.Duration(time.Second)}),
		burnSite("b", config.Limits{}))
	var wg sync.WaitGroup
	first := make(chan answer, 1)
	wg.Go(func() { first <- hostGET(t, srv, "a", "/burn?1000000") })
	waitUntil(t, "a call running", func() bool { r, _ := host.QuotaCalls(h, "a"); return r == 1 })
	second := make(chan answer, 1)
	wg.Go(func() { second <- hostGET(t, srv, "a", "/") })
	waitUntil(t, "a call waiting", func() bool { _, w := host.QuotaCalls(h, "a"); return w == 1 })
	// One runs and one waits: the third is refused at once.
	checkThrottled(t, hostGET(t, srv, "a", "/"), 503, "1", "too many requests in progress")
	if n := throttled(t, h, "a", "concurrency"); n != 1 {
		t.Errorf("throttled{concurrency} = %v, want 1", n)
	}
	neighbourServes(t, h, srv)
	wg.Wait()
	if got := <-first; got.status != 503 {
		t.Errorf("the spinning call: %d, want 503 at its deadline", got.status)
	}
	<-second
	if r, w := host.QuotaCalls(h, "a"); r != 0 || w != 0 {
		t.Errorf("after: %d running, %d waiting", r, w)
	}
}

func TestQuotaInstances(t *testing.T) {
	spec := burnSite("a", config.Limits{SiteInstances: 2, Instances: 4, CallTimeout: config.Duration(3 * time.Second)})
	spec.Plugins["h"] = wasmPath("hello")
	spec.Routes = append(spec.Routes, config.Route{Path: "/hello", Plugin: "h"})
	h, srv := testServer(t, spec, burnSite("b", config.Limits{}))
	if n := metricSum(t, h, "wasmweb_site_instances", `site="a"`); n != 2 {
		t.Fatalf("site a holds %v instances, want 2: one warm per plugin", n)
	}
	var wg sync.WaitGroup
	wg.Go(func() { hostGET(t, srv, "a", "/burn?1000000") })
	waitUntil(t, "a call running", func() bool { r, _ := host.QuotaCalls(h, "a"); return r == 1 })
	// The plugin's one instance is busy and the site holds its two: the
	// plugin may not make another.
	start := time.Now()
	checkThrottled(t, hostGET(t, srv, "a", "/"), 503, "1", "no instance free")
	if waited := time.Since(start); waited > 2500*time.Millisecond {
		t.Errorf("refused after %v; the wait at the instance budget is a second", waited)
	}
	if n := throttled(t, h, "a", "instances"); n != 1 {
		t.Errorf("throttled{instances} = %v, want 1", n)
	}
	if got := hostGET(t, srv, "a", "/hello"); got.status != 200 {
		t.Errorf("the site's other plugin, with its own instance: %d", got.status)
	}
	if n := metricSum(t, h, "wasmweb_site_instances", `site="a"`); n != 2 {
		t.Errorf("site a holds %v instances, cap 2", n)
	}
	neighbourServes(t, h, srv)
	wg.Wait()
}

// TestQuotaFairness floods site a with calls that each burn CPU, far
// past its budget, while site b is asked for pages: every request of b
// is answered, and a's are throttled.
func TestQuotaFairness(t *testing.T) {
	h, srv := testServer(t, burnSite("a", config.Limits{CPU: config.Duration(5 * time.Millisecond)}), burnSite("b", config.Limits{}))
	var wg sync.WaitGroup
	var mu sync.Mutex
	aStatus := map[int]int{}
	stop := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				got := hostGET(t, srv, "a", "/burn?20")
				mu.Lock()
				aStatus[got.status]++
				mu.Unlock()
			}
		})
	}
	waitUntil(t, "site a throttled", func() bool { return throttled(t, h, "a", "cpu") > 0 })
	bOK := 0
	for range 200 {
		if got := hostGET(t, srv, "b", "/"); got.status == 200 {
			bOK++
		}
	}
	close(stop)
	wg.Wait()
	if bOK != 200 {
		t.Errorf("site b: %d of 200 answered 200", bOK)
	}
	if aStatus[429] == 0 || aStatus[200] == 0 || len(aStatus) != 2 {
		t.Errorf("site a's answers by status: %v, want 200s and 429s only", aStatus)
	}
	used := metricSum(t, h, "wasmweb_site_cpu_seconds_total", `site="a"`)
	t.Logf("site a: %v; %.3f s of guest time", aStatus, used)
}

// waitUntil polls cond, for states the server reaches on its own.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestSiteVisibility: /metrics and GET /v1/sites/{site} show a site's
// guest time, throttled requests by reason, live instances and cold
// starts, the same figures in both.
func TestSiteVisibility(t *testing.T) {
	h, srv := testServer(t, burnSite("a", config.Limits{CPU: config.Duration(time.Millisecond), WarmInstances: 1, Instances: 4,
		CallTimeout: config.Duration(300 * time.Millisecond)}), burnSite("b", config.Limits{}))
	var wg sync.WaitGroup
	wg.Go(func() { hostGET(t, srv, "a", "/burn?1000000") })
	waitUntil(t, "a call running", func() bool { r, _ := host.QuotaCalls(h, "a"); return r == 1 })
	// The one warm instance is busy: this request makes another.
	if got := hostGET(t, srv, "a", "/"); got.status != 200 {
		t.Fatalf("a request beside the spinning call: %d", got.status)
	}
	wg.Wait()
	checkThrottled(t, hostGET(t, srv, "a", "/"), 429, "60", "CPU time")

	rec := httptest.NewRecorder()
	h.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/v1/sites/a", nil))
	var st host.SiteStatus
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil || rec.Code != 200 {
		t.Fatalf("GET /v1/sites/a: %d %s", rec.Code, rec.Body)
	}
	q := st.Quota
	if q.Limits.CPUMS != 1 || q.Limits.Concurrency != 0 || q.Limits.Rate != 0 || q.Limits.SiteInstances != 0 {
		t.Errorf("limits %+v, want cpu 1 ms and no others", q.Limits)
	}
	if q.Throttled["cpu"] != 1 || q.Throttled["rate"] != 0 || q.Throttled["concurrency"] != 0 || q.Throttled["instances"] != 0 {
		t.Errorf("throttled %v, want cpu 1", q.Throttled)
	}
	// The spinning call ran to its 300 ms deadline but is charged only
	// the time it held the core: what it spent given up to the request
	// beside it (and to the race detector's and the box's other work) is
	// not its own, so no lower bound but "charged" holds.
	if q.CPUSeconds <= 0 || q.CPUSeconds != metricSum(t, h, "wasmweb_site_cpu_seconds_total", `site="a"`) {
		t.Errorf("cpu_seconds %v; /metrics %v; want the same, above 0", q.CPUSeconds, metricSum(t, h, "wasmweb_site_cpu_seconds_total", `site="a"`))
	}
	if q.ColdStarts < 1 || q.ColdStartMS <= 0 || float64(q.ColdStarts) != metricSum(t, h, "wasmweb_site_cold_start_seconds_count", `site="a"`) {
		t.Errorf("cold starts %d (%.3f ms mean); /metrics %v", q.ColdStarts, q.ColdStartMS, metricSum(t, h, "wasmweb_site_cold_start_seconds_count", `site="a"`))
	}
	if live := metricSum(t, h, "wasmweb_site_instances", `site="a"`); q.Instances < 1 || float64(q.Instances) != live ||
		live != metricSum(t, h, "wasmweb_pool_instances", `site="a"`) {
		t.Errorf("instances %d; /metrics %v, the plugins' pools %v", q.Instances, live, metricSum(t, h, "wasmweb_pool_instances", `site="a"`))
	}
	if q.Running != 0 || q.Waiting != 0 {
		t.Errorf("calls running %d, waiting %d after all answered", q.Running, q.Waiting)
	}
}

// TestQuotaInstancesSurplus: a plugin that grew past its warm instances
// frees the extra one as soon as it comes back while the site is at its
// instance budget, for the site's other plugins.
func TestQuotaInstancesSurplus(t *testing.T) {
	spec := burnSite("a", config.Limits{SiteInstances: 3, Instances: 4, CallTimeout: config.Duration(5 * time.Second)})
	spec.Plugins["h"] = wasmPath("hello")
	spec.Routes = append(spec.Routes, config.Route{Path: "/hello", Plugin: "h"})
	h, srv := testServer(t, spec)
	live := func() float64 { return metricSum(t, h, "wasmweb_site_instances", `site="a"`) }
	if n := live(); n != 2 {
		t.Fatalf("site a holds %v instances, want 2: one warm per plugin", n)
	}
	var wg sync.WaitGroup
	wg.Go(func() { hostGET(t, srv, "a", "/burn?1000000") })
	waitUntil(t, "a call running", func() bool { r, _ := host.QuotaCalls(h, "a"); return r == 1 })
	// The burning call holds g's warm instance: this one makes a third,
	// which fills the budget, and frees it when it is done.
	if got := hostGET(t, srv, "a", "/"); got.status != 200 {
		t.Fatalf("beside the burning call: %d", got.status)
	}
	if n := live(); n != 2 {
		t.Errorf("site a holds %v instances after the extra one's call, want 2: the surplus freed", n)
	}
	wg.Wait()
}

// TestQuotaComputeTurns: a site whose cpu budget is a quarter of a core
// computes past the first slice in one call at a time: with two of its
// calls burning, one holds the site's turn and the other waits in its
// yield, while another site is served; both are still stopped at their
// deadline, and the status shows the turns and then none held.
func TestQuotaComputeTurns(t *testing.T) {
	h, srv := testServer(t, burnSite("a", config.Limits{CPU: config.Duration(250 * time.Millisecond), Instances: 4,
		CallTimeout: config.Duration(time.Second)}), burnSite("b", config.Limits{}))
	status := func() host.QuotaStatus {
		rec := httptest.NewRecorder()
		h.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/v1/sites/a", nil))
		var st host.SiteStatus
		if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil || rec.Code != 200 {
			t.Fatalf("GET /v1/sites/a: %d %s", rec.Code, rec.Body)
		}
		return st.Quota
	}
	if q := status(); q.ComputeTurns != 1 {
		t.Fatalf("compute_turns %d, want 1 for a quarter of a core", q.ComputeTurns)
	}
	var wg sync.WaitGroup
	got := make(chan int, 2)
	for range 2 {
		wg.Go(func() { got <- hostGET(t, srv, "a", "/burn?1000000").status })
	}
	waitUntil(t, "one call computing and one waiting for the turn", func() bool {
		q := status()
		return q.Computing == 1 && q.TurnWaiting == 1
	})
	if got := hostGET(t, srv, "b", "/burn?1"); got.status != 200 {
		t.Fatalf("site b beside a's calls: %d", got.status)
	}
	if q := status(); q.Computing != 1 || q.TurnWaiting != 1 {
		t.Errorf("computing %d, waiting for a turn %d after b's call, want 1 and 1", q.Computing, q.TurnWaiting)
	}
	wg.Wait()
	for range 2 {
		if s := <-got; s != 503 {
			t.Errorf("a's burning call: %d, want 503 (stopped at its deadline)", s)
		}
	}
	if q := status(); q.Computing != 0 || q.TurnWaiting != 0 {
		t.Errorf("computing %d, waiting for a turn %d after both ended, want 0 and 0", q.Computing, q.TurnWaiting)
	}
	rec := httptest.NewRecorder()
	h.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/v1/sites/b", nil))
	var st host.SiteStatus
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil || st.Quota.ComputeTurns != 0 {
		t.Errorf("site b without a budget: compute_turns %d (%v), want 0", st.Quota.ComputeTurns, err)
	}
}
