package host_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

// failureKeys are the attributes every failure's record has.
var failureKeys = []string{"request_id", "site", "plugin", "route", "route_key", "handler", "kind", "message"}

// TestFailureRecords fails calls in each way a guest can and checks that
// each failure is one record with the request id, the site, route and
// handler, the kind, the guest's message and a capped stack, and that
// the guest's lines of the failed call are in it rather than logged on
// their own.
func TestFailureRecords(t *testing.T) {
	fg := failGuest(t)
	// The calls that fail by themselves run with a deadline long enough
	// for a replacement instance to be ready in time however slow the
	// machine; the loop runs in a site of its own with a short one.
	spec := config.Site{Name: "f", Hosts: []string{"f.test"},
		Limits: config.Limits{Instances: 2, WarmInstances: 1, Memory: 32 << 20,
			CallTimeout: config.Duration(time.Minute)},
		Plugins: map[string]string{"app": fg, "unreachable": wasmPath("unreachable"), "abuse": wasmPath("abuse")},
		Routes: []config.Route{
			{Path: "/ok", Plugin: "app", Handler: "ok"},
			{Path: "/panic", Plugin: "app", Handler: "panic"},
			{Path: "/alloc", Plugin: "app", Handler: "alloc"},
			{Path: "/crash", Plugin: "app", Handler: "crash"},
			{Path: "/spew", Plugin: "app", Handler: "spew"},
			{Path: "/deep", Plugin: "app", Handler: "deep"},
			{Path: "/chatty", Plugin: "app", Handler: "chatty"},
			{Path: "/unreachable", Plugin: "unreachable"},
			{Path: "/abuse", Plugin: "abuse"},
		}}
	loop := config.Site{Name: "d", Hosts: []string{"d.test"},
		Limits:  config.Limits{Instances: 2, WarmInstances: 1, CallTimeout: config.Duration(300 * time.Millisecond)},
		Plugins: map[string]string{"app": fg},
		Routes:  []config.Route{{Path: "/loop", Plugin: "app", Handler: "loop"}}}
	h, log, err := loggedHost(t, config.Config{Sites: []config.Site{spec, loop}})
	if err != nil {
		t.Fatal(err)
	}
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
	get := func(target string) int {
		c := netlooptest.Open(srv)
		defer c.Hangup()
		site := "f.test"
		if target == "/loop" {
			site = "d.test"
		}
		c.Feed([]byte("GET " + target + " HTTP/1.1\r\nHost: " + site + "\r\n\r\n"))
		out := string(c.Output())
		code := 0
		if len(out) > 12 {
			code = int(out[9]-'0')*100 + int(out[10]-'0')*10 + int(out[11]-'0')
		}
		return code
	}
	for _, tc := range []struct {
		path, handler, kind string
		status              int
		message             string   // in the message attribute
		stack               string   // in the stack attribute; "" for none
		output              []string // in the output attribute
		dropped             bool     // output_dropped is set
	}{
		{"/panic", "panic", "panic", 500, `sdk: handler "panic" panicked: failguest: deliberate`, "main.init", []string{"before the panic"}, false},
		{"/alloc", "alloc", "out-of-memory", 500, "fatal error: out of memory", "goroutine", nil, false},
		{"/crash", "crash", "panic", 500, "panic: failguest: crash on a goroutine", "goroutine", nil, false},
		{"/loop", "loop", "deadline", 503, "call stopped at its deadline (300ms)", "", nil, false},
		{"/spew", "spew", "panic", 500, `sdk: handler "spew" panicked: failguest: after the flood`, "main.init", []string{strings.Repeat("x", 1000)}, true},
		{"/deep", "deep", "panic", 500, `panicked: failguest: deep down`, "more lines", nil, false},
		{"/unreachable", "unreachable", "trap", 500, "wasm error: unreachable", "", nil, false},
		{"/abuse?20", "abuse", "misuse", 500, "wasmweb: ", "", nil, false},
	} {
		t.Run(tc.handler, func(t *testing.T) {
			mark := len(log.records(""))
			if got := get(tc.path); got != tc.status {
				t.Errorf("GET %s: %d, want %d", tc.path, got, tc.status)
			}
			recs := log.records("")[mark:]
			var fails []rec
			for _, r := range recs {
				if r.attrs["kind"] != "" {
					fails = append(fails, r)
				} else if r.attrs["request_id"] != "" {
					t.Errorf("a record of the failed call besides its failure's: %s %v", r.msg, r.attrs)
				}
			}
			if len(fails) != 1 {
				t.Fatalf("%d failure records, want 1; log: %v", len(fails), recs)
			}
			f := fails[0]
			if f.level.String() != "ERROR" {
				t.Errorf("level %v, want ERROR", f.level)
			}
			for _, k := range failureKeys {
				if f.attrs[k] == "" {
					t.Errorf("no attribute %s: %v", k, f.attrs)
				}
			}
			site := "f"
			if tc.path == "/loop" {
				site = "d"
			}
			want := map[string]string{"site": site, "handler": tc.handler, "kind": tc.kind, "route": strings.Split(tc.path, "?")[0]}
			for k, v := range want {
				if f.attrs[k] != v {
					t.Errorf("%s = %q, want %q", k, f.attrs[k], v)
				}
			}
			if !strings.HasPrefix(f.attrs["route_key"], "site[") || !strings.Contains(f.attrs["route_key"], "].route[") {
				t.Errorf("route_key %q", f.attrs["route_key"])
			}
			if msg := f.attrs["message"]; !strings.Contains(msg, tc.message) || strings.Contains(msg, "\n") {
				t.Errorf("message %q, want one line with %q", msg, tc.message)
			}
			stack := f.attrs["stack"]
			if tc.stack != "" && !strings.Contains(stack, tc.stack) {
				t.Errorf("stack %q lacks %q", stack, tc.stack)
			}
			if n := strings.Count(stack, "\n") + 1; n > 65 || len(stack) > 4<<10 {
				t.Errorf("stack of %d lines and %d bytes, past the caps", n, len(stack))
			}
			for _, o := range tc.output {
				if !strings.Contains(f.attrs["output"], o) {
					t.Errorf("output lacks %q: %.200q", o, f.attrs["output"])
				}
			}
			if len(f.attrs["output"]) > 64<<10 {
				t.Errorf("output of %d bytes, past the call's budget", len(f.attrs["output"]))
			}
			if got := f.attrs["output_dropped"] != ""; got != tc.dropped {
				t.Errorf("output_dropped %q, want set %v", f.attrs["output_dropped"], tc.dropped)
			}
			if get("/ok") != 200 {
				t.Error("the plugin does not answer after the failure")
			}
		})
	}
	// The loop ran 300 ms: it gave the core up part way, many times.
	if n := metricSum(t, h, "wasmweb_guest_yields_total", `site="d"`); n < 1 {
		t.Errorf("wasmweb_guest_yields_total{site=\"d\"} = %v after a 300 ms loop, want > 0", n)
	}
	// A call that succeeds logs its lines on their own, with its
	// request id, as they were written.
	mark := len(log.records(""))
	if get("/chatty") != 200 {
		t.Fatal("GET /chatty failed")
	}
	recs := log.records("")[mark:]
	texts := map[string]string{}
	for _, r := range recs {
		if r.attrs["kind"] != "" {
			t.Errorf("a failure's record for a call that succeeded: %v", r.attrs)
		}
		texts[r.attrs["text"]] = r.attrs["request_id"]
	}
	for _, want := range []string{"failguest: a log line", "failguest: an output line"} {
		if id, ok := texts[want]; !ok || id == "" {
			t.Errorf("line %q logged %v with request id %q; log %v", want, ok, id, recs)
		}
	}
}

