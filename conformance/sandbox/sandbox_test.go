package sandbox_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
)

// hostileSpec is a site that serves hello on /hello and each hostile
// guest on /<guest>, answering hostname.
func hostileSpec(name, hostname string, lim config.Limits) config.Site {
	spec := config.Site{
		Name: name, Hosts: []string{hostname}, Limits: lim,
		Plugins: map[string]string{"hello": wasmPath("hello")},
		Routes:  []config.Route{{Path: "/hello", Plugin: "hello"}},
	}
	for _, g := range hostile {
		spec.Plugins[g] = wasmPath(g)
		spec.Routes = append(spec.Routes, config.Route{Path: "/" + g, Plugin: g})
	}
	return spec
}

// helloSpec is a site that serves only hello, on every path.
func helloSpec(name, hostname string) config.Site {
	return config.Site{
		Name: name, Hosts: []string{hostname},
		Plugins: map[string]string{"hello": wasmPath("hello")},
		Routes:  []config.Route{{Path: "/{path...}", Plugin: "hello"}},
	}
}

// hostileCase is one request that a hostile guest must fail.
type hostileCase struct {
	guest, query string
	status       int    // 500 or 503
	log          string // what the host must log about it
}

func (c hostileCase) target() string {
	if c.query == "" {
		return "/" + c.guest
	}
	return "/" + c.guest + "?" + c.query
}

// hostileCases has one failing request per hostile guest. abuse case 20
// is req_get with a buffer of 0x7FFFFFFF bytes at 0.
var hostileCases = []hostileCase{
	{"loop", "", 503, logDeadline},
	{"fanout", "", 503, logDeadline},
	{"grow", "", 500, logTrap},
	{"unreachable", "", 500, logTrap},
	{"recurse", "", 500, logTrap},
	{"divzero", "", 500, logTrap},
	{"oob", "", 500, logTrap},
	{"abuse", "20", 500, logMisuse},
	{"secret", "write-and-trap", 500, logTrap},
}

// TestHostileGuests runs every hostile guest twice (the second time on a
// replacement instance) and checks its status, what the host logged, and
// that hello keeps answering on the same site and on another site.
func TestHostileGuests(t *testing.T) {
	// loop runs in a site with a 200 ms deadline; the others in one with a
	// deadline long enough that it never catches a trap (under -race a
	// stack overflow takes about a second).
	sb := start(t,
		hostileSpec("hostile", "hostile.test", config.Limits{CallTimeout: config.Duration(30 * time.Second), Memory: config.Size(2 << 20)}),
		hostileSpec("spin", "spin.test", config.Limits{CallTimeout: config.Duration(200 * time.Millisecond)}),
		helloSpec("other", "other.test"),
	)
	sb.expectHello("hostile.test", "/hello")
	sb.expectHello("other.test", "/")
	for _, tc := range hostileCases {
		t.Run(tc.guest, func(t *testing.T) {
			sb := sb.with(t)
			site := "hostile"
			if tc.status == 503 {
				site = "spin"
			}
			for round := range 2 {
				mark := sb.log.mark()
				r := sb.get(site+".test", tc.target())
				if r.status != tc.status {
					t.Errorf("round %d: GET %s: %d, want %d", round, tc.target(), r.status, tc.status)
				}
				if tc.status == 503 && r.header.Get("Retry-After") == "" {
					t.Errorf("round %d: 503 without Retry-After", round)
				}
				if strings.Contains(r.body, "wasm") || strings.Contains(r.body, "TOP-SECRET") {
					t.Errorf("round %d: the error page leaks guest details: %q", round, r.body)
				}
				if recs := sb.log.find(mark, tc.log, "plugin", tc.guest, "site", site); len(recs) != 1 {
					t.Errorf("round %d: the host logged %d %q records for plugin %s, want 1; log: %v",
						round, len(recs), tc.log, tc.guest, sb.log.records(mark))
				} else if recs[0].attrs["request_id"] == "" {
					t.Errorf("round %d: the log line has no request id: %v", round, recs[0].attrs)
				}
				sb.expectHello(site+".test", "/hello")
				sb.expectHello("other.test", "/")
			}
		})
	}
	sb.expectHello("hostile.test", "/hello")
	sb.expectHello("other.test", "/anything")
}

