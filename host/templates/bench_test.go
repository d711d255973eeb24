package templates

import (
	"bytes"
	"testing"
)

// BenchmarkRender renders the benchmark's page (bench/site/templates)
// with its data, as the host does (into a reused buffer), with
// html/template alone and compiled; compiled-json passes the data as
// JSON, which spares the check that it is.
func BenchmarkRender(b *testing.B) {
	for _, bc := range []struct {
		name      string
		interpret bool
		json      bool
	}{
		{"html-template", true, false},
		{"compiled", false, false},
		{"compiled-json", false, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s, err := Open("../../bench/site/templates", nil)
			if err != nil {
				b.Fatal(err)
			}
			s.interpret = bc.interpret
			data := benchData(b)
			if bc.json {
				data = JSON{data}
			}
			var buf bytes.Buffer
			if err := s.RenderLocaleTo(&buf, "", "page.html", data); err != nil {
				b.Fatal(err)
			}
			if p, _ := s.page("", "page.html"); !bc.interpret && p.prog == nil {
				b.Skipf("page not compiled: %v", p.why)
			}
			b.SetBytes(int64(buf.Len()))
			b.ReportAllocs()
			for b.Loop() {
				buf.Reset()
				if err := s.RenderLocaleTo(&buf, "", "page.html", data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
