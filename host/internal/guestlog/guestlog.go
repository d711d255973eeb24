// Package guestlog carries what guests write for the operator (the log
// host function, stdout and stderr) into the host's log, within limits no
// guest can talk its way past: a budget per call and a rate per plugin
// (abi/ABI.md section 9). What the limits keep out is counted, and
// reported at most once a second per plugin, never silently lost.
//
// A Plugin holds the rate, shared by its instances; a Call is one
// instance's share for the call it serves. The host's own log lines do
// not pass through it.
package guestlog

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wasmweb/wasmweb/abi"
)

// Limits bound what one plugin's guests put in the host's log, in bytes
// as Cost counts them. Both must be set: the site's config gives them
// their defaults.
type Limits struct {
	// PerCall caps what one call, or one instance's initialization, may
	// put in the log.
	PerCall int64
	// PerSecond caps what one plugin, all its instances together, may
	// put in the log per second, after a burst of one second's worth.
	PerSecond int64
}

const (
	// MaxLine caps the text of one line: a longer log message is
	// truncated, and a longer line of output is cut into lines of
	// MaxLine bytes.
	MaxLine = abi.MaxLogMessage
	// LineOverhead is what a line costs beyond its text: about what the
	// record's time, level, keys and attributes take in a text log.
	LineOverhead = 128
	// escapedCost is what a byte or rune that logs escape costs: JSON's
	// \u0000 is 6 bytes (a text log's \x00 is 4).
	escapedCost = 6
)

// Cost returns what a line with text costs against the limits: about
// the bytes its record takes in a text or JSON log. Printable text
// counts its length; control characters, invalid UTF-8 and other runes
// a log escapes count 6 bytes each; and each line counts LineOverhead
// more, so that empty lines are not free.
func Cost(text []byte) int64 {
	n := int64(LineOverhead)
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c >= 0x20 && c < 0x7f:
			if c == '"' || c == '\\' {
				n += 2
			} else {
				n++
			}
			i++
		case c < utf8.RuneSelf:
			n += escapedCost
			i++
		default:
			r, size := utf8.DecodeRune(text[i:])
			if r == utf8.RuneError && size == 1 || !unicode.IsPrint(r) {
				n += escapedCost * int64(size)
			} else {
				n += int64(size)
			}
			i += size
		}
	}
	return n
}

// Counter counts what the limits keep out of the log; a Prometheus
// counter is one.
type Counter interface{ Add(float64) }

// Counters are where a Plugin counts what it drops.
type Counters struct {
	Bytes Counter // the text of dropped lines, and output refused whole
	Lines Counter // dropped lines
}

// Plugin is one plugin's share of the log: a bucket that fills at
// PerSecond and holds one second's worth, and the counters of what was
// dropped. It is safe for concurrent use.
type Plugin struct {
	log     *slog.Logger // with the plugin's site and name
	lim     Limits
	dropped Counters
	now     func() time.Time

	mu     sync.Mutex
	tokens float64   // mu guards tokens and filled
	filled time.Time // when tokens was last brought up to date

	noticed atomic.Int64 // unix nanoseconds of the last report of a drop
}

// NewPlugin returns a plugin's share of the log. Lines go to log (which
// should carry the site's and plugin's names) and drops are counted in
// c. The bucket starts full.
func NewPlugin(log *slog.Logger, lim Limits, c Counters) *Plugin {
	p := &Plugin{log: log, lim: lim, dropped: c, now: time.Now}
	p.tokens, p.filled = float64(lim.PerSecond), p.now()
	return p
}

// Limits returns the plugin's limits.
func (p *Plugin) Limits() Limits { return p.lim }

// take takes cost from the bucket, or reports false and takes nothing
// when it holds less.
func (p *Plugin) take(cost int64) bool {
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if d := now.Sub(p.filled); d > 0 {
		p.tokens = min(float64(p.lim.PerSecond), p.tokens+d.Seconds()*float64(p.lim.PerSecond))
		p.filled = now
	}
	if p.tokens < float64(cost) {
		return false
	}
	p.tokens -= float64(cost)
	return true
}

// NewCall returns a share of the log for one instance, with a whole
// budget. request returns the id of the request being served, "" when
// none is.
func (p *Plugin) NewCall(request func() string) *Call {
	return &Call{p: p, request: request, left: p.lim.PerCall}
}

// ErrSpent is what Write returns once the call's budget is spent: the
// guest's fd_write fails (EIO), so that a guest writing in a loop costs
// the host nothing more per write.
var ErrSpent = errors.New("guestlog: the call's log budget is spent")

