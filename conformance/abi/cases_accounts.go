package abikit

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// accountsLogin: user_login signs in with the right password exactly as
// user_set does; a wrong password, an unknown name and a name locked
// after 5 failures are denied; a password past 72 bytes is invalid
// without failing the response; a site without accounts has none. Run
// twice against one host (once per transport), so the lock is checked
// in a way that holds whether mallory is locked already or not.
func accountsLogin(t *testing.T, k *kit) {
	login := func(host, name, password string) *reply {
		t.Helper()
		body := url.Values{"name": {name}, "password": {password}}.Encode()
		r := k.do(t, request{method: "POST", host: host, target: "/abi/login", body: []byte(body),
			header: http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}})
		r.want(t, 200)
		return r
	}
	expect := func(r *reply, what, want string, signedIn bool) {
		t.Helper()
		sc := r.header.Get("Set-Cookie")
		if string(r.body) != want || strings.HasPrefix(sc, "wasmweb_user=") != signedIn {
			t.Errorf("%s: %q with Set-Cookie %q, want %q (signed in: %v)", what, r.body, sc, want, signedIn)
		}
	}

	expect(login("", "alice", "Wonderland"), "wrong password", "denied", false)
	expect(login("", "nobody", "wonderland"), "unknown name", "denied", false)
	expect(login("", "", "wonderland"), "empty name", "denied", false)
	expect(login("", "alice", strings.Repeat("w", 73)), "73-byte password", "invalid", false)

	r := login("", "alice", "wonderland")
	expect(r, "right password", "ok", true)
	sc := r.header.Get("Set-Cookie")
	if !strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "Max-Age=2678400") || strings.Contains(sc, "alice") {
		t.Errorf("Set-Cookie %q, want user_set's signed cookie", sc)
	}
	val, _, _ := strings.Cut(sc, ";")
	r = k.do(t, request{target: "/abi/private", header: http.Header{"Cookie": {val}}})
	r.want(t, 200)
	if string(r.body) != "alice" {
		t.Errorf("private page after login: %q, want alice", r.body)
	}

	for range 5 {
		expect(login("", "mallory", "guess"), "mallory guessing", "denied", false)
	}
	expect(login("", "mallory", "looking-glass"), "right password for a locked name", "denied", false)

	expect(login(DebugHost, "alice", "wonderland"), "site without accounts", "not-found", false)
}
