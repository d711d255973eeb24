package host_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
)

// logRec records what a host logs, attributes flattened to strings.
type logRec struct {
	mu   sync.Mutex
	recs []rec
	with []slog.Attr
}

type rec struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func (l *logRec) Enabled(context.Context, slog.Level) bool { return true }

func (l *logRec) Handle(_ context.Context, r slog.Record) error {
	x := rec{level: r.Level, msg: r.Message, attrs: map[string]string{}}
	for _, a := range l.with {
		x.attrs[a.Key] = a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		x.attrs[a.Key] = a.Value.String()
		return true
	})
	l.mu.Lock()
	l.recs = append(l.recs, x)
	l.mu.Unlock()
	return nil
}

func (l *logRec) WithAttrs(as []slog.Attr) slog.Handler {
	return &logView{l, append(append([]slog.Attr(nil), l.with...), as...)}
}

func (l *logRec) WithGroup(string) slog.Handler { return l }

// logView is a logRec with attributes added by With.
type logView struct {
	l    *logRec
	with []slog.Attr
}

func (v *logView) Enabled(context.Context, slog.Level) bool { return true }

func (v *logView) Handle(ctx context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(v.with...)
	return v.l.Handle(ctx, r)
}

func (v *logView) WithAttrs(as []slog.Attr) slog.Handler {
	return &logView{v.l, append(append([]slog.Attr(nil), v.with...), as...)}
}

func (v *logView) WithGroup(string) slog.Handler { return v }

// records returns the records so far whose message is msg, all when msg
// is "".
func (l *logRec) records(msg string) []rec {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []rec
	for _, r := range l.recs {
		if msg == "" || r.msg == msg {
			out = append(out, r)
		}
	}
	return out
}

// sharedEngine is the compilation cache of loggedHost's hosts, so that
// the tests compile a Go plugin once.
var sharedEngine = sync.OnceValues(func() (*host.Engine, error) { return host.NewEngine("") })

// loggedHost loads cfg into a host that logs to a new logRec.
func loggedHost(t testing.TB, cfg config.Config) (*host.Host, *logRec, error) {
	t.Helper()
	engine, err := sharedEngine()
	if err != nil {
		t.Fatal(err)
	}
	l := &logRec{}
	h, err := host.New(context.Background(), engine, cfg, slog.New(l))
	if err == nil {
		t.Cleanup(func() { h.Close(context.Background()) })
	}
	return h, l, err
}

// wasmPath is the committed .wasm of a guest of conformance/guests.
func wasmPath(guest string) string { return "../conformance/guests/" + guest + ".wasm" }
