package host_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

// logBuffer collects a host's log lines, for the tests that check what
// a refused change says.
type logBuffer struct {
	mu sync.Mutex
	sb strings.Builder
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sb.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sb.String()
}

// reloadHost is a host started from a config file in a temporary
// directory, with its admin API.
type reloadHost struct {
	*swapHost
	dir  string
	file string
	log  *logBuffer
}

// startReloadHost writes toml as the config file and starts a host on it.
func startReloadHost(t testing.TB, toml string) *reloadHost {
	t.Helper()
	rh := &reloadHost{dir: t.TempDir(), log: &logBuffer{}}
	rh.file = filepath.Join(rh.dir, "wasmweb.toml")
	rh.write(t, toml)
	cfg, err := config.Load(rh.file)
	if err != nil {
		t.Fatal(err)
	}
	rh.swapHost = startHost(t, cfg, slog.New(slog.NewTextHandler(rh.log, nil)))
	rh.h.SetConfigFile(rh.file, nil)
	return rh
}

func (rh *reloadHost) write(t testing.TB, toml string) {
	t.Helper()
	if err := os.WriteFile(rh.file, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
}

// put writes b to name in the host's directory and returns its path.
func (rh *reloadHost) put(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(rh.dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// generation returns the generation and load time of a site's plugin,
// as GET /v1/sites/{site} gives them.
func (sh *swapHost) generation(t testing.TB, site, plugin string) (float64, string) {
	t.Helper()
	status, v := sh.call(t, "GET", "/v1/sites/"+site, nil, "")
	if status != 200 {
		t.Fatalf("GET /v1/sites/%s: %d %v", site, status, v)
	}
	for _, p := range v["plugins"].([]any) {
		if p := p.(map[string]any); p["name"] == plugin {
			return p["generation"].(float64), p["loaded"].(string)
		}
	}
	t.Fatalf("site %s has no plugin %s: %v", site, plugin, v)
	return 0, ""
}

// awaitRetired waits until every site a change took out of service is
// closed, and the watchdog watches only the generations serving.
func awaitRetired(t testing.TB, h *host.Host, plugins int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for host.Retiring(h) != 0 || host.Watched(h) != plugins {
		if time.Now().After(deadline) {
			t.Fatalf("%d sites retiring, %d generations watched; want 0, %d", host.Retiring(h), host.Watched(h), plugins)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// siteTOML is a [[site]] table serving plugin file wasm as "hello" on /.
func siteTOML(name, hosts, wasm string, extra string) string {
	return fmt.Sprintf("[[site]]\nname = %q\nhosts = [%s]\n%s\n[site.plugins]\nhello = %q\n\n[[site.route]]\npath = \"/\"\nplugin = \"hello\"\n",
		name, hosts, extra, wasm)
}

// TestReplaceSiteUnderLoad replaces a site 100 times through PUT
// /v1/sites/{site}, alternating two builds of its plugin and two values
// of a limit (so that each PUT rebuilds the site), while clients keep
// sending requests on keep-alive connections (some pipelined): no
// request fails, a request sent after a PUT's answer gets the new
// build, the other site's generation is untouched, and once it is over
// the replaced sites are closed and one generation is left.
func TestReplaceSiteUnderLoad(t *testing.T) {
	a, b := variant(t, "hello", bodyA, bodyB)
	for _, transport := range []string{"netpoll", "std"} {
		t.Run(transport, func(t *testing.T) {
			if transport == "netpoll" && !netloop.NetpollSupported {
				t.Skip("netpoll is not supported here")
			}
			rh := startReloadHost(t, "")
			pa, pb := rh.put(t, "a.wasm", a), rh.put(t, "b.wasm", b)
			rh.write(t, siteTOML("s", `"*"`, pa, "")+siteTOML("other", `"other.test"`, pa, ""))
			if _, err := rh.h.ReloadFile(context.Background()); err != nil {
				t.Fatal(err)
			}
			otherGen, otherLoaded := rh.generation(t, "other", "hello")
			addr := serveTCP(t, rh.h, transport)

			const puts = 100
			requests := changesUnderLoad(t, addr, []int{1, 1, 4, 8}, []string{bodyA, bodyB}, puts, func(i int) string {
				wasm, want := pb, bodyB
				if i%2 == 1 {
					wasm, want = pa, bodyA
				}
				toml := siteTOML("s", `"*"`, wasm, fmt.Sprintf("[site.limits]\ninstances = %d\n", 4+i%2))
				status, v := rh.call(t, "PUT", "/v1/sites/s", []byte(toml), "")
				if status != 200 || !strings.Contains(fmt.Sprint(v["changes"]), "replaced") ||
					!strings.Contains(fmt.Sprint(v["note"]), "memory only") {
					t.Fatalf("PUT %d: %d %v", i, status, v)
				}
				if gen, _ := rh.generation(t, "s", "hello"); gen != float64(i+2) {
					t.Fatalf("after PUT %d: generation %v, want %d", i, gen, i+2)
				}
				return want
			})
			if gen, loaded := rh.generation(t, "other", "hello"); gen != otherGen || loaded != otherLoaded {
				t.Errorf("the other site's plugin changed: generation %v loaded %s; was %v, %s", gen, loaded, otherGen, otherLoaded)
			}
			awaitRetired(t, rh.h, 2)
			awaitOneGeneration(t, rh.h, "s", "hello")
			if n := metric(t, rh.h, `wasmweb_site_changes_total{action="replaced"}`); n != puts {
				t.Errorf("replacements counted %v, want %d", n, puts)
			}
			t.Logf("%d requests during %d site replacements", requests, puts)
		})
	}
}

// TestReloadAddsChangesRemoves reloads a config file that adds a site,
// changes one plugin's bytes in another, and later removes a site: each
// reload does what changed and nothing else.
func TestReloadAddsChangesRemoves(t *testing.T) {
	a, b := variant(t, "hello", bodyA, bodyB)
	rh := startReloadHost(t, "")
	pa := rh.put(t, "a.wasm", a)
	pb := rh.put(t, "b.wasm", a)
	rh.write(t, siteTOML("one", `"one.test"`, pa, "")+siteTOML("two", `"two.test"`, pb, ""))
	res, err := rh.h.ReloadFile(context.Background())
	if err != nil || len(res.Changes) != 2 || res.Changes[0] != (host.Change{Site: "one", Action: "added"}) ||
		res.Changes[1] != (host.Change{Site: "two", Action: "added"}) {
		t.Fatalf("first reload: %+v, %v", res, err)
	}
	oneGen, oneLoaded := rh.generation(t, "one", "hello")
	h := rh.h
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
	getHost := func(hostname string) (int, string) {
		t.Helper()
		c := openMem(t, srv, "GET / HTTP/1.1\r\nHost: "+hostname+"\r\n\r\n")
		status, body, ok := memAnswer(c, 10*time.Second)
		if !ok {
			t.Fatalf("GET %s: no answer", hostname)
		}
		return status, body
	}
	if s, body := getHost("two.test"); s != 200 || body != bodyA {
		t.Fatalf("two.test: %d %q", s, body)
	}

	// The same config, with two's module changed in place: a swap.
	rh.put(t, "b.wasm", b)
	res, err = h.ReloadFile(context.Background())
	if err != nil || len(res.Changes) != 1 || res.Changes[0] != (host.Change{Site: "two", Action: "swapped", Plugin: "hello", Generation: 2}) ||
		res.Unchanged != 1 {
		t.Fatalf("reload after a module changed: %+v, %v", res, err)
	}
	if s, body := getHost("two.test"); s != 200 || body != bodyB {
		t.Fatalf("two.test after the swap: %d %q", s, body)
	}
	// Nothing changed: nothing done.
	if res, err := h.ReloadFile(context.Background()); err != nil || len(res.Changes) != 0 || res.Unchanged != 2 {
		t.Fatalf("reload of the same config: %+v, %v", res, err)
	}

	// Two removed, three added.
	rh.write(t, siteTOML("one", `"one.test"`, pa, "")+siteTOML("three", `"three.test"`, pb, ""))
	res, err = h.ReloadFile(context.Background())
	if err != nil || len(res.Changes) != 2 || res.Changes[0] != (host.Change{Site: "three", Action: "added"}) ||
		res.Changes[1] != (host.Change{Site: "two", Action: "removed"}) {
		t.Fatalf("reload removing two, adding three: %+v, %v", res, err)
	}
	if s, _ := getHost("two.test"); s != 404 {
		t.Fatalf("two.test after its removal: %d, want 404", s)
	}
	if s, body := getHost("three.test"); s != 200 || body != bodyB {
		t.Fatalf("three.test: %d %q", s, body)
	}
	if gen, loaded := rh.generation(t, "one", "hello"); gen != oneGen || loaded != oneLoaded {
		t.Errorf("site one changed: generation %v loaded %s; was %v, %s", gen, loaded, oneGen, oneLoaded)
	}
	if status, _ := rh.call(t, "GET", "/v1/sites/two", nil, ""); status != 404 {
		t.Errorf("GET /v1/sites/two after its removal: %d", status)
	}
	// [server] changes need a restart: the reload says so and applies
	// nothing of it.
	rh.write(t, "[server]\nidle_timeout = \"5s\"\n"+siteTOML("one", `"one.test"`, pa, "")+siteTOML("three", `"three.test"`, pb, ""))
	if res, err := h.ReloadFile(context.Background()); err != nil || len(res.Changes) != 0 || fmt.Sprint(res.Restart) != "[server]" {
		t.Fatalf("reload with [server] changed: %+v, %v", res, err)
	}
	awaitRetired(t, h, 2)
	logs := rh.log.String()
	for _, want := range []string{`msg="host: site added" site=three`, `msg="host: site removed" site=two`,
		`msg="host: plugin swapped" site=two plugin=hello generation=2`, `msg="host: sites changed" changes=2 unchanged=1`, `msg="host: reload: [server] changed; it takes effect at the next start"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("the log lacks %s:\n%s", want, logs)
		}
	}
}

// openMem opens an in-memory connection to srv and feeds it raw.
func openMem(t testing.TB, srv *netloop.Server, raw string) *netlooptest.Conn {
	t.Helper()
	c := netlooptest.Open(srv)
	if c == nil {
		t.Fatal("connection refused")
	}
	t.Cleanup(c.Hangup)
	c.Feed([]byte(raw))
	return c
}

// TestRejectedReloads: a reload or PUT of each kind that cannot serve
// is refused with the reason, in the API's answer and the log, and the
// sites serving stay as they were.
func TestRejectedReloads(t *testing.T) {
	a, _ := variant(t, "hello", bodyA, bodyB)
	guest := func(name string) []byte {
		b, err := os.ReadFile("../conformance/guests/" + name + ".wasm")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rh := startReloadHost(t, "")
	good := rh.put(t, "good.wasm", a)
	noexport := rh.put(t, "noexport.wasm", guest("noexport"))
	starttrap := rh.put(t, "starttrap.wasm", guest("starttrap"))
	garbage := rh.put(t, "garbage.wasm", []byte("\x00asm\x01\x00\x00\x00\x01\xff\xff"))
	handlers := rh.put(t, "handlers.wasm", guest("handlers_good"))
	base := siteTOML("s", `"*"`, good, "")
	rh.write(t, base)
	if _, err := rh.h.ReloadFile(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := netloop.NewServer(netloop.Config{}, rh.h, netloop.NewStdTransport())
	for _, tc := range []struct {
		name   string
		file   string // the config file's new contents; "" to PUT site s
		swapIn []byte // the new contents of the plugin's file
		put    string
		status int
		cause  string
		says   []string
	}{
		{name: "config syntax", file: base + "\nnot toml at all\n", status: 400, cause: "config",
			says: []string{"wasmweb.toml:12"}},
		{name: "config unknown key", file: base + "[site.limits]\ninstance = 3\n", status: 400, cause: "config",
			says: []string{"wasmweb.toml:12", "site[0].limits.instance", "unknown key"}},
		{name: "missing export", file: siteTOML("s", `"*"`, noexport, ""), status: 422, cause: "check",
			says: []string{`plugin "hello"`, "missing export wasmweb_handle"}},
		{name: "trap in start", file: siteTOML("s", `"*"`, starttrap, ""), status: 422, cause: "instantiate",
			says: []string{`plugin "hello"`, "unreachable"}},
		{name: "does not decode", file: siteTOML("s", `"*"`, garbage, ""), status: 422, cause: "instrument",
			says: []string{`plugin "hello"`}},
		{name: "missing file", file: siteTOML("s", `"*"`, filepath.Join(rh.dir, "nope.wasm"), ""), status: 400, cause: "config",
			says: []string{"site[0].plugins.hello", "nope.wasm"}},
		{name: "hosts clash", file: base + siteTOML("t", `"*"`, good, ""), status: 422, cause: "hosts",
			says: []string{`both claim every host`}},
		{name: "one bad site of two", file: siteTOML("s", `"*"`, good, "[site.limits]\ninstances = 3\n") + siteTOML("t", `"t.test"`, noexport, ""),
			status: 422, cause: "check", says: []string{`site "t"`, "missing export"}},
		{name: "handler missing", file: siteTOML("s", `"*"`, handlers, ""), status: 400, cause: "config",
			says: []string{"wasmweb.toml:8", "site[0].route[0].handler", `registers no handler`}},
		{name: "handler missing in a new build", file: base, swapIn: guest("handlers_good"), status: 422, cause: "handlers",
			says: []string{`plugin "hello"`, "site[0].route[0].handler", `registers no handler`}},
		{name: "put: config", put: base + "[site.limits]\ninstance = 3\n", status: 400, cause: "config",
			says: []string{"PUT /v1/sites/s:12", "site[0].limits.instance"}},
		{name: "put: other table", put: "[server]\nlisten = \"0.0.0.0:80\"\n" + base, status: 400, cause: "config",
			says: []string{"server", "only a [[site]] table"}},
		{name: "put: other name", put: siteTOML("t", `"*"`, good, ""), status: 400, cause: "config",
			says: []string{`named "t"`}},
		{name: "put: trap in start", put: siteTOML("s", `"*"`, starttrap, ""), status: 422, cause: "instantiate",
			says: []string{"unreachable"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(rh.log.String())
			var status int
			var v map[string]any
			if tc.put != "" {
				status, v = rh.call(t, "PUT", "/v1/sites/s", []byte(tc.put), "")
			} else {
				rh.write(t, tc.file)
				if tc.swapIn != nil {
					rh.put(t, "good.wasm", tc.swapIn)
					defer rh.put(t, "good.wasm", a)
				}
				status, v = rh.call(t, "POST", "/v1/reload", nil, "")
			}
			msg, _ := v["error"].(string)
			if status != tc.status || v["cause"] != tc.cause {
				t.Fatalf("%d %v; want %d, cause %s", status, v, tc.status, tc.cause)
			}
			logged := rh.log.String()[before:]
			if !strings.Contains(logged, "sites not changed; the old ones keep serving") {
				t.Errorf("not logged: %q", logged)
			}
			for _, s := range tc.says {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not say %q", msg, s)
				}
				if !strings.Contains(logged, strings.ReplaceAll(s, `"`, `\"`)) {
					t.Errorf("log %q does not say %q", logged, s)
				}
			}
			if status, body := get(t, srv, "/"); status != 200 || body != bodyA {
				t.Fatalf("after the refusal: %d %q", status, body)
			}
			if gen, _ := rh.generation(t, "s", "hello"); gen != 1 {
				t.Fatalf("generation changed: %v", gen)
			}
			if status, v := rh.call(t, "GET", "/v1/sites", nil, ""); status != 200 || len(v["sites"].([]any)) != 1 {
				t.Fatalf("sites changed: %v", v)
			}
			awaitRetired(t, rh.h, 1)
			awaitOneGeneration(t, rh.h, "s", "hello")
		})
	}
	if n := metric(t, rh.h, `wasmweb_site_change_failures_total{cause="config"}`); n != 7 {
		t.Errorf("config failures counted: %v, want 7", n)
	}
}

// rawConn is a client connection for one request at a time.
type rawConn struct {
	c net.Conn
	r *bufio.Reader
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{c, bufio.NewReader(c)}
}

func (rc *rawConn) send(t testing.TB, hostname, target string) {
	t.Helper()
	if _, err := fmt.Fprintf(rc.c, "GET %s HTTP/1.1\r\nHost: %s\r\n\r\n", target, hostname); err != nil {
		t.Fatal(err)
	}
}

func (rc *rawConn) answer() (*http.Response, string, error) {
	rc.c.SetDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(rc.r, nil)
	if err != nil {
		return nil, "", err
	}
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

// deleteSiteTOML is the config of TestDeleteSite: site d with the
// byroute guest (for long polls) and slowhello, and a "*" site.
func deleteSiteTOML(guests string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "[[site]]\nname = \"d\"\nhosts = [\"d.test\"]\n[site.plugins]\ng = %q\nslow = %q\n",
		filepath.Join(guests, "byroute.wasm"), filepath.Join(guests, "slowhello.wasm"))
	for _, p := range byroutePaths {
		fmt.Fprintf(&sb, "[[site.route]]\npath = %q\nplugin = \"g\"\n", p)
	}
	sb.WriteString("[[site.route]]\npath = \"/slow\"\nplugin = \"slow\"\n\n")
	sb.WriteString(siteTOML("fallback", `"*"`, filepath.Join(guests, "hello.wasm"), ""))
	return sb.String()
}

// TestDeleteSite removes a site while a request is running on it and
// long polls are parked: the request completes, the polls get 503 with
// Retry-After, its host then gets the "*" site, and the site is closed.
func TestDeleteSite(t *testing.T) {
	guests, err := filepath.Abs("../conformance/guests")
	if err != nil {
		t.Fatal(err)
	}
	for _, transport := range []string{"netpoll", "std"} {
		t.Run(transport, func(t *testing.T) {
			if transport == "netpoll" && !netloop.NetpollSupported {
				t.Skip("netpoll is not supported here")
			}
			rh := startReloadHost(t, deleteSiteTOML(guests))
			addr := serveTCP(t, rh.h, transport)
			const polls = 5
			var parked []*rawConn
			for range polls {
				rc := dialRaw(t, addr)
				rc.send(t, "d.test", "/park?room")
				parked = append(parked, rc)
			}
			awaitParked(t, rh.h, "d", polls)
			slow := dialRaw(t, addr)
			slow.send(t, "d.test", "/slow")
			deadline := time.Now().Add(20 * time.Second)
			for !strings.Contains(rh.log.String(), "slowhello: sleeping") {
				if time.Now().After(deadline) {
					t.Fatal("the slow request never started")
				}
				time.Sleep(time.Millisecond)
			}

			status, v := rh.call(t, "DELETE", "/v1/sites/d", nil, "")
			if status != 200 || fmt.Sprint(v["changes"]) != "[map[action:removed site:d]]" {
				t.Fatalf("DELETE: %d %v", status, v)
			}
			for i, rc := range parked {
				resp, _, err := rc.answer()
				if err != nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
					t.Fatalf("parked poll %d: %v, %v; want 503 with Retry-After", i, resp, err)
				}
			}
			rc := dialRaw(t, addr)
			rc.send(t, "d.test", "/")
			if resp, body, err := rc.answer(); err != nil || resp.StatusCode != 200 || body != bodyA {
				t.Fatalf("d.test after DELETE: %v %q, %v; want the \"*\" site's answer", resp, body, err)
			}
			if resp, body, err := slow.answer(); err != nil || resp.StatusCode != 200 || body != "Hello, slowly" {
				t.Fatalf("the request in flight: %v %q, %v; want 200 Hello, slowly", resp, body, err)
			}
			awaitRetired(t, rh.h, 1)
			if status, _ := rh.call(t, "DELETE", "/v1/sites/d", nil, ""); status != 404 {
				t.Errorf("second DELETE: %d, want 404", status)
			}
			if status, _ := rh.call(t, "DELETE", "/v1/sites/a..b", nil, ""); status != 400 {
				t.Errorf("DELETE of a bad name: %d, want 400", status)
			}
		})
	}
}

// TestReplaceSiteKeepsParkedPolls parks polls, then replaces their site
// with a build of its plugin that answers a wake-up differently: with
// the same [site.pubsub] the polls stay parked and the new site answers
// them; with another, they get 503 and Retry-After.
func TestReplaceSiteKeepsParkedPolls(t *testing.T) {
	orig, changed := variant(t, "byroute", "woken", "WOKEN")
	toml := func(wasm, pubsub string) string {
		var sb strings.Builder
		fmt.Fprintf(&sb, "[[site]]\nname = \"p\"\nhosts = [\"*\"]\n%s\n[site.plugins]\ng = %q\n", pubsub, wasm)
		for _, p := range byroutePaths {
			fmt.Fprintf(&sb, "[[site.route]]\npath = %q\nplugin = \"g\"\n", p)
		}
		return sb.String()
	}
	for _, transport := range []string{"netpoll", "std"} {
		t.Run(transport, func(t *testing.T) {
			if transport == "netpoll" && !netloop.NetpollSupported {
				t.Skip("netpoll is not supported here")
			}
			rh := startReloadHost(t, "")
			p1, p2 := rh.put(t, "g1.wasm", orig), rh.put(t, "g2.wasm", changed)
			rh.write(t, toml(p1, ""))
			if _, err := rh.h.ReloadFile(context.Background()); err != nil {
				t.Fatal(err)
			}
			addr := serveTCP(t, rh.h, transport)
			// Each round waits on a fresh topic: the broker, carried
			// over, keeps the messages of the earlier ones.
			park := func(n int, topic string) []*rawConn {
				var cs []*rawConn
				for range n {
					rc := dialRaw(t, addr)
					rc.send(t, "x", "/park?"+topic)
					cs = append(cs, rc)
				}
				awaitParked(t, rh.h, "p", int64(n))
				return cs
			}
			const polls = 20
			cs := park(polls, transport+"1")
			if status, v := rh.call(t, "PUT", "/v1/sites/p", []byte(toml(p2, "")), ""); status != 200 {
				t.Fatalf("PUT: %d %v", status, v)
			}
			awaitRetired(t, rh.h, 1)
			awaitParked(t, rh.h, "p", polls)
			pub := dialRaw(t, addr)
			pub.send(t, "x", "/publish?"+transport+"1")
			if resp, body, err := pub.answer(); err != nil || resp.StatusCode != 200 || body != "published" {
				t.Fatalf("publish: %v %q %v", resp, body, err)
			}
			for i, rc := range cs {
				if resp, body, err := rc.answer(); err != nil || resp.StatusCode != 200 || body != "WOKEN" {
					t.Fatalf("poll %d: %v %q, %v; want 200 WOKEN from the new site", i, resp, body, err)
				}
			}

			// Other pub/sub settings: a new broker, and the polls of
			// the old one are let go.
			cs = park(polls, transport+"2")
			pubsub := "[site.pubsub]\nmax_waiters = 500\n"
			if status, v := rh.call(t, "PUT", "/v1/sites/p", []byte(toml(p1, pubsub)), ""); status != 200 {
				t.Fatalf("PUT: %d %v", status, v)
			}
			for i, rc := range cs {
				if resp, _, err := rc.answer(); err != nil || resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
					t.Fatalf("poll %d: %v, %v; want 503 with Retry-After", i, resp, err)
				}
			}
			awaitRetired(t, rh.h, 1)
		})
	}
}

