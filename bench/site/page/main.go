// Command page is the guest of the rendered-page benchmark (bench/site.sh).
// Both of its handlers build the page's data on every request
// (bench/site/pagedata) and have the host render the site's page.html
// with it; they differ in how the data becomes JSON:
//
//	page       Render(name, data): the SDK encodes the struct with
//	           encoding/json, as a typical plugin does
//	page-json  the data's own appender (Page.AppendJSON), passed as a
//	           json.RawMessage, which the SDK sends as it is
//
// Build it with `wasmweb build bench/site/page`.
package main

import (
	"encoding/json"

	"github.com/wasmweb/wasmweb/bench/site/pagedata"
	"github.com/wasmweb/wasmweb/sdk"
)

func main() {}

func init() {
	sdk.Handle("page", page{})
	sdk.Handle("page-json", pageJSON{})
}

type page struct{}

// Get renders page.html; HEAD uses it too.
func (page) Get(c *sdk.Context) {
	if err := c.Render("page.html", pagedata.New()); err != nil {
		// A template error has already made the response a 500; this
		// covers a site without page.html.
		c.Error(500, err.Error())
	}
}

type pageJSON struct{}

// Get renders page.html from JSON built by hand; HEAD uses it too.
func (pageJSON) Get(c *sdk.Context) {
	b := pagedata.New().AppendJSON(make([]byte, 0, 8<<10))
	if err := c.Render("page.html", json.RawMessage(b)); err != nil {
		c.Error(500, err.Error())
	}
}
