package host_test

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

// tokenProvider is a GitHub-like provider run in the test: its sign-in
// endpoints issue a fresh access token per sign-in, /user names the
// user of a token, and its API, under /api/, records the Authorization
// each request brings.
type tokenProvider struct {
	*httptest.Server
	mu     sync.Mutex
	tokens map[string]string // access token -> user id
	seen   []string          // Authorization of each request to /api/ and /elsewhere, in order
	id     string            // the user the next sign-in is for
}

func startTokenProvider(t *testing.T, id string) *tokenProvider {
	p := &tokenProvider{tokens: map[string]string{}, id: id}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		to, _ := url.Parse(r.URL.Query().Get("redirect_uri"))
		q := to.Query()
		q.Set("code", rand.Text())
		q.Set("state", r.URL.Query().Get("state"))
		to.RawQuery = q.Encode()
		http.Redirect(w, r, to.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		tok := "gho_" + rand.Text()
		p.mu.Lock()
		p.tokens[tok] = p.id
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"access_token": tok, "token_type": "bearer"})
	})
	mux.HandleFunc("GET /user", func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		id, ok := p.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		p.mu.Unlock()
		if !ok {
			http.Error(w, "{}", http.StatusUnauthorized)
			return
		}
		w.Write([]byte(`{"id": ` + id + `, "login": "octocat"}`))
	})
	record := func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.seen = append(p.seen, r.Header.Get("Authorization"))
		p.mu.Unlock()
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"public_repos": 8}`))
	}
	mux.HandleFunc("/api/", record)
	mux.HandleFunc("/elsewhere", record)
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Close)
	return p
}

// took returns the Authorization fields the API got since the last
// call.
func (p *tokenProvider) took() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.seen
	p.seen = nil
	return s
}

func (p *tokenProvider) issued() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for tok := range p.tokens {
		out = append(out, tok)
	}
	return out
}

func (p *tokenProvider) config(forward bool) config.Provider {
	c := config.Provider{Type: config.ProviderGitHub, ClientID: "id", ClientSecret: config.NewSecret("secret"),
		AuthURL: p.URL + "/authorize", TokenURL: p.URL + "/token", UserInfoURL: p.URL + "/user", Claims: []string{"name"}}
	if forward {
		c.ForwardToken, c.API = true, []string{p.URL + "/api/"}
	}
	return c
}

// A plugin's fetch carries the signed-in user's GitHub token when it
// asks for it, the site forwards it, and the URL is under the
// provider's API; never otherwise, and the guest never sees it. The
// host's store holds it sealed, and signing out deletes it.
func TestFetchWithProviderToken(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	gh, corp := startTokenProvider(t, "583231"), startTokenProvider(t, "42")
	other := startTokenProvider(t, "0") // another origin, its /api/ recording too
	wasm := abiGuest(t)
	site := config.Site{
		Name: "tokens", Hosts: []string{"s.test"},
		Cookies: config.Cookies{Secrets: []config.Secret{config.NewSecret("0123456789abcdef0123456789abcdef")}},
		Auth: config.Auth{Providers: map[string]config.Provider{
			"gh": gh.config(true), "corp": corp.config(true), "plain": other.config(false),
		}},
		Outbound: config.Outbound{Allow: []string{"http://127.0.0.1:*"}},
		Limits:   config.Limits{Instances: 1, WarmInstances: 1},
		Plugins:  map[string]string{"abi": wasm},
		Routes: []config.Route{
			{Path: "/signin", Plugin: "abi", Handler: "signin"},
			{Path: "/fetch", Plugin: "abi", Handler: "fetch"},
			{Path: "/user", Plugin: "abi", Handler: "user"},
		},
	}
	h, logs, err := loggedHost(t, config.Config{Sites: []config.Site{site}})
	if err != nil {
		t.Fatal(err)
	}
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
	do := func(raw string) (*http.Response, string) {
		c := netlooptest.Open(srv)
		defer c.Hangup()
		c.Feed([]byte(raw))
		resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(c.Output())), nil)
		if err != nil {
			t.Fatalf("response to %q: %v", raw, err)
		}
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	get := func(target, cookies string) (*http.Response, string) {
		t.Helper()
		return do(getRequest(target, cookies))
	}
	signIn := func(provider string) string {
		t.Helper()
		resp, body := get("/signin?provider="+provider, "")
		if resp.StatusCode != 302 {
			t.Fatalf("LoginWith: %d %s", resp.StatusCode, body)
		}
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		pr, err := noRedirect.Get(resp.Header.Get("Location"))
		if err != nil {
			t.Fatal(err)
		}
		pr.Body.Close()
		cb, _ := url.Parse(pr.Header.Get("Location"))
		resp, body = get(cb.RequestURI(), cookieOf(resp, "wasmweb_signin"))
		user, claims := cookieOf(resp, "wasmweb_user"), cookieOf(resp, "wasmweb_claims")
		if resp.StatusCode != 302 || user == "" || claims == "" {
			t.Fatalf("callback: %d %q %s", resp.StatusCode, resp.Header.Values("Set-Cookie"), body)
		}
		return user + "; " + claims
	}
	type result struct {
		Status int                 `json:"status"`
		Error  string              `json:"error"`
		Header map[string][]string `json:"header"`
		Body   string              `json:"body"`
	}
	fetch := func(cookies, target string, extra url.Values) (result, string) {
		t.Helper()
		q := url.Values{"url": {target}, "show": {"1"}}
		for k, v := range extra {
			q[k] = v
		}
		resp, body := get("/fetch?"+q.Encode(), cookies)
		var r result
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &r) != nil {
			t.Fatalf("fetch: %d %q", resp.StatusCode, body)
		}
		return r, body
	}
	withToken := url.Values{"provider": {"gh"}}
	api := gh.URL + "/api/user"

	ghUser := signIn("gh")
	tokens := gh.issued()
	if len(tokens) != 1 {
		t.Fatalf("tokens issued: %d", len(tokens))
	}
	tok := tokens[0]

	r, body := fetch(ghUser, api, withToken)
	if got := gh.took(); r.Status != 200 || len(got) != 1 || got[0] != "Bearer "+tok {
		t.Errorf("opted-in fetch: %s; the API got %q, want the user's token", body, got)
	}
	if strings.Contains(body, tok) {
		t.Error("the guest sees the token")
	}

	for _, tc := range []struct {
		name, cookies, url string
		extra              url.Values
		want               string // the guest's error, "" for a fetch made
		wantAPI            []string
	}{
		{"without asking", ghUser, api, nil, "", []string{""}},
		{"outside the API", ghUser, gh.URL + "/elsewhere", withToken, "denied", nil},
		{"a dot segment out of the API", ghUser, gh.URL + "/api/../elsewhere", withToken, "denied", nil},
		{"redirect to another origin", ghUser, gh.URL + "/api/r?to=" + url.QueryEscape(other.URL+"/api/x"), withToken, "", []string{"Bearer " + tok}},
		{"redirect outside the API", ghUser, gh.URL + "/api/r?to=" + url.QueryEscape(gh.URL+"/elsewhere"), withToken, "", []string{"Bearer " + tok, ""}},
		{"a guest's Authorization too", ghUser, api, url.Values{"provider": {"gh"}, "hname": {"Authorization"}, "hvalue": {"Bearer mine"}}, "invalid", nil},
		{"a provider that does not forward", ghUser, api, url.Values{"provider": {"plain"}}, "denied", nil},
		{"no such provider", ghUser, api, url.Values{"provider": {"nope"}}, "denied", nil},
		{"an empty provider name", ghUser, api, url.Values{"provider": {""}}, "denied", nil},
		{"a huge provider name", ghUser, api, url.Values{"provider": {strings.Repeat("gh", 2000)}}, "denied", nil},
		{"nobody signed in", "", api, withToken, "not-found", nil},
	} {
		r, body := fetch(tc.cookies, tc.url, tc.extra)
		if r.Error != tc.want || strings.Contains(body, tok) {
			t.Errorf("%s: %s, want error %q", tc.name, body, tc.want)
		}
		if got := gh.took(); strings.Join(got, ",") != strings.Join(tc.wantAPI, ",") {
			t.Errorf("%s: the API got %q, want %q", tc.name, got, tc.wantAPI)
		}
	}
	if got := other.took(); len(got) != 1 || got[0] != "" {
		t.Errorf("the other origin got %q, want one request without a token", got)
	}

	// Signed in locally, or with another provider: no GitHub token.
	resp, _ := get("/user?login=ada", ghUser)
	local := cookieOf(resp, "wasmweb_user") + "; " + ghUser[strings.Index(ghUser, "wasmweb_claims="):]
	if r, body := fetch(local, api, withToken); r.Error != "not-found" {
		t.Errorf("a local user beside the claims cookie: %s", body)
	}
	corpUser := signIn("corp")
	if r, body := fetch(corpUser, api, withToken); r.Error != "not-found" {
		t.Errorf("a user of another provider: %s", body)
	}
	if r, _ := fetch(corpUser, corp.URL+"/api/x", url.Values{"provider": {"corp"}}); r.Status != 200 {
		t.Errorf("corp's own token: %+v", r)
	}
	gh.took()
	corp.took()

	// The store holds the tokens sealed.
	raw, err := os.ReadFile(filepath.Join(state, "wasmweb", "kv", "tokens.host.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range append(gh.issued(), corp.issued()...) {
		if bytes.Contains(raw, []byte(tk)) {
			t.Errorf("the host's store shows token %s", tk)
		}
	}
	if siteStore, err := os.ReadFile(filepath.Join(state, "wasmweb", "kv", "tokens.db")); err == nil && bytes.Contains(siteStore, []byte(tok)) {
		t.Error("the site's own store shows a token")
	}

	// Sign-out deletes the token: the old cookies, sent again, get none.
	resp, _ = get("/user?logout=1", ghUser)
	if cookieOf(resp, "wasmweb_claims") != "wasmweb_claims=" {
		t.Fatalf("sign-out: %q", resp.Header.Values("Set-Cookie"))
	}
	if r, body := fetch(ghUser, api, withToken); r.Error != "not-found" {
		t.Errorf("after sign-out, the old cookies: %s", body)
	}
	if got := gh.took(); len(got) != 0 {
		t.Errorf("after sign-out the API got %q", got)
	}
	recs := logs.records("")
	if len(recs) == 0 {
		t.Error("the host logged nothing: the check below would see nothing either")
	}
	for _, r := range recs {
		line := fmt.Sprint(r.msg, r.attrs)
		for _, tk := range append(gh.issued(), corp.issued()...) {
			if strings.Contains(line, tk) {
				t.Errorf("the host's log shows token %s: %s", tk, line)
			}
		}
	}
}