// TestManySiteReloads rebuilds a site 60 times: afterwards the replaced
// sites are all closed, the watchdog watches one generation, the site
// holds one compiled module and its current generation's instances, and
// the goroutines and live heap are back to what they were after the
// first ten (each site has parking workers, a broker, a runtime).
func TestManySiteReloads(t *testing.T) {
	a, b := variant(t, "hello", bodyA, bodyB)
	rh := startReloadHost(t, "")
	pa, pb := rh.put(t, "a.wasm", a), rh.put(t, "b.wasm", b)
	var goroutines int
	var heap uint64
	settle := func() (int, uint64) {
		awaitRetired(t, rh.h, 1)
		awaitOneGeneration(t, rh.h, "s", "hello")
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return runtime.NumGoroutine(), ms.HeapInuse
	}
	for i := range 60 {
		if i == 10 {
			goroutines, heap = settle()
		}
		wasm := pa
		if i%2 == 1 {
			wasm = pb
		}
		spec := config.Site{Name: "s", Hosts: []string{"*"}, Plugins: map[string]string{"hello": wasm},
			Routes: []config.Route{{Path: "/", Plugin: "hello"}}}
		if _, err := rh.h.ReplaceSite(context.Background(), spec); err != nil {
			t.Fatal(err)
		}
	}
	g, hp := settle()
	for deadline := time.Now().Add(10 * time.Second); g > goroutines && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		g, hp = settle()
	}
	if g > goroutines {
		t.Errorf("%d goroutines after 60 site replacements, %d after 10", g, goroutines)
	}
	if hp > heap+heap/10+1<<20 {
		t.Errorf("live heap %d KiB after 60 site replacements, %d KiB after 10", hp>>10, heap>>10)
	}
	if gen, _ := rh.generation(t, "s", "hello"); gen != 60 {
		t.Errorf("generation %v, want 60", gen)
	}
	if n := metric(t, rh.h, `wasmweb_compiled_modules{site="s"}`); n != 1 {
		t.Errorf("compiled modules gauge %v, want 1", n)
	}
	t.Logf("after 10: %d goroutines, heap %d KiB; after 60: %d, %d KiB", goroutines, heap>>10, g, hp>>10)
}

