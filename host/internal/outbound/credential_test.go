package outbound

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

const testBearer = "Bearer s3cret-token"

// authServer answers every request with the Authorization field it got,
// or redirects to ?to= when given; hits counts the requests.
func authServer(t *testing.T, hits *atomic.Int64) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		w.Write([]byte("auth=" + r.Header.Get("Authorization")))
	}))
	t.Cleanup(s.Close)
	return s
}

func mustPrefix(t *testing.T, s string) Prefix {
	t.Helper()
	p, err := ParsePrefix(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A credential goes to URLs under its prefixes only, never beside a
// guest's Authorization, and on a redirect only to the first origin
// under its prefixes: Go's client would copy it to the same host on
// another port, which is another origin.
func TestFetchCredential(t *testing.T) {
	var apiHits, otherHits atomic.Int64
	api, other := authServer(t, &apiHits), authServer(t, &otherHits)
	c := newClient(t, Config{Allow: []string{api.URL, other.URL}})
	cred := &Credential{Authorization: testBearer, Prefixes: []Prefix{mustPrefix(t, api.URL+"/api/"), mustPrefix(t, other.URL+"/api/")}}
	fetch := func(u string, hdr ...[2]string) (string, error) {
		resp, err := c.Fetch(context.Background(), Request{Method: "GET", URL: u, Header: hdr, Credential: cred})
		if err != nil {
			return "", err
		}
		return string(resp.Body), nil
	}
	redirect := func(to string) string { return api.URL + "/api/r?to=" + url.QueryEscape(to) }

	for _, tc := range []struct{ name, url, want string }{
		{"under the prefix", api.URL + "/api/user/repos", "auth=" + testBearer},
		{"redirect to the same origin under the prefix", redirect(api.URL + "/api/x"), "auth=" + testBearer},
		{"redirect to the same origin outside the prefix", redirect(api.URL + "/elsewhere"), "auth="},
		{"redirect to another origin under its prefix", redirect(other.URL + "/api/x"), "auth="},
	} {
		got, err := fetch(tc.url)
		if err != nil || got != tc.want {
			t.Errorf("%s: %q %v, want %q", tc.name, got, err, tc.want)
		}
	}
	if otherHits.Load() != 1 {
		t.Errorf("the other origin got %d requests, want the redirect's", otherHits.Load())
	}

	before := apiHits.Load()
	for _, u := range []string{
		api.URL + "/elsewhere", api.URL + "/api", api.URL + "/api/../admin", api.URL + "/api/%2e%2e/admin",
		api.URL + "/api/%2E%2E%2Fadmin", strings.Replace(api.URL, "http:", "https:", 1) + "/api/x",
	} {
		if got, err := fetch(u); !errors.Is(err, ErrDenied) {
			t.Errorf("%s: %q %v, want ErrDenied", u, got, err)
		}
	}
	if _, err := fetch(api.URL+"/api/x", [2]string{"authorization", "Basic Zm9vOmJhcg=="}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a guest's Authorization beside the credential: %v, want ErrInvalid", err)
	}
	if n := apiHits.Load() - before; n != 0 {
		t.Errorf("%d refused fetches reached the upstream", n)
	}

	// Without a credential, a guest's own field goes as before.
	resp, err := c.Fetch(context.Background(), Request{Method: "GET", URL: api.URL + "/api/x", Header: [][2]string{{"Authorization", "Basic x"}}})
	if err != nil || string(resp.Body) != "auth=Basic x" {
		t.Errorf("a guest's Authorization without a credential: %v %v", resp, err)
	}
	if s := (&Credential{Authorization: testBearer}).String(); strings.Contains(s, "s3cret") {
		t.Errorf("a credential prints its value: %q", s)
	}
}

func TestParsePrefix(t *testing.T) {
	for _, tc := range []struct {
		in, origin string // origin "" for an error
	}{
		{"https://api.github.com/", "https://api.github.com"},
		{"https://api.github.com", "https://api.github.com"},
		{"https://API.example.com:8443/v1/", "https://api.example.com:8443"},
		{"http://127.0.0.1:8080/api/", "http://127.0.0.1:8080"},
		{"https://api.example.com/v1", ""},
		{"https://api.example.com/v1/../", ""},
		{"https://api.example.com/?q=1", ""},
		{"https://api.example.com/#f", ""},
		{"https://user@api.example.com/", ""},
		{"ftp://api.example.com/", ""},
		{"/relative/", ""},
		{"https://0177.0.0.1/", ""},
	} {
		p, err := ParsePrefix(tc.in)
		switch {
		case tc.origin == "" && err == nil:
			t.Errorf("ParsePrefix(%q) = %v, want an error", tc.in, p.Origin())
		case tc.origin != "" && (err != nil || p.Origin() != tc.origin):
			t.Errorf("ParsePrefix(%q) = %q %v, want %q", tc.in, p.Origin(), err, tc.origin)
		}
	}
	p := mustPrefix(t, "https://api.example.com/v1/")
	for _, tc := range []struct {
		u    string
		want bool
	}{
		{"https://api.example.com/v1/x", true},
		{"https://api.example.com:443/v1/x?y=1", true},
		{"https://api.example.com/v10", false},
		{"https://api.example.com/v1", false},
		{"https://api.example.com.evil.test/v1/x", false},
		{"https://sub.api.example.com/v1/x", false},
		{"http://api.example.com/v1/x", false},
		{"https://api.example.com:8443/v1/x", false},
		{"https://api.example.com/v1/./x", false},
	} {
		u, _ := url.Parse(tc.u)
		if got := p.Admits(u); got != tc.want {
			t.Errorf("Admits(%s) = %v, want %v", tc.u, got, tc.want)
		}
	}
	allow := func(s string) []Rule { r, _ := ParseRule(s); return []Rule{r} }
	if !p.AllowedBy(allow("https://api.example.com")) || p.AllowedBy(allow("https://other.example.com")) || !p.AllowedBy(allow("https://*.example.com")) {
		t.Error("AllowedBy does not follow the rules")
	}
}

// A prefix's origin is an allow-list entry that admits it, and the
// prefix admits a URL under itself.
func FuzzParsePrefix(f *testing.F) {
	for _, s := range []string{"https://api.github.com/", "http://[::1]:8080/v1/", "https://a.b/%2e%2e/", "https://a.b/x/../"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParsePrefix(s)
		if err != nil {
			return
		}
		r, err := ParseRule(p.Origin())
		if err != nil || !p.AllowedBy([]Rule{r}) {
			t.Errorf("%q: origin %q is no allow entry that admits it (%v)", s, p.Origin(), err)
		}
		u, err := url.Parse(p.Origin() + p.path + "x")
		if err != nil || !p.Admits(u) {
			t.Errorf("%q: %s does not admit %v (%v)", s, p.Origin(), u, err)
		}
	})
}
