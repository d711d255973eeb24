package main

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/wasmweb/wasmweb/bench/site/pagedata"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

// TestRendersPage checks that both handlers render page.html with data
// that decodes, as the host decodes it, to exactly what pagedata.New()
// encodes to; the native peer's test renders that through the host's
// templates.
func TestRendersPage(t *testing.T) {
	want, err := json.Marshal(pagedata.New())
	if err != nil {
		t.Fatal(err)
	}
	var wantV any
	if err := json.Unmarshal(want, &wantV); err != nil {
		t.Fatal(err)
	}
	for _, handler := range []string{"page", "page-json"} {
		t.Run(handler, func(t *testing.T) {
			resp := sdktest.Serve(handler, sdktest.NewRequest("GET", "/page"))
			if resp.Status != 200 || len(resp.Rendered) != 1 {
				t.Fatalf("status %d, rendered %v (failure %q)", resp.Status, resp.Rendered, resp.Failure)
			}
			if resp.Rendered[0].Name != "page.html" {
				t.Errorf("rendered %q, want page.html", resp.Rendered[0].Name)
			}
			var got any
			if err := json.Unmarshal(resp.Rendered[0].Data, &got); err != nil {
				t.Fatalf("data %s: %v", resp.Rendered[0].Data, err)
			}
			if !reflect.DeepEqual(got, wantV) {
				t.Errorf("data\n%s\ndecodes otherwise than\n%s", resp.Rendered[0].Data, want)
			}
		})
	}
}
