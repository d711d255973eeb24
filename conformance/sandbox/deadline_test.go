package sandbox_test

import (
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host/config"
)

// TestWASIWithinDeadline sends requests whose guests spend their time in
// host calls (a sleep of an hour; huge poll_oneoff, fd_write and
// random_get calls; clocks, log and sched_yield in loops) over each
// transport. Each must be answered with the status the guest's header
// promises (503 for those only the deadline stops), well before the
// hour (hangBound); hello keeps answering on the same site and another.
func TestWASIWithinDeadline(t *testing.T) {
	spec := wasiSpec("wasi", "wasi.test", "sleep", "pollmany", "flood", "random", "clock", "logloop", "hostcalls")
	spec.Routes = append(spec.Routes, config.Route{Path: "/hostcalls-indirect", Plugin: "hostcalls"})
	sb := start(t, spec, helloSpec("other", "other.test"))
	cases := []struct {
		target string
		status []int // any of these
	}{
		{"/sleep", []int{503}},
		{"/pollmany", []int{503}},
		{"/pollmany?wrap", []int{200, 500}},
		{"/flood?n", []int{200, 503}},
		{"/flood?i", []int{200, 503}},
		{"/flood", []int{503}},
		{"/random", []int{503}},
		{"/clock", []int{503}},
		{"/logloop", []int{503}},
		{"/hostcalls", []int{503}},
		{"/hostcalls-indirect", []int{503}},
	}
	for _, tr := range transports(t) {
		addr := sb.listen(tr)
		for _, tc := range cases {
			t.Run(tr+tc.target, func(t *testing.T) {
				sb := sb.with(t)
				r, took := sb.getWithin(addr, "wasi.test", tc.target, hangBound)
				if r.status == 0 {
					return // reported
				}
				if !oneOf(r.status, tc.status) {
					t.Errorf("GET %s: %d, want one of %v", tc.target, r.status, tc.status)
				}
				if r.status == 503 && r.header.Get("Retry-After") == "" {
					t.Errorf("GET %s: 503 without Retry-After", tc.target)
				}
				t.Logf("GET %s: %d in %v (deadline %v)", tc.target, r.status, took.Round(time.Millisecond), shortTimeout)
				for _, site := range []string{"wasi.test", "other.test"} {
					if r, _ := sb.getWithin(addr, site, "/hello", hangBound); r.status != 200 || r.body != "Hello, world" {
						t.Errorf("GET %s/hello after %s: %d %q, want 200 \"Hello, world\"", site, tc.target, r.status, r.body)
					}
				}
			})
		}
	}
}
