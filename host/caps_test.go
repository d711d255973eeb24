package host_test

import (
	"testing"

	"github.com/wasmweb/wasmweb/host/config"
)

// A response body over the site's max_response_bytes is refused with
// 500 while nothing of it has been sent, and the cap is the site's own:
// a neighbour serving the same plugin is not touched.
func TestMaxResponseBytes(t *testing.T) {
	small := watSite("small", config.Route{Path: "/", Plugin: "hello"})
	small.Hosts = []string{"small.test"}
	small.Limits = config.Limits{MaxResponseBytes: 5} // "Hello, world" is 12
	big := watSite("big", config.Route{Path: "/", Plugin: "hello"})
	big.Hosts = []string{"big.test"}
	_, do := testHost(t, small, big)
	for range 3 { // and again: the instance that failed was replaced
		if resp, body := do("GET / HTTP/1.1\r\nHost: small.test\r\n\r\n"); resp.StatusCode != 500 || body == "Hello, world" {
			t.Errorf("over max_response_bytes: %d %q, want 500", resp.StatusCode, body)
		}
		if resp, body := do("GET / HTTP/1.1\r\nHost: big.test\r\n\r\n"); resp.StatusCode != 200 || body != "Hello, world" {
			t.Errorf("the neighbour: %d %q, want 200", resp.StatusCode, body)
		}
	}
}
