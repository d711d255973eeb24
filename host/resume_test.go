package host_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/abi"
	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/host/internal/signed"
	"github.com/wasmweb/wasmweb/internal/xsrf"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

// TestResumeMeetsNewSiteChecks parks long polls on an auth = "required"
// route, then replaces the site with one that drops a cookie secret,
// sends visitors without a user to a login page and checks XSRF tokens,
// and with a build of its plugin that answers a wake-up differently.
// When the message comes, each poll is answered as the new site would
// answer it if it came now: a user whose cookie the new secrets still
// verify gets the new build's answer; one whose cookie they no longer
// verify goes to the login page and never reaches the guest; a POST
// without an XSRF token gets 403, one with it the message; a method the
// new route does not take, 405.
func TestResumeMeetsNewSiteChecks(t *testing.T) {
	_, changed := variant(t, "byroute", "woken", "WOKEN")
	const (
		kept    = "kept-secret-0123456789abcdef"
		dropped = "dropped-secret-0123456789abcdef"
	)
	spec := func(wasm string, secrets []string, loginURL string, xsrfOn bool, methods ...string) config.Site {
		s := byrouteSite("p", config.Limits{}, config.SitePubSub{})
		s.Plugins["g"] = wasm
		s.LoginURL, s.XSRF = loginURL, xsrfOn
		for _, sec := range secrets {
			s.Cookies.Secrets = append(s.Cookies.Secrets, config.NewSecret(sec))
		}
		for i := range s.Routes {
			if s.Routes[i].Path == "/park" {
				s.Routes[i].Auth, s.Routes[i].Methods = config.AuthRequired, methods
			}
		}
		return s
	}
	userCookie := func(secret, user string) string {
		t.Helper()
		sg, err := signed.New("p", []string{secret}, time.Hour, false)
		if err != nil {
			t.Fatal(err)
		}
		v, err := sg.Sign(abi.UserCookie, []byte(user))
		if err != nil {
			t.Fatal(err)
		}
		return abi.UserCookie + "=" + v
	}
	alice, bob := userCookie(kept, "alice"), userCookie(dropped, "bob")
	token := xsrf.Mask(xsrf.New(), time.Now())

	h, srv := testServer(t, spec("../conformance/guests/byroute.wasm", []string{kept, dropped}, "", false))
	want := []struct {
		name     string
		raw      string
		status   int
		body     string // "" to not check it
		location string
	}{
		{"a user the new secrets verify", "GET /park?room HTTP/1.1\r\nHost: x\r\nCookie: " + alice + "\r\n\r\n", 200, "WOKEN", ""},
		{"a user signed with a dropped secret", "GET /park?room HTTP/1.1\r\nHost: x\r\nCookie: " + bob + "\r\n\r\n", 302, "", "/login?next=%2Fpark%3Froom"},
		{"a POST without an XSRF token", "POST /park?room HTTP/1.1\r\nHost: x\r\nCookie: " + alice + "\r\nContent-Length: 0\r\n\r\n", 403, "", ""},
		{"a POST with an XSRF token", "POST /park?room HTTP/1.1\r\nHost: x\r\nCookie: " + alice + "; _xsrf=" + token +
			"\r\nX-XSRFToken: " + token + "\r\nContent-Length: 0\r\n\r\n", 200, "WOKEN", ""},
		{"a method the route no longer takes", "PUT /park?room HTTP/1.1\r\nHost: x\r\nCookie: " + alice + "; _xsrf=" + token +
			"\r\nX-XSRFToken: " + token + "\r\nContent-Length: 0\r\n\r\n", 405, "", ""},
	}
	var conns []*netlooptest.Conn
	for _, tc := range want {
		conns = append(conns, openMem(t, srv, tc.raw))
	}
	awaitParked(t, h, "p", int64(len(want)))

	wasm := filepath.Join(t.TempDir(), "byroute2.wasm")
	if err := os.WriteFile(wasm, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := h.ReplaceSite(context.Background(), spec(wasm, []string{kept}, "/login", true, "GET", "POST")); err != nil {
		t.Fatal(err)
	}
	awaitParked(t, h, "p", int64(len(want)))
	if status, body := get(t, srv, "/publish?room"); status != 200 || body != "published" {
		t.Fatalf("publish: %d %q", status, body)
	}
	for i, tc := range want {
		t.Run(tc.name, func(t *testing.T) {
			resp, body, ok := memResponse(conns[i], 20*time.Second)
			if !ok {
				t.Fatal("no answer")
			}
			if resp.StatusCode != tc.status || tc.body != "" && body != tc.body || resp.Header.Get("Location") != tc.location {
				t.Fatalf("%d %q, Location %q; want %d %q, Location %q", resp.StatusCode, body, resp.Header.Get("Location"),
					tc.status, tc.body, tc.location)
			}
			if tc.status == 405 && resp.Header.Get("Allow") != "GET, HEAD, POST" {
				t.Errorf("Allow %q, want the new route's methods", resp.Header.Get("Allow"))
			}
			if tc.status != 200 && strings.Contains(strings.ToLower(body), "woken") {
				t.Fatalf("the answer holds the guest's: %q", body)
			}
		})
	}
	awaitParked(t, h, "p", 0)
}

// memResponse waits for the response on c, up to limit, and reads it
// with its header.
func memResponse(c *netlooptest.Conn, limit time.Duration) (*http.Response, string, bool) {
	deadline := time.Now().Add(limit)
	for len(c.Output()) == 0 {
		if time.Now().After(deadline) {
			return nil, "", false
		}
		time.Sleep(time.Millisecond)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(c.Output())), nil)
	if err != nil {
		return nil, "", false
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b), true
}

