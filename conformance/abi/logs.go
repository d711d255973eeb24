package abikit

import (
	"context"
	"log/slog"
	"strings"
	"sync"
)

// LogRecorder is a slog.Handler that keeps every record, for RunLogs. It
// is safe for concurrent use; handlers derived with WithAttrs share its
// records.
type LogRecorder struct {
	shared *recorded
	attrs  []slog.Attr
}

type recorded struct {
	mu   sync.Mutex
	recs []LogRecord // mu guards recs
}

// LogRecord is one kept record: its level, message and attributes, the
// values formatted with slog.Value.String.
type LogRecord struct {
	Level   slog.Level
	Message string
	Attrs   map[string]string
}

// Line returns what the record says: for a guest's line (ABI.md §9:
// message "guest" or "guest output") the guest's text, its attribute
// "text"; for the host's own lines the message.
func (r LogRecord) Line() string {
	if r.Message == "guest" || r.Message == "guest output" {
		return r.Attrs["text"]
	}
	return r.Message
}

// Lines returns what the record says, a line at a time: Line, and for
// the record of a failed call (ABI.md §9: it has a "kind") the guest's
// lines it holds too, its attributes "message" and "output".
func (r LogRecord) Lines() []string {
	lines := []string{r.Line()}
	if r.Attrs["kind"] != "" {
		lines = append(lines, r.Attrs["message"])
		if out := r.Attrs["output"]; out != "" {
			lines = append(lines, strings.Split(out, "\n")...)
		}
	}
	return lines
}

// NewLogRecorder returns an empty recorder.
func NewLogRecorder() *LogRecorder { return &LogRecorder{shared: &recorded{}} }

// Enabled implements slog.Handler: every level is kept.
func (r *LogRecorder) Enabled(context.Context, slog.Level) bool { return true }

// Handle implements slog.Handler.
func (r *LogRecorder) Handle(_ context.Context, rec slog.Record) error {
	lr := LogRecord{Level: rec.Level, Message: rec.Message, Attrs: map[string]string{}}
	for _, a := range r.attrs {
		lr.Attrs[a.Key] = a.Value.String()
	}
	rec.Attrs(func(a slog.Attr) bool {
		lr.Attrs[a.Key] = a.Value.String()
		return true
	})
	r.shared.mu.Lock()
	r.shared.recs = append(r.shared.recs, lr)
	r.shared.mu.Unlock()
	return nil
}

// WithAttrs implements slog.Handler.
func (r *LogRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	return &LogRecorder{shared: r.shared, attrs: append(append([]slog.Attr(nil), r.attrs...), as...)}
}

// WithGroup implements slog.Handler; groups are flattened.
func (r *LogRecorder) WithGroup(string) slog.Handler { return r }

// Records returns a copy of every record so far.
func (r *LogRecorder) Records() []LogRecord {
	r.shared.mu.Lock()
	defer r.shared.mu.Unlock()
	return append([]LogRecord(nil), r.shared.recs...)
}

// find returns the records whose line (LogRecord.Line) contains s.
func (r *LogRecorder) find(s string) []LogRecord {
	var out []LogRecord
	for _, rec := range r.Records() {
		if strings.Contains(rec.Line(), s) {
			out = append(out, rec)
		}
	}
	return out
}
