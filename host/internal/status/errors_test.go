package status

import (
	"bytes"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTee(t *testing.T) {
	var out bytes.Buffer
	errs := NewRing[Error](10)
	// The base logs ERROR only: WARN records are kept all the same.
	base := slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelError})
	log := slog.New(Tee(base, errs)).With("site", "blog", "plugin", "posts")

	log.Info("info about a request", "request_id", "r1") // below WARN
	log.Warn("a warning about no request", "err", "x")   // no request id
	log.WithGroup("g").Error("a request id in a group is not one", "request_id", "r0")
	log.Warn("guest trap", "request_id", "r2", "kind", "trap", "route", "/p/{id}", "handler", "show",
		"message", "index out of range", "stack", "main.f()\n\tmain.go:3", "timeout", "2s")
	log.With("request", "r3").WithGroup("g").Error("grouped", "k", "v", slog.Group("inner", "n", 1))

	first, got := errs.Since(0)
	if first != 1 || len(got) != 2 {
		t.Fatalf("kept %d records: %+v", len(got), got)
	}
	want := []Error{{
		Time: got[0].Time, Level: "WARN", Msg: "guest trap", RequestID: "r2", Site: "blog", Route: "/p/{id}", Handler: "show",
		Plugin: "posts", Kind: "trap", Message: "index out of range", Stack: "main.f()\n\tmain.go:3",
		Attrs: []Attr{{"timeout", "2s"}},
	}, {
		Time: got[1].Time, Level: "ERROR", Msg: "grouped", RequestID: "r3", Site: "blog", Plugin: "posts",
		Attrs: []Attr{{"g.k", "v"}, {"g.inner.n", "1"}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kept\n%+v\nwant\n%+v", got, want)
	}
	// The base handler saw what its level lets through, and only that.
	if s := out.String(); strings.Contains(s, "guest trap") || !strings.Contains(s, "grouped") || !strings.Contains(s, "g.inner.n=1") {
		t.Errorf("base handler wrote %q", s)
	}
}

// TestTeeCaps logs what a hostile guest could: huge text, invalid UTF-8
// and many attributes. What is kept is capped and valid UTF-8.
func TestTeeCaps(t *testing.T) {
	errs := NewRing[Error](2)
	log := slog.New(Tee(slog.DiscardHandler, errs))
	huge := strings.Repeat("é", 10000) // two bytes a character: a cut can fall inside one
	args := []any{"request_id", huge, "message", "\xff\xfe<script>", "stack", huge}
	for i := range 20 {
		args = append(args, "k"+strings.Repeat("x", i), huge)
	}
	log.Error(huge, args...)
	_, got := errs.Since(0)
	if len(got) != 1 {
		t.Fatalf("kept %d", len(got))
	}
	e := got[0]
	for name, c := range map[string]struct {
		s   string
		max int
	}{"msg": {e.Msg, maxText}, "request_id": {e.RequestID, maxText}, "stack": {e.Stack, maxStack}, "attr": {e.Attrs[0].Value, maxText}} {
		if len(c.s) > c.max+len("…") || !strings.HasSuffix(c.s, "…") || !utf8.ValidString(c.s) {
			t.Errorf("%s: %d bytes, valid UTF-8 %v, ends %q", name, len(c.s), utf8.ValidString(c.s), c.s[max(0, len(c.s)-8):])
		}
	}
	if e.Message != "\uFFFD<script>" {
		t.Errorf("message %q", e.Message)
	}
	if len(e.Attrs) != maxAttrs {
		t.Errorf("%d attributes kept, want %d", len(e.Attrs), maxAttrs)
	}
	// The ring holds two: a flood keeps the newest.
	for range 1000 {
		log.Error("flood", "request_id", "f")
	}
	if first, got := errs.Since(0); len(got) != 2 || first != 1000 {
		t.Errorf("after a flood: %d kept from %d", len(got), first)
	}
}
