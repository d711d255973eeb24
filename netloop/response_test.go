package netloop

import "testing"

func TestResponseHeaderEdits(t *testing.T) {
	w := &Response{}
	w.AddHeader("X-A", "1")
	w.AddHeader("Set-Cookie", "a=1")
	w.AddHeader("x-a", "2")
	if err := w.SetHeader("X-A", "3"); err != nil {
		t.Fatal(err)
	}
	if got := string(w.header); got != "Set-Cookie: a=1\r\nX-A: 3\r\n" {
		t.Fatalf("after SetHeader: %q", got)
	}
	w.DelHeader("set-cookie")
	if n, size := w.HeaderFields(); n != 1 || size != len("X-A: 3\r\n") {
		t.Fatalf("HeaderFields = %d, %d", n, size)
	}
	for _, bad := range [][2]string{{"X-B", "a\r\nInjected: 1"}, {"X B", "v"}, {"X-C", "nul\x00"}, {"Content-Length", "5"}, {"X-D", " lead"}} {
		if err := w.SetHeader(bad[0], bad[1]); err == nil {
			t.Errorf("SetHeader(%q, %q) accepted", bad[0], bad[1])
		}
	}
}
