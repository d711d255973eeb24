package sdktest

import (
	"net/url"
	"reflect"
	"testing"

	"github.com/wasmweb/wasmweb/internal/form"
)

func TestWire(t *testing.T) {
	r := NewRequest("POST", "/").
		WithHeader("Content-Type", "text/plain").
		WithForm(url.Values{"b": {"2"}, "a": {"1", "x y"}})
	header, body := r.wire()
	want := []headerField{{"Host", "example.com"}, {"Content-Type", "application/x-www-form-urlencoded"}, {"Content-Length", "13"}}
	if string(body) != "a=1&a=x+y&b=2" || !reflect.DeepEqual(header, want) {
		t.Errorf("wire() = %q, %q", header, body)
	}
	if _, body := r.WithBodyString("raw").wire(); string(body) != "raw" {
		t.Errorf("WithBody after WithForm: body %q", body)
	}
	header, body = r.WithFile("f", "n", "", []byte("data")).wire()
	a := form.Parse("", header[1].value, body)
	if !reflect.DeepEqual(a.Body, map[string][]string{"a": {"1", "x y"}, "b": {"2"}}) ||
		!reflect.DeepEqual(a.Files, map[string][]form.File{"f": {{Name: "n", Body: []byte("data")}}}) {
		t.Errorf("multipart wire: %+v", a)
	}
}