// TestChangesAfterClose: a change once the host is closing is refused.
func TestChangesAfterClose(t *testing.T) {
	rh := startReloadHost(t, siteTOML("s", `"*"`, mustAbs(t, "../conformance/guests/hello.wasm"), ""))
	rh.h.Close(context.Background())
	if _, err := rh.h.ReloadFile(context.Background()); !errors.Is(err, host.ErrClosed) {
		t.Fatalf("reload after Close: %v", err)
	}
	if _, err := rh.h.RemoveSite(context.Background(), "s"); !errors.Is(err, host.ErrClosed) {
		t.Fatalf("remove after Close: %v", err)
	}
}

func mustAbs(t testing.TB, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestReplaceSiteKeepsRandomCookieKey: a site without cookie secrets
// signs with a random key; replacing it keeps that key (its users stay
// signed in) unless its cookie settings change.
func TestReplaceSiteKeepsRandomCookieKey(t *testing.T) {
	spec := helloSpec()
	rh := startReloadHost(t, "")
	if _, err := rh.h.ReplaceSite(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	before := host.SignerOf(rh.h, "s")
	spec.Limits.Instances = 3
	if _, err := rh.h.ReplaceSite(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	if host.SignerOf(rh.h, "s") != before {
		t.Error("replacing the site changed its random cookie key")
	}
	spec.Cookies.MaxAge = config.Duration(time.Hour)
	if _, err := rh.h.ReplaceSite(context.Background(), spec); err != nil {
		t.Fatal(err)
	}
	if host.SignerOf(rh.h, "s") == before {
		t.Error("new cookie settings kept the old signer")
	}
}

// TestRebuildSite builds a site again from its own spec, as wasmweb dev
// does when its templates change: a template that no longer parses is
// refused and the site keeps serving as it was; once it parses, the site
// is replaced and the other site is not touched. An unknown site is an
// error.
func TestRebuildSite(t *testing.T) {
	a, _ := variant(t, "hello", bodyA, bodyB)
	rh := startReloadHost(t, "")
	pa := rh.put(t, "a.wasm", a)
	tdir := filepath.Join(rh.dir, "templates")
	if err := os.Mkdir(tdir, 0o755); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(tdir, "page.html")
	if err := os.WriteFile(page, []byte("<p>{{.}}</p>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rh.write(t, siteTOML("one", `"one.test"`, pa, "[site.templates]\ndir = \"templates\"\n")+siteTOML("two", `"two.test"`, pa, ""))
	if _, err := rh.h.ReloadFile(context.Background()); err != nil {
		t.Fatal(err)
	}
	twoGen, twoLoaded := rh.generation(t, "two", "hello")
	srv := netloop.NewServer(netloop.Config{}, rh.h, netloop.NewStdTransport())
	get := func() (int, string) {
		t.Helper()
		c := openMem(t, srv, "GET / HTTP/1.1\r\nHost: one.test\r\n\r\n")
		status, body, ok := memAnswer(c, 10*time.Second)
		if !ok {
			t.Fatal("GET one.test: no answer")
		}
		return status, body
	}

	if err := os.WriteFile(page, []byte("<p>{{.</p>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := rh.h.RebuildSite(context.Background(), "one")
	var re *host.ReloadError
	if !errors.As(err, &re) || re.Site != "one" || !strings.Contains(err.Error(), "page.html") {
		t.Fatalf("rebuild with a broken template: %v, want a ReloadError of site one naming page.html", err)
	}
	if s, body := get(); s != 200 || body != bodyA {
		t.Fatalf("one.test after a refused rebuild: %d %q", s, body)
	}

	if err := os.WriteFile(page, []byte("<p>{{.}}!</p>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := rh.h.RebuildSite(context.Background(), "one")
	if err != nil || len(res.Changes) != 1 || res.Changes[0].Site != "one" || res.Changes[0].Action != host.ActionReplaced {
		t.Fatalf("rebuild: %+v, %v", res, err)
	}
	if s, body := get(); s != 200 || body != bodyA {
		t.Fatalf("one.test after the rebuild: %d %q", s, body)
	}
	if gen, loaded := rh.generation(t, "two", "hello"); gen != twoGen || loaded != twoLoaded {
		t.Errorf("site two changed: generation %v loaded %s; was %v, %s", gen, loaded, twoGen, twoLoaded)
	}
	if _, err := rh.h.RebuildSite(context.Background(), "nope"); !errors.Is(err, host.ErrNoSite) {
		t.Errorf("rebuild of an unknown site: %v, want ErrNoSite", err)
	}
	awaitRetired(t, rh.h, 2)
}
