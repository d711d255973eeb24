package status

import (
	"context"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"
)

// Caps on what one recent error keeps: the record's text comes from
// guests as often as from the host, so nothing is kept whole.
const (
	maxText  = 512  // bytes of the message and of each attribute
	maxStack = 4096 // bytes of a stack trace
	maxAttrs = 8    // attributes kept besides the named ones
)

// Error is a log record at level WARN or above that was about a request.
// Each string is capped (maxText, maxStack), cut on a character boundary
// with "…" appended.
type Error struct {
	Time      time.Time `json:"time"`
	Level     string    `json:"level"`
	Msg       string    `json:"msg"`
	RequestID string    `json:"request_id"`
	Site      string    `json:"site,omitempty"`
	Route     string    `json:"route,omitempty"`
	Handler   string    `json:"handler,omitempty"`
	Plugin    string    `json:"plugin,omitempty"`
	Kind      string    `json:"kind,omitempty"`
	Message   string    `json:"message,omitempty"`
	Stack     string    `json:"stack,omitempty"`
	Attrs     []Attr    `json:"attrs,omitempty"` // the first maxAttrs others
}

// Attr is one other attribute of an Error, its value as text.
type Attr struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// RequestKeys are the attribute keys that name a request: a record with
// one of them, at WARN or above, is kept as a recent error.
var RequestKeys = []string{"request_id", "request"}

// Tee returns a handler that passes every record to base and also keeps,
// in errs, those at level WARN or above that carry a request id (an
// attribute named in RequestKeys), whether or not base logs them.
func Tee(base slog.Handler, errs *Ring[Error]) slog.Handler {
	return &tee{base: base, errs: errs}
}

// tee is the handler Tee returns. It is immutable, so safe for
// concurrent use as far as base is.
type tee struct {
	base   slog.Handler
	errs   *Ring[Error]
	attrs  []slog.Attr // from WithAttrs, their keys prefixed by their groups
	prefix string      // the open groups, each followed by "."
}

func (t *tee) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn || t.base.Enabled(ctx, l)
}

func (t *tee) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		if e, ok := t.entry(r); ok {
			t.errs.Push(e)
		}
	}
	if !t.base.Enabled(ctx, r.Level) {
		return nil
	}
	return t.base.Handle(ctx, r)
}

func (t *tee) WithAttrs(as []slog.Attr) slog.Handler {
	c := *t
	c.base = t.base.WithAttrs(as)
	c.attrs = append(t.attrs[:len(t.attrs):len(t.attrs)], prefixed(t.prefix, as)...)
	return &c
}

func (t *tee) WithGroup(name string) slog.Handler {
	if name == "" {
		return t
	}
	c := *t
	c.base = t.base.WithGroup(name)
	c.prefix = t.prefix + name + "."
	return &c
}

// prefixed returns as with each key prefixed, groups flattened.
func prefixed(prefix string, as []slog.Attr) []slog.Attr {
	var out []slog.Attr
	for _, a := range as {
		a.Value = a.Value.Resolve()
		if a.Value.Kind() == slog.KindGroup {
			p := prefix
			if a.Key != "" {
				p += a.Key + "."
			}
			out = append(out, prefixed(p, a.Value.Group())...)
			continue
		}
		a.Key = prefix + a.Key
		out = append(out, a)
	}
	return out
}

// entry makes r into an Error; ok is false when r names no request.
func (t *tee) entry(r slog.Record) (e Error, ok bool) {
	e = Error{Time: r.Time, Level: r.Level.String(), Msg: capText(r.Message, maxText)}
	add := func(a slog.Attr) {
		v := a.Value.String()
		switch a.Key {
		case "request_id", "request":
			e.RequestID = capText(v, maxText)
			ok = e.RequestID != ""
		case "site":
			e.Site = capText(v, maxText)
		case "route":
			e.Route = capText(v, maxText)
		case "handler":
			e.Handler = capText(v, maxText)
		case "plugin":
			e.Plugin = capText(v, maxText)
		case "kind":
			e.Kind = capText(v, maxText)
		case "message":
			e.Message = capText(v, maxText)
		case "stack":
			e.Stack = capText(v, maxStack)
		default:
			if len(e.Attrs) < maxAttrs {
				e.Attrs = append(e.Attrs, Attr{Key: capText(a.Key, maxText), Value: capText(v, maxText)})
			}
		}
	}
	for _, a := range t.attrs {
		add(a)
	}
	r.Attrs(func(a slog.Attr) bool {
		for _, a := range prefixed(t.prefix, []slog.Attr{a}) {
			add(a)
		}
		return true
	})
	return e, ok
}

// capText returns s cut to at most n bytes on a character boundary, with
// "…" appended when it was cut; invalid UTF-8 becomes U+FFFD, so that
// what is kept encodes as it reads.
func capText(s string, n int) string {
	cut := ""
	if len(s) > n {
		i := n
		for i > 0 && !utf8.RuneStart(s[i]) {
			i--
		}
		s, cut = s[:i], "…"
	}
	return strings.ToValidUTF8(s, "\uFFFD") + cut
}