// The guest text of a failure's record is charged to the plugin's log
// rate: output that costs more than the rate holds is left out, and
// counted, while the record, its message and its stack stay.
func TestFailureRecordWithinRate(t *testing.T) {
	spec := config.Site{Name: "r", Hosts: []string{"*"},
		Limits: config.Limits{Instances: 1, WarmInstances: 1, LogBytesPerSecond: 4 << 10,
			CallTimeout: config.Duration(time.Minute)},
		Plugins: map[string]string{"app": failGuest(t)},
		Routes:  []config.Route{{Path: "/spew", Plugin: "app", Handler: "spew"}}}
	h, log, err := loggedHost(t, config.Config{Sites: []config.Site{spec}})
	if err != nil {
		t.Fatal(err)
	}
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
	c := netlooptest.Open(srv)
	c.Feed([]byte("GET /spew HTTP/1.1\r\nHost: r\r\n\r\n"))
	if out := string(c.Output()); !strings.HasPrefix(out, "HTTP/1.1 500") {
		t.Fatalf("GET /spew: %.40q", out)
	}
	c.Hangup()
	recs := log.records("host: guest panicked; instance discarded")
	if len(recs) != 1 {
		t.Fatalf("%d records of the panic, want 1", len(recs))
	}
	// The call's budget (64 KiB) holds about 60 KiB of its 4 MB of
	// output: more than the plugin's rate (4 KiB a second, as a burst).
	a := recs[0].attrs
	if !strings.Contains(a["message"], "failguest: after the flood") || a["stack"] == "" || a["output"] != "" || a["output_dropped"] == "" {
		t.Errorf("message %q, stack of %d bytes, output of %d, output_dropped %q; want the message and stack, no output, and what was dropped",
			a["message"], len(a["stack"]), len(a["output"]), a["output_dropped"])
	}
}