// TestResumeReadsUserAsNewSite parks polls on a route open to all whose
// guest answers the signed-in user, then replaces the site with one
// that drops a cookie secret: each poll's guest reads the user as the
// new site's secrets read the cookie, so a user signed with the dropped
// secret is no one there.
func TestResumeReadsUserAsNewSite(t *testing.T) {
	const (
		kept    = "kept-secret-0123456789abcdef"
		dropped = "dropped-secret-0123456789abcdef"
	)
	wasm := goPlugin(t, "testdata/userpoll")
	spec := func(secrets ...string) config.Site {
		var secs []config.Secret
		for _, sec := range secrets {
			secs = append(secs, config.NewSecret(sec))
		}
		return config.Site{Name: "u", Hosts: []string{"*"}, Cookies: config.Cookies{Secrets: secs},
			Plugins: map[string]string{"g": wasm},
			Routes: []config.Route{
				{Path: "/poll", Plugin: "g", Handler: "poll"},
				{Path: "/post", Plugin: "g", Handler: "post"},
			}}
	}
	userCookie := func(secret, user string) string {
		t.Helper()
		sg, err := signed.New("u", []string{secret}, time.Hour, false)
		if err != nil {
			t.Fatal(err)
		}
		v, err := sg.Sign(abi.UserCookie, []byte(user))
		if err != nil {
			t.Fatal(err)
		}
		return abi.UserCookie + "=" + v
	}
	h, srv := testServer(t, spec(kept, dropped))
	alice := openMem(t, srv, "GET /poll HTTP/1.1\r\nHost: x\r\nCookie: "+userCookie(kept, "alice")+"\r\n\r\n")
	bob := openMem(t, srv, "GET /poll HTTP/1.1\r\nHost: x\r\nCookie: "+userCookie(dropped, "bob")+"\r\n\r\n")
	awaitParked(t, h, "u", 2)
	if _, err := h.ReplaceSite(context.Background(), spec(kept)); err != nil {
		t.Fatal(err)
	}
	status, id := get(t, srv, "/post?body=hi")
	if status != 200 {
		t.Fatalf("post: %d %q", status, id)
	}
	for _, tc := range []struct {
		name string
		c    *netlooptest.Conn
		want string
	}{
		{"alice, signed with the kept secret", alice, "user=alice " + id + ":hi"},
		{"bob, signed with the dropped secret", bob, "user=(none) " + id + ":hi"},
	} {
		resp, body, ok := memResponse(tc.c, 20*time.Second)
		if !ok || resp.StatusCode != 200 || body != tc.want {
			t.Errorf("%s: %v %q; want 200 %q", tc.name, resp, body, tc.want)
		}
	}
}