// TestLoadRefused checks that guests with the wrong exports or imports are
// refused at load, with an error that says what was expected.
func TestLoadRefused(t *testing.T) {
	engine, err := host.NewEngine("")
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	for _, tc := range []struct {
		guest string
		want  []string
	}{
		{"badsig", []string{`plugin "badsig"`, "export wasmweb_handle has signature (i32) -> (i64), want (i32) -> (i32)"}},
		{"noexport", []string{`plugin "noexport"`, "missing export wasmweb_handle", "(i32) -> (i32)"}},
		{"badimport", []string{`plugin "badimport"`, "wasmweb_v1.does_not_exist"}},
		{"v2import", []string{`plugin "v2import"`, "wasmweb_v2", "wasmweb_v1"}},
	} {
		t.Run(tc.guest, func(t *testing.T) {
			spec := config.Site{
				Name: "s", Hosts: []string{"*"},
				Plugins: map[string]string{"hello": wasmPath("hello"), tc.guest: wasmPath(tc.guest)},
				Routes:  []config.Route{{Path: "/", Plugin: tc.guest}, {Path: "/hello", Plugin: "hello"}},
			}
			h, err := host.New(context.Background(), engine, config.Config{Sites: []config.Site{spec}}, nil)
			if err == nil {
				h.Close(context.Background())
				t.Fatal("host.New accepted the guest")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// abuseCase is one case of abuse.wasm, as listed in abuse.wat's header.
type abuseCase struct {
	n        int
	fn       string
	variant  string
	inBounds bool
	ranges   int // pointer/length pairs of fn
}

var (
	abuseVariantRE = regexp.MustCompile(`^;;   (\d+) (.+?)\s+(in bounds|out of bounds):`)
	abuseFuncRE    = regexp.MustCompile(`^;;   case (\d+)-(\d+): (\w+) ranges=(\d+)$`)
)

// abuseCases reads the table of cases from the header gen_abuse.go writes.
func abuseCases(t *testing.T) []abuseCase {
	src, err := os.ReadFile(guestDir + "/abuse.wat")
	if err != nil {
		t.Fatal(err)
	}
	type variant struct {
		name     string
		inBounds bool
	}
	var variants []variant
	var cases []abuseCase
	for _, line := range strings.Split(string(src), "\n") {
		if m := abuseVariantRE.FindStringSubmatch(line); m != nil {
			variants = append(variants, variant{m[2], m[3] == "in bounds"})
		}
		if m := abuseFuncRE.FindStringSubmatch(line); m != nil {
			first, _ := strconv.Atoi(m[1])
			ranges, _ := strconv.Atoi(m[4])
			for i, v := range variants {
				cases = append(cases, abuseCase{n: first + i, fn: m[3], variant: v.name, inBounds: v.inBounds, ranges: ranges})
			}
		}
	}
	if len(variants) != 7 || len(cases) < 14*7 {
		t.Fatalf("abuse.wat lists %d variants and %d cases, want 7 and at least %d", len(variants), len(cases), 14*7)
	}
	for i, c := range cases {
		if c.n != i {
			t.Fatalf("abuse.wat: case %d listed at position %d", c.n, i)
		}
	}
	return cases
}

// TestAbuse calls every host function with every hostile pointer/length
// variant. Every case gets a response (200, 4xx or 5xx); a case with a
// range out of bounds gets 500 because the host trapped the guest for
// misusing the ABI; a case in bounds is never trapped.
func TestAbuse(t *testing.T) {
	sb := start(t, hostileSpec("abuse", "abuse.test", config.Limits{CallTimeout: config.Duration(10 * time.Second)}), helloSpec("other", "other.test"))
	for _, c := range abuseCases(t) {
		mark := sb.log.mark()
		r := sb.get("abuse.test", "/abuse?"+strconv.Itoa(c.n))
		name := fmt.Sprintf("case %d: %s %s", c.n, c.fn, c.variant)
		if r.status != 200 && (r.status < 400 || r.status > 599) {
			t.Errorf("%s: status %d, want 200, 4xx or 5xx", name, r.status)
		}
		misuse := sb.log.find(mark, logMisuse, "plugin", "abuse")
		traps := sb.log.find(mark, logTrap, "plugin", "abuse")
		if c.ranges > 0 && !c.inBounds {
			if r.status != 500 || len(misuse) != 1 {
				t.Errorf("%s: %d with %d misuse traps logged, want 500 and 1 (out of bounds)", name, r.status, len(misuse))
			}
		} else if len(misuse)+len(traps) != 0 {
			t.Errorf("%s: in bounds, but the host trapped the guest: %v", name, sb.log.records(mark))
		}
		if c.n%7 == 6 {
			sb.expectHello("abuse.test", "/hello")
			sb.expectHello("other.test", "/")
		}
	}
	if r := sb.get("abuse.test", "/abuse?nope"); r.status != 400 {
		t.Errorf("abuse without a case: %d, want 400", r.status)
	}
}

// TestGrowMemoryLimit lets grow.wasm exhaust a 2 MiB memory limit on two
// instances at once: memory.grow must fail at or below the limit, and the
// process's resident memory must not grow by more than the limit times
// the instances (plus slack for the Go heap and the runtime).
func TestGrowMemoryLimit(t *testing.T) {
	const (
		limit     = 2 << 20
		instances = 2
		requests  = 20
		slack     = 48 << 20
	)
	sb := start(t, hostileSpec("grow", "grow.test", config.Limits{Memory: config.Size(limit), Instances: instances, WarmInstances: 1}))
	sb.expectHello("grow.test", "/hello")
	base, peak := rssStart()
	mark := sb.log.mark()
	var wg sync.WaitGroup
	for range instances {
		wg.Go(func() {
			for range requests / instances {
				if r := sb.get("grow.test", "/grow"); r.status != 500 {
					t.Errorf("grow: %d, want 500", r.status)
				}
			}
		})
	}
	wg.Wait()
	grown := peak()
	t.Logf("resident memory: %d KiB before, %d KiB at most during (limit %d KiB × %d instances)", base>>10, grown>>10, limit>>10, instances)
	if grown > base+limit*instances+slack {
		t.Errorf("resident memory grew from %d KiB to %d KiB, more than %d KiB (limit × instances) + %d KiB slack",
			base>>10, grown>>10, limit*instances>>10, slack>>10)
	}
	failed := regexp.MustCompile(`^grow: memory.grow failed at (\d+) pages$`)
	logged := 0
	for _, rec := range sb.log.find(mark, "guest") {
		m := failed.FindStringSubmatch(rec.attrs["text"])
		if m == nil {
			continue
		}
		logged++
		pages, _ := strconv.Atoi(m[1])
		if pages*65536 > limit || pages*65536 <= limit-16*65536 {
			t.Errorf("memory.grow failed at %d pages, want the last 16-page step below the %d-page limit", pages, limit/65536)
		}
	}
	if logged != requests {
		t.Errorf("grow logged its failure %d times, want %d", logged, requests)
	}
	if n := len(sb.log.find(mark, logTrap, "plugin", "grow")); n != requests {
		t.Errorf("the host logged %d traps, want %d", n, requests)
	}
}

// rssStart returns the resident memory after a full collection, and a
// function that returns the peak resident memory since then (the current
// one when the kernel cannot reset the peak).
func rssStart() (uint64, func() uint64) {
	runtime.GC()
	debug.FreeOSMemory()
	resetPeak := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	base := procStatus("VmRSS")
	return base, func() uint64 {
		if resetPeak {
			return max(procStatus("VmHWM"), procStatus("VmRSS"))
		}
		return procStatus("VmRSS")
	}
}

// procStatus returns a memory field of /proc/self/status in bytes.
func procStatus(field string) uint64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