// Call is one instance's share of the log for the call it serves, or for
// its initialization: what it may still log, and its output's unfinished
// line. Write makes it the instance's stdout and stderr. A Call is used
// by one goroutine at a time, the one running the instance.
type Call struct {
	p       *Plugin
	request func() string
	left    int64  // budget left; 0 once a line did not fit
	partial []byte // output after the last line, at most MaxLine bytes
	cut     bool   // the last line of output was cut at MaxLine
}

// Begin starts a call with a whole budget and no unfinished line.
func (c *Call) Begin() {
	c.left = c.p.lim.PerCall
	c.partial = c.partial[:0]
	c.cut = false
}

// End logs the output's unfinished line, if any.
func (c *Call) End() {
	if len(c.partial) > 0 {
		c.line(slog.LevelInfo, OutputMessage, c.partial)
	}
	c.partial = c.partial[:0]
	c.cut = false
}

// The messages of a guest's lines; the guest's text is the attribute
// TextKey, never part of a message (abi/ABI.md section 9).
const (
	LogMessage    = "guest"        // a line of the log host function
	OutputMessage = "guest output" // a line of stdout or stderr
	TextKey       = "text"
)

// Log logs a message of the log host function: truncated to MaxLine,
// without trailing newlines.
func (c *Call) Log(level slog.Level, msg []byte) {
	if len(msg) > MaxLine {
		msg = msg[:MaxLine]
	}
	c.line(level, LogMessage, bytes.TrimRight(msg, "\n"))
}

// Write logs output a line at a time: each newline ends a line, and a
// line is cut at MaxLine bytes. It takes linear time in len(b) and stops
// looking at b once the budget is spent; the rest is dropped. After
// that, Write returns ErrSpent.
func (c *Call) Write(b []byte) (int, error) {
	n := len(b)
	if c.left <= 0 {
		c.drop(n, 0, "per call")
		return 0, ErrSpent
	}
	for len(b) > 0 {
		if c.left <= 0 {
			c.drop(len(b), 0, "per call")
			break
		}
		room := MaxLine - len(c.partial)
		i := bytes.IndexByte(b[:min(len(b), room+1)], '\n')
		switch {
		case i == 0 && c.cut && len(c.partial) == 0:
			// The newline ends a line already logged when it was cut.
			b = b[1:]
			c.cut = false
		case i >= 0:
			c.finish(b[:i])
			b = b[i+1:]
			c.cut = false
		case len(b) > room:
			c.finish(b[:room])
			b = b[room:]
			c.cut = true
		default:
			c.partial = append(c.partial, b...)
			b = nil
			c.cut = false
		}
	}
	return n, nil
}

// finish logs the unfinished line followed by tail.
func (c *Call) finish(tail []byte) {
	if len(c.partial) == 0 {
		c.line(slog.LevelInfo, OutputMessage, tail)
		return
	}
	c.partial = append(c.partial, tail...)
	c.line(slog.LevelInfo, OutputMessage, c.partial)
	c.partial = c.partial[:0]
}

// line logs text as a record with message msg, if the call's budget and
// the plugin's rate allow. A line that does not fit the budget spends
// it: the rest of the call's lines are dropped too.
func (c *Call) line(level slog.Level, msg string, text []byte) {
	if c.left <= 0 {
		c.drop(len(text), 1, "per call")
		return
	}
	cost := Cost(text)
	if cost > c.left {
		c.left = 0
		c.drop(len(text), 1, "per call")
		return
	}
	c.left -= cost
	if !c.p.take(cost) {
		c.drop(len(text), 1, "per second")
		return
	}
	if id := c.request(); id != "" {
		c.p.log.Log(context.Background(), level, msg, TextKey, string(text), "request", id)
	} else {
		c.p.log.Log(context.Background(), level, msg, TextKey, string(text))
	}
}

// drop counts n bytes and lines kept out of the log by limit, and
// reports it at most once a second per plugin.
func (c *Call) drop(n, lines int, limit string) {
	p := c.p
	if n > 0 {
		p.dropped.Bytes.Add(float64(n))
	}
	if lines > 0 {
		p.dropped.Lines.Add(float64(lines))
	}
	now := p.now().UnixNano()
	last := p.noticed.Load()
	if now-last < int64(time.Second) || !p.noticed.CompareAndSwap(last, now) {
		return
	}
	bound := p.lim.PerCall
	if limit == "per second" {
		bound = p.lim.PerSecond
	}
	attrs := []any{"limit", limit + " (" + strconv.FormatInt(bound, 10) + " bytes)"}
	if id := c.request(); id != "" {
		attrs = append(attrs, "request", id)
	}
	p.log.Warn("host: guest log over its limit; dropping lines (see wasmweb_guest_log_dropped_bytes_total)", attrs...)
}
