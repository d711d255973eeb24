package host_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
)

// A response body over the site's max_response_bytes is refused with
// 500 while nothing of it has been sent, and the cap is the site's own:
// a neighbour serving the same plugin is not touched. Each refusal is
// counted for the site, in /metrics and in the admin API.
func TestMaxResponseBytes(t *testing.T) {
	small := watSite("small", config.Route{Path: "/", Plugin: "hello"})
	small.Hosts = []string{"small.test"}
	small.Limits = config.Limits{MaxResponseBytes: 5} // "Hello, world" is 12
	big := watSite("big", config.Route{Path: "/", Plugin: "hello"})
	big.Hosts = []string{"big.test"}
	h, do := testHost(t, small, big)
	for range 3 { // and again: the instance that failed was replaced
		if resp, body := do("GET / HTTP/1.1\r\nHost: small.test\r\n\r\n"); resp.StatusCode != 500 || body == "Hello, world" {
			t.Errorf("over max_response_bytes: %d %q, want 500", resp.StatusCode, body)
		}
		if resp, body := do("GET / HTTP/1.1\r\nHost: big.test\r\n\r\n"); resp.StatusCode != 200 || body != "Hello, world" {
			t.Errorf("the neighbour: %d %q, want 200", resp.StatusCode, body)
		}
	}
	if n := metricSum(t, h, "wasmweb_site_cap_hits_total", `site="small"`, `cap="max_response_bytes"`); n != 3 {
		t.Errorf("small's max_response_bytes hits: %v, want 3", n)
	}
	if n := metricSum(t, h, "wasmweb_site_cap_hits_total", `site="big"`); n != 0 {
		t.Errorf("big's cap hits: %v, want 0", n)
	}
	rec := httptest.NewRecorder()
	h.AdminHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/v1/sites/small", nil))
	var st host.SiteStatus
	if err := json.Unmarshal(rec.Body.Bytes(), &st); err != nil || rec.Code != 200 {
		t.Fatalf("GET /v1/sites/small: %d %s", rec.Code, rec.Body)
	}
	if got := st.Quota.CapHits; got["max_response_bytes"] != 3 || got["max_waiters"] != 0 {
		t.Errorf("the admin API's cap_hits: %v, want max_response_bytes 3, max_waiters 0", got)
	}
}
