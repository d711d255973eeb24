package host_test

import (
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/host/config"
	"github.com/wasmweb/wasmweb/internal/xsrf"
)

// The host admits a POST to an xsrf_cookies site only with the cookie's
// token, in the _xsrf field or in either header, and only when the browser
// does not say it comes from another origin; the guest never sees the
// others.
func TestXSRFCheck(t *testing.T) {
	site := watSite("xsrf", config.Route{Path: "/", Plugin: "hello"})
	site.Hosts, site.XSRF = []string{"a.example.com"}, true
	_, do := testHost(t, site)
	tok := xsrf.New()
	cookie := xsrf.Mask(tok, time.Now())
	masked := xsrf.Mask(tok, time.Now())
	other := xsrf.Mask(xsrf.New(), time.Now())
	post := func(header, body string) int {
		t.Helper()
		resp, _ := do("POST / HTTP/1.1\r\nHost: a.example.com\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
			header + "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
		return resp.StatusCode
	}
	withCookie := "Cookie: _xsrf=" + cookie + "\r\n"

	for _, h := range xsrf.Headers {
		for _, tc := range []struct {
			name, token string
			status      int
		}{
			{"masked token", masked, 200},
			{"bare token", hex.EncodeToString(tok), 200},
			{"another cookie's token", other, 403},
			{"empty", "", 403},
			{"malformed", "2|zz|zz|1", 403},
			{"truncated", masked[:len(masked)/2], 403},
			{"short mask", "2|00|" + hex.EncodeToString(tok) + "|1", 403},
			{"not hex", "not-a-token", 403},
			{"the cookie's token with a byte changed", flipHex(masked), 403},
		} {
			t.Run(h+"/"+tc.name, func(t *testing.T) {
				if got := post(withCookie+h+": "+tc.token+"\r\n", ""); got != tc.status {
					t.Errorf("%s: %q: %d, want %d", h, tc.token, got, tc.status)
				}
				if got := post(withCookie+strings.ToLower(h)+": "+tc.token+"\r\n", ""); got != tc.status {
					t.Errorf("%s in lower case: %q: %d, want %d", h, tc.token, got, tc.status)
				}
			})
		}
		t.Run(h+"/without the cookie", func(t *testing.T) {
			if got := post(h+": "+masked+"\r\n", ""); got != 403 {
				t.Errorf("%d, want 403", got)
			}
		})
	}

	field := func(v string) string { return url.Values{"_xsrf": {v}}.Encode() }
	for _, tc := range []struct {
		name, header, body string
		status             int
	}{
		{"field", withCookie, field(masked), 200},
		{"field, another token", withCookie, field(other), 403},
		{"no token", withCookie, "x=1", 403},
		{"own origin", withCookie + "Sec-Fetch-Site: same-origin\r\nOrigin: http://a.example.com\r\n", field(masked), 200},
		{"typed", withCookie + "Sec-Fetch-Site: none\r\n", field(masked), 200},
		{"sibling site with a planted cookie", withCookie + "Sec-Fetch-Site: same-site\r\nOrigin: http://b.example.com\r\n", field(masked), 403},
		{"other site", withCookie + "Sec-Fetch-Site: cross-site\r\n", field(masked), 403},
		{"old browser, sibling", withCookie + "Origin: http://b.example.com\r\n", field(masked), 403},
		{"old browser, own origin", withCookie + "Origin: http://a.example.com\r\n", field(masked), 200},
		{"header from a sibling", withCookie + "Sec-Fetch-Site: same-site\r\nX-XSRFToken: " + masked + "\r\n", "", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := post(tc.header, tc.body); got != tc.status {
				t.Errorf("%d, want %d", got, tc.status)
			}
		})
	}
}

// flipHex changes the last hex digit of the masked token's XOR part.
func flipHex(masked string) string {
	parts := strings.Split(masked, "|")
	x := []byte(parts[2])
	if x[len(x)-1] == '0' {
		x[len(x)-1] = '1'
	} else {
		x[len(x)-1] = '0'
	}
	parts[2] = string(x)
	return strings.Join(parts, "|")
}
