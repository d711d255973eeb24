// Command relay is a wasmweb plugin with one handler, "relay", which
// fetches a file from an upstream the site names in its variables and
// answers what it got: it shows Context.Var and Context.Fetch.
//
// The site's config gives the upstream's origin as the variable
// "upstream" (and must allow that origin in [site.outbound]), and may
// give a bearer token for it as "token", from the environment or a file.
// GET /relay?file=NAME fetches UPSTREAM/static/NAME.
package main

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/wasmweb/wasmweb/sdk"
)

func main() {}

func init() {
	sdk.Handle("relay", relay{})
}

type relay struct{}

// Get fetches the file and answers a summary of the upstream's response:
// status, size, type and the first line of the body.
func (relay) Get(c *sdk.Context) {
	upstream, ok := c.Var("upstream")
	if !ok {
		c.Error(http.StatusInternalServerError, "relay: the site has no \"upstream\" variable")
		return
	}
	file := c.Argument("file", "demo.css")
	if !safeName(file) {
		c.Error(http.StatusBadRequest, "relay: file is letters, digits, '.', '-' and '_'")
		return
	}
	req := sdk.FetchRequest{URL: strings.TrimSuffix(upstream, "/") + "/static/" + file, Header: sdk.Header{}}
	if token, ok := c.Var("token"); ok {
		req.Header.Add("Authorization", "Bearer "+token)
	}
	resp, err := c.Fetch(req)
	switch {
	case errors.Is(err, sdk.ErrDenied):
		c.Error(http.StatusBadGateway, "relay: the site does not allow fetching from", upstream)
		return
	case errors.Is(err, sdk.ErrTooLarge):
		c.Error(http.StatusBadGateway, "relay: the file is larger than the site lets a plugin fetch")
		return
	case err != nil:
		c.Error(http.StatusGatewayTimeout, "relay: the upstream did not answer:", err.Error())
		return
	}
	first, _, _ := strings.Cut(string(resp.Body), "\n")
	if len(first) > 80 {
		first = first[:80]
	}
	c.SetHeader("Content-Type", "text/plain; charset=utf-8")
	c.WriteString(fmt.Sprintf("%s/static/%s: %d, %d bytes, %s\n%s\n", upstream, file, resp.Status, len(resp.Body),
		resp.Header.Get("Content-Type"), first))
}

// safeName reports whether a file name stays inside the static
// directory and makes no query.
func safeName(s string) bool {
	if s == "" || s[0] == '.' || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
