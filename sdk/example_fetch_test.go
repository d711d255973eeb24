package sdk_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// weather asks an upstream API for the forecast, with the API key the
// site's config gives as a variable ([site.vars] api_key = { env =
// "WEATHER_KEY" }), and the API's origin in [site.outbound] allow.
func weather(c *sdk.Context) {
	key, ok := c.Var("api_key")
	if !ok {
		c.Error(http.StatusInternalServerError, "no api_key variable")
		return
	}
	resp, err := c.Fetch(sdk.FetchRequest{
		URL:    "https://api.example.com/forecast?city=" + c.Argument("city", "Lisbon"),
		Header: sdk.Header{"authorization": {"Bearer " + key}},
	})
	switch {
	case errors.Is(err, sdk.ErrUnavailable):
		c.Error(http.StatusGatewayTimeout, "the weather service is slow")
		return
	case err != nil: // ErrDenied: the config does not allow the API
		c.Errorf("fetch: %v", err)
		c.Error(http.StatusBadGateway)
		return
	}
	c.WriteString(fmt.Sprintf("%d %s: %s", resp.Status, resp.Header.Get("Content-Type"), resp.Body))
}

func init() {
	sdk.Handle("weather", weather)
}

func ExampleContext_Fetch() {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer k-123" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "sunny in "+r.URL.Query().Get("city"))
	})
	req := sdktest.NewRequest("GET", "/weather?city=Porto").
		WithVar("api_key", "k-123").
		WithUpstream("https://api.example.com", api)
	fmt.Println(string(sdktest.Serve("weather", req).Body))

	// Without the origin in the allow list, the fetch is denied.
	resp := sdktest.Serve("weather", sdktest.NewRequest("GET", "/weather").WithVar("api_key", "k-123"))
	fmt.Println(resp.Status)
	// Output:
	// 200 text/plain: sunny in Porto
	// 502
}
