package host_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
)

// The two builds of the hello guest that the swap tests alternate: the
// committed one, and a copy whose answer differs in one letter.
const (
	bodyA = "Hello, world"
	bodyB = "Hello, World"
)

// variant returns guest's module with old, which must occur once,
// replaced by new of the same length: a second build that answers
// differently, made without a toolchain.
func variant(t testing.TB, guest, old, new string) (orig, changed []byte) {
	t.Helper()
	orig, err := os.ReadFile("../conformance/guests/" + guest + ".wasm")
	if err != nil {
		t.Fatal(err)
	}
	if len(old) != len(new) || bytes.Count(orig, []byte(old)) != 1 {
		t.Fatalf("%s: %q must occur once and be as long as %q", guest, old, new)
	}
	return orig, bytes.Replace(orig, []byte(old), []byte(new), 1)
}

// call sends an admin API request and decodes its JSON answer.
func (sh *swapHost) call(t testing.TB, method, path string, body []byte, token string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, sh.admin.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %q", method, path, resp.StatusCode, raw)
	}
	return resp.StatusCode, v
}

func helloSpec() config.Site {
	return config.Site{Name: "s", Hosts: []string{"*"},
		Plugins: map[string]string{"hello": "../conformance/guests/hello.wasm"},
		Routes:  []config.Route{{Path: "/", Plugin: "hello"}}}
}

