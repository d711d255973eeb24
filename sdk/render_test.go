package sdk_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/sdk"
	"github.com/wasmweb/wasmweb/sdk/sdktest"
)

func init() {
	sdk.Handle("render", func(c *sdk.Context) {
		// A struct, a map or any value is encoded with encoding/json...
		c.Render("greeting.html", map[string]any{"who": "Zoë <admin>", "n": 3})
		// ... while JSON the handler built itself goes as it is.
		c.Render("list.html", json.RawMessage(`{"items": [1, 2]}`))
	})
}

func ExampleContext_Render() {
	resp := sdktest.Serve("render", nil)
	for _, r := range resp.Rendered {
		fmt.Printf("%s %s\n", r.Name, r.Data)
	}
	// Output:
	// greeting.html {"n":3,"who":"Zoë <admin>"}
	// list.html {"items": [1, 2]}
}

// renderData is the data of the current TestRenderData case.
var renderData any

func init() {
	sdk.Handle("test-render", func(c *sdk.Context) {
		got = map[string]any{"err": c.Render("page.html", renderData)}
	})
}

// TestRenderData checks what reaches the host for each kind of data: the
// value encoding/json gives, decoding to the same as json.Marshal's, or
// the caller's own JSON untouched.
func TestRenderData(t *testing.T) {
	type item struct {
		Name  string
		Price float64
		Tags  []string `json:"tags,omitempty"`
	}
	for _, tc := range []struct {
		name     string
		data     any
		wantData string // exact bytes, for raw data and nil; else the data must decode as json.Marshal's does
		wantErr  bool
		invalid  bool   // the error is ErrInvalid
		failure  string // the response's failure
	}{
		{name: "struct", data: struct {
			Title string
			Items []item
		}{"Teas & <cakes>", []item{{"Earl \"Grey\"", 4.5, []string{"a"}}, {"Sencha\u2028", 6, nil}}}},
		{name: "map", data: map[string]any{"b": 1, "a": []any{"x", true, nil}}},
		{name: "nil", data: nil, wantData: "null"},
		{name: "raw", data: json.RawMessage(` {"a" : [1,2]} `), wantData: ` {"a" : [1,2]} `},
		{name: "raw empty", data: json.RawMessage(nil), wantData: ""},
		{name: "raw invalid", data: json.RawMessage(`{"a":`), wantErr: true, invalid: true, failure: "render: render page.html: data is not JSON"},
		{name: "unencodable", data: map[string]any{"f": func() {}}, wantErr: true}, // refused before the host sees it
	} {
		t.Run(tc.name, func(t *testing.T) {
			renderData = tc.data
			resp := sdktest.Serve("test-render", nil)
			err, _ := got["err"].(error)
			if (err != nil) != tc.wantErr || errors.Is(err, sdk.ErrInvalid) != tc.invalid {
				t.Fatalf("Render: %v, want an error: %v, ErrInvalid: %v", err, tc.wantErr, tc.invalid)
			}
			if !strings.HasPrefix(resp.Failure, tc.failure) || (tc.failure == "") != (resp.Failure == "") {
				t.Errorf("failure %q, want %q", resp.Failure, tc.failure)
			}
			if tc.wantErr {
				if len(resp.Rendered) != 0 {
					t.Errorf("rendered %v after an error", resp.Rendered)
				}
				return
			}
			if len(resp.Rendered) != 1 {
				t.Fatalf("rendered %d times", len(resp.Rendered))
			}
			data := resp.Rendered[0].Data
			if _, raw := tc.data.(json.RawMessage); raw || tc.wantData != "" {
				if string(data) != tc.wantData {
					t.Errorf("data %q, want %q", data, tc.wantData)
				}
				return
			}
			want, err := json.Marshal(tc.data)
			if err != nil {
				t.Fatal(err)
			}
			var gotV, wantV any
			if err := json.Unmarshal(data, &gotV); err != nil {
				t.Fatalf("data %q: %v", data, err)
			}
			json.Unmarshal(want, &wantV)
			if !reflect.DeepEqual(gotV, wantV) {
				t.Errorf("data %s decodes to %v, want %v (from %s)", data, gotV, wantV, want)
			}
		})
	}
}