// awaitOneGeneration waits until the site holds what one generation of
// plugin needs: one compiled module, the current generation's
// instances, no generation draining.
func awaitOneGeneration(t testing.TB, h *host.Host, site, plugin string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		mods, ins, gens, cur := host.Live(h, site, plugin)
		if mods == 1 && gens == 1 && ins == cur {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the swaps: %d compiled modules, %d instances, %d generations open (current holds %d instances); want 1, %d, 1",
				mods, ins, gens, cur, cur)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSwapUnderLoad swaps the hello plugin 100 times through the admin
// API, alternating two builds, while clients keep sending requests on
// keep-alive connections (some pipelined): no request may fail and no
// connection break, every body is one of the two builds', a request
// sent after a swap's answer gets the new build, and once the swaps end
// the site holds one generation's compiled module and instances.
func TestSwapUnderLoad(t *testing.T) {
	a, b := variant(t, "hello", bodyA, bodyB)
	for _, transport := range []string{"netpoll", "std"} {
		t.Run(transport, func(t *testing.T) {
			if transport == "netpoll" && !netloop.NetpollSupported {
				t.Skip("netpoll is not supported here")
			}
			sh := startSwapHost(t, config.Server{}, helloSpec())
			addr := serveTCP(t, sh.h, transport)
			const swaps = 100
			requests := changesUnderLoad(t, addr, []int{1, 1, 1, 4, 8}, []string{bodyA, bodyB}, swaps, func(i int) string {
				wasm, want := b, bodyB
				if i%2 == 1 {
					wasm, want = a, bodyA
				}
				status, v := sh.call(t, "PUT", "/v1/sites/s/plugins/hello", wasm, "")
				if status != 200 || v["generation"] != float64(i+2) {
					t.Fatalf("swap %d: %d %v", i, status, v)
				}
				return want
			})
			check := dialKeepAlive(t, addr)
			for range 10 {
				if bodies, err := check.get(2); err != nil || bodies[0] != bodyA || bodies[1] != bodyA {
					t.Fatalf("after the last swap: %q, %v; want %q", bodies, err, bodyA)
				}
			}
			awaitOneGeneration(t, sh.h, "s", "hello")
			if g := metric(t, sh.h, `wasmweb_plugin_generation{plugin="hello",site="s"}`); g != swaps+1 {
				t.Errorf("generation gauge %v, want %d", g, swaps+1)
			}
			if n := metric(t, sh.h, `wasmweb_plugin_reloads_total{plugin="hello",site="s"}`); n != swaps {
				t.Errorf("reloads counted %v, want %d", n, swaps)
			}
			if n := metric(t, sh.h, `wasmweb_compiled_modules{site="s"}`); n != 1 {
				t.Errorf("compiled modules gauge %v, want 1", n)
			}
			t.Logf("%d requests during %d swaps", requests, swaps)
		})
	}
}

// TestSwapResumesParkedPolls parks 100 long polls, swaps the plugin for
// a build that answers a wake-up differently, then publishes: every
// poll is answered by the new build, and the old generation closes
// although it parked them. Over in-memory connections and both
// transports.
func TestSwapResumesParkedPolls(t *testing.T) {
	_, changed := variant(t, "byroute", "woken", "WOKEN")
	const polls = 100
	for _, transport := range []string{"memory", "netpoll", "std"} {
		t.Run(transport, func(t *testing.T) {
			if transport == "netpoll" && !netloop.NetpollSupported {
				t.Skip("netpoll is not supported here")
			}
			h, srv := testServer(t, byrouteSite("polls", config.Limits{}, config.SitePubSub{}))
			// answers collects each poll's answer: status and body.
			var answers []func() (int, string, error)
			if transport == "memory" {
				for range polls {
					c := sendGET(t, srv, "/park?room")
					answers = append(answers, func() (int, string, error) {
						status, body, ok := memAnswer(c, 20*time.Second)
						if !ok {
							return 0, "", errors.New("no answer")
						}
						return status, body, nil
					})
				}
			} else {
				addr := serveTCP(t, h, transport)
				for range polls {
					k := dialKeepAlive(t, addr)
					if _, err := k.c.Write([]byte("GET /park?room HTTP/1.1\r\nHost: x\r\n\r\n")); err != nil {
						t.Fatal(err)
					}
					answers = append(answers, func() (int, string, error) {
						k.c.SetDeadline(time.Now().Add(20 * time.Second))
						resp, err := http.ReadResponse(k.r, nil)
						if err != nil {
							return 0, "", err
						}
						b, err := io.ReadAll(resp.Body)
						return resp.StatusCode, string(b), err
					})
				}
			}
			awaitParked(t, h, "polls", polls)
			sw, err := h.SwapPlugin(context.Background(), "polls", "g", changed, "test")
			if err != nil || sw.Generation != 2 {
				t.Fatalf("swap: %+v, %v", sw, err)
			}
			// The parked polls hold no generation: the old one closes
			// before any of them is resumed.
			awaitOneGeneration(t, h, "polls", "g")
			if status, body := get(t, srv, "/publish?room"); status != 200 || body != "published" {
				t.Fatalf("publish: %d %q", status, body)
			}
			for i, answer := range answers {
				if status, body, err := answer(); err != nil || status != 200 || body != "WOKEN" {
					t.Fatalf("poll %d: %d %q, %v; want 200 WOKEN from the new build", i, status, body, err)
				}
			}
			awaitParked(t, h, "polls", 0)
		})
	}
}

// TestRejectedSwaps sends modules that cannot serve: each is refused
// with the reason, and the old generation keeps serving, with nothing
// of the refused one left open.
func TestRejectedSwaps(t *testing.T) {
	read := func(guest string) []byte {
		b, err := os.ReadFile("../conformance/guests/" + guest + ".wasm")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sh := startSwapHost(t, config.Server{}, helloSpec())
	h, srv := sh.h, netloop.NewServer(netloop.Config{}, sh.h, netloop.NewStdTransport())
	for _, tc := range []struct {
		name   string
		wasm   []byte
		status int
		cause  string
		says   []string
	}{
		{"garbage", []byte("this is not WebAssembly at all"), 400, "not_wasm", []string{`plugin "hello"`, "not a WebAssembly module"}},
		{"empty", nil, 400, "not_wasm", []string{"not a WebAssembly module"}},
		{"truncated", []byte("\x00asm\x01\x00\x00\x00\x01\xff\xff"), 422, "instrument", []string{`plugin "hello"`}},
		{"missing export", read("noexport"), 422, "check", []string{`plugin "hello"`, "missing export wasmweb_handle"}},
		{"bad signature", read("badsig"), 422, "check", []string{`plugin "hello"`, "wasmweb_handle has signature"}},
		{"trap in start", read("starttrap"), 422, "instantiate", []string{`plugin "hello"`, "start function", "unreachable"}},
		{"handler missing", read("handlers_good"), 422, "handlers",
			[]string{`plugin "hello"`, `site[0].route[0].handler: plugin "hello" registers no handler "hello"; it has "hi", "ok"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, v := sh.call(t, "PUT", "/v1/sites/s/plugins/hello", tc.wasm, "")
			msg, _ := v["error"].(string)
			if status != tc.status || v["cause"] != tc.cause {
				t.Fatalf("%d %v; want %d, cause %s", status, v, tc.status, tc.cause)
			}
			for _, s := range tc.says {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not say %q", msg, s)
				}
			}
			if resp, body := get(t, srv, "/"); resp != 200 || body != bodyA {
				t.Fatalf("after the refusal: %d %q", resp, body)
			}
			if _, site := sh.call(t, "GET", "/v1/sites/s", nil, ""); site["plugins"].([]any)[0].(map[string]any)["generation"] != float64(1) {
				t.Fatalf("generation changed: %v", site)
			}
			if n := metric(t, h, fmt.Sprintf(`wasmweb_plugin_reload_failures_total{cause=%q,plugin="hello",site="s"}`, tc.cause)); n < 1 {
				t.Errorf("failure not counted by cause %s", tc.cause)
			}
			awaitOneGeneration(t, h, "s", "hello")
		})
	}
}

// get sends GET target on a new in-memory connection.
func get(t testing.TB, srv *netloop.Server, target string) (int, string) {
	t.Helper()
	status, body, ok := memAnswer(sendGET(t, srv, target), 10*time.Second)
	if !ok {
		t.Fatalf("GET %s: no answer", target)
	}
	return status, body
}

// TestAdminStatus reads a site's status before and after a swap.
func TestAdminStatus(t *testing.T) {
	_, b := variant(t, "hello", bodyA, bodyB)
	sh := startSwapHost(t, config.Server{}, helloSpec())
	status, v := sh.call(t, "GET", "/v1/sites", nil, "")
	if status != 200 || len(v["sites"].([]any)) != 1 {
		t.Fatalf("GET /v1/sites: %d %v", status, v)
	}
	if status, _ := sh.call(t, "PUT", "/v1/sites/s/plugins/hello", b, ""); status != 200 {
		t.Fatalf("swap: %d", status)
	}
	status, v = sh.call(t, "GET", "/v1/sites/s", nil, "")
	sum := sha256.Sum256(b)
	p := v["plugins"].([]any)[0].(map[string]any)
	if status != 200 || v["name"] != "s" || v["hosts"].([]any)[0] != "*" || v["parked"] != float64(0) ||
		p["name"] != "hello" || p["generation"] != float64(2) || p["sha256"] != hex.EncodeToString(sum[:]) ||
		p["size"] != float64(len(b)) || p["instances_idle"].(float64) < 1 || p["export"] != "wasmweb_handle" {
		t.Fatalf("GET /v1/sites/s: %d %v", status, v)
	}
}

// TestAdminSecurity: with a token, changes need it (401 otherwise); the
// body is capped (413); names that could step out of a path are
// refused (400); unknown sites and plugins are 404.
func TestAdminSecurity(t *testing.T) {
	t.Setenv(config.AdminTokenEnv, "")
	const token = "s3cret-token-0123456789"
	_, b := variant(t, "hello", bodyA, bodyB)
	sh := startSwapHost(t, config.Server{AdminToken: token, AdminMaxBody: config.Size(len(b))}, helloSpec())
	put := "/v1/sites/s/plugins/hello"
	for _, tc := range []struct {
		name, path, token string
		body              []byte
		status            int
	}{
		{"no token", put, "", b, 401},
		{"wrong token", put, "s3cret-token-0123456788", b, 401},
		{"token prefix", put, token[:len(token)-1], b, 401},
		{"too large", put, token, append(append([]byte{}, b...), 0), 413},
		{"slash in site", "/v1/sites/a%2Fb/plugins/hello", token, b, 400},
		{"dots in plugin", "/v1/sites/s/plugins/a..b", token, b, 400},
		{"NUL in plugin", "/v1/sites/s/plugins/hello%00", token, b, 400},
		{"unknown site", "/v1/sites/nope/plugins/hello", token, b, 404},
		{"unknown plugin", "/v1/sites/s/plugins/nope", token, b, 404},
		{"right token", put, token, b, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, v := sh.call(t, "PUT", tc.path, tc.body, tc.token)
			if status != tc.status {
				t.Fatalf("%d %v, want %d", status, v, tc.status)
			}
		})
	}
	// A body without a length is capped as it is read.
	req, _ := http.NewRequest("PUT", sh.admin.URL+put, io.MultiReader(bytes.NewReader(b), strings.NewReader("xx")))
	req.ContentLength = -1
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("chunked oversized body: %d", resp.StatusCode)
	}
	// Reading needs no token.
	if status, _ := sh.call(t, "GET", "/v1/sites/s", nil, ""); status != 200 {
		t.Fatalf("GET without a token: %d", status)
	}
	// The environment's token replaces the file's.
	t.Setenv(config.AdminTokenEnv, "env-token-0123456789")
	sh2 := startSwapHost(t, config.Server{AdminToken: token}, helloSpec())
	if status, _ := sh2.call(t, "PUT", put, b, token); status != 401 {
		t.Fatalf("file token with an environment token set: %d", status)
	}
	if status, _ := sh2.call(t, "PUT", put, b, "env-token-0123456789"); status != 200 {
		t.Fatalf("environment token: %d", status)
	}
}

// TestListenAdmin: without a token the admin API listens on loopback
// addresses only.
func TestListenAdmin(t *testing.T) {
	t.Setenv(config.AdminTokenEnv, "")
	for _, tc := range []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:0", "", true},
		{"[::1]:0", "", true},
		{"0.0.0.0:0", "", false},
		{":0", "", false},
		{"0.0.0.0:0", "a-long-enough-token-1234", true},
		{"127.0.0.1:0", "short", false},
	} {
		ln, err := host.ListenAdmin(config.Server{Admin: tc.addr, AdminToken: tc.token})
		if ln != nil {
			ln.Close()
		}
		if tc.addr == "[::1]:0" && err != nil && !strings.Contains(err.Error(), "loopback") {
			continue // no IPv6 here
		}
		if (err == nil) != tc.ok {
			t.Errorf("%s token %q: %v; want ok=%v", tc.addr, tc.token, err, tc.ok)
		}
		if !tc.ok && tc.token == "" && (err == nil || !strings.Contains(err.Error(), "admin_token")) {
			t.Errorf("%s: the error must say how to fix it: %v", tc.addr, err)
		}
	}
}

// A swap after the host has begun closing is refused, and leaves no
// generation behind.
func TestSwapAfterClose(t *testing.T) {
	_, b := variant(t, "hello", bodyA, bodyB)
	sh := startSwapHost(t, config.Server{}, helloSpec())
	sh.h.Close(context.Background())
	if _, err := sh.h.SwapPlugin(context.Background(), "s", "hello", b, "test"); !errors.Is(err, host.ErrClosed) {
		t.Fatalf("swap after Close: %v, want ErrClosed", err)
	}
	if status, v := sh.call(t, "PUT", "/v1/sites/s/plugins/hello", b, ""); status != 503 {
		t.Fatalf("PUT after Close: %d %v", status, v)
	}
	if mods, ins, _, _ := host.Live(sh.h, "s", "hello"); mods != 0 || ins != 0 {
		t.Fatalf("after Close: %d modules, %d instances open", mods, ins)
	}
}
