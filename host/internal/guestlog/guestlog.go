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
//
// Between Begin and End (or Fail) the call's output and its log lines
// at LevelError are held, not logged: End logs them, with the times they
// were written, and Fail hands them to the record that reports the
// call's failure instead. They are what a failure writes (a runtime's
// dump, a panic's line), while the guest's other log lines are
// deliberate and logged as they come, so that a long call's progress
// shows. What is held is bounded by the call's budget. Outside Begin and
// End (an instance's initialization) every line is logged as it comes.
type Call struct {
	p       *Plugin
	request func() string
	left    int64  // budget left; 0 once a line did not fit
	partial []byte // output after the last line, at most MaxLine bytes
	cut     bool   // the last line of output was cut at MaxLine

	holding  bool
	id       string     // the request's id, read at the first held line
	held     []heldLine // the call's lines, in order
	text     []byte     // their texts, end to end
	lastErr  []byte     // the text of the last line of log at LevelError or above
	errAt    int        // lastErr's index in held; -1 when it is not held
	dropped  int64      // bytes the budget kept out of the call's lines
	hasError bool       // lastErr is set
	// overBudget: held lines were dropped for the budget, which End
	// says
	overBudget bool
}

// heldLine is a line held until its call ends: its text is
// Call.text[start:end].
type heldLine struct {
	t          time.Time
	level      slog.Level
	msg        string
	start, end int
	cost       int64
}

// Begin starts a call with a whole budget and no unfinished line, and
// holds its lines until End or Fail.
func (c *Call) Begin() {
	c.left = c.p.lim.PerCall
	c.partial = c.partial[:0]
	c.cut = false
	c.holding = true
	c.reset()
}

func (c *Call) reset() {
	c.id = ""
	c.held = c.held[:0]
	c.text = c.text[:0]
	c.lastErr = c.lastErr[:0]
	c.errAt = -1
	c.dropped = 0
	c.hasError = false
	c.overBudget = false
}

// End logs the output's unfinished line, if any, and the lines held
// since Begin, within the plugin's rate.
func (c *Call) End() {
	c.endPartial()
	if c.holding {
		for _, l := range c.held {
			c.emit(l.t, l.level, l.msg, c.text[l.start:l.end], l.cost, c.id)
		}
		c.holding = false
		if c.overBudget {
			c.notice("per call")
		}
	}
	c.reset()
}

func (c *Call) endPartial() {
	if len(c.partial) > 0 {
		c.line(slog.LevelInfo, OutputMessage, c.partial)
	}
	c.partial = c.partial[:0]
	c.cut = false
}

// Failure is what a failed call left for the one record that reports
// it (abi/ABI.md section 9).
type Failure struct {
	// LastError is the call's last line of the log function at
	// LevelError or above, kept even when the budget left it out of
	// the log; "" when there was none.
	LastError string
	// Lines are the call's other lines, in order, within its budget.
	Lines []string
	// Dropped counts the bytes of lines the budget kept out.
	Dropped int64
}

// Fail ends a call that failed: its lines are not logged but returned,
// for the record that reports the failure, which should charge what it
// logs of them to Afford.
func (c *Call) Fail() Failure {
	c.endPartial()
	f := Failure{Dropped: c.dropped}
	if c.hasError {
		f.LastError = string(c.lastErr)
	}
	for i, l := range c.held {
		if i != c.errAt {
			f.Lines = append(f.Lines, string(c.text[l.start:l.end]))
		}
	}
	c.holding = false
	c.reset()
	return f
}

// Afford takes the cost of a record's guest text from the plugin's rate,
// or reports false and takes nothing.
func (c *Call) Afford(text string) bool { return c.p.take(Cost([]byte(text))) }

// Dropped counts n bytes of a record's guest text left out for the
// plugin's rate.
func (c *Call) Dropped(n int64) { c.p.dropped.Bytes.Add(float64(n)) }

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
	msg = bytes.TrimRight(msg, "\n")
	held := c.line(level, LogMessage, msg)
	if c.holding && level >= slog.LevelError {
		// Kept whatever the budget says: it is what a failure's record
		// says went wrong, and it is at most MaxLine bytes.
		c.lastErr = append(c.lastErr[:0], msg...)
		c.hasError = true
		c.errAt = -1
		if held {
			c.errAt = len(c.held) - 1
		}
	}
}

// Write logs output a line at a time: each newline ends a line, and a
// line is cut at MaxLine bytes. It takes linear time in len(b) and stops
// looking at b once the budget is spent; the rest is dropped. After
// that, Write returns ErrSpent.
func (c *Call) Write(b []byte) (int, error) {
	n := len(b)
	if c.left <= 0 {
		c.drop(n, 0, "per call")
		c.dropped += int64(n)
		return 0, ErrSpent
	}
	for len(b) > 0 {
		if c.left <= 0 {
			c.drop(len(b), 0, "per call")
			c.dropped += int64(len(b))
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

// line logs text as a record with message msg, or holds it during a
// call, if the call's budget allows; it reports whether the line was
// held. A line that does not fit the budget spends it: the rest of the
// call's lines are dropped too.
func (c *Call) line(level slog.Level, msg string, text []byte) (held bool) {
	if c.left <= 0 {
		c.drop(len(text), 1, "per call")
		c.dropped += int64(len(text))
		return false
	}
	cost := Cost(text)
	if cost > c.left {
		c.left = 0
		c.drop(len(text), 1, "per call")
		c.dropped += int64(len(text))
		return false
	}
	c.left -= cost
	if c.holding && (msg == OutputMessage || level >= slog.LevelError) {
		if len(c.held) == 0 {
			c.id = c.request()
		}
		start := len(c.text)
		c.text = append(c.text, text...)
		c.held = append(c.held, heldLine{t: time.Now(), level: level, msg: msg, start: start, end: len(c.text), cost: cost})
		return true
	}
	c.emit(time.Now(), level, msg, text, cost, c.request())
	return false
}

// emit logs a line written at t, within the plugin's rate.
func (c *Call) emit(t time.Time, level slog.Level, msg string, text []byte, cost int64, id string) {
	if !c.p.take(cost) {
		c.drop(len(text), 1, "per second")
		return
	}
	h := c.p.log.Handler()
	if !h.Enabled(context.Background(), level) {
		return
	}
	r := slog.NewRecord(t, level, msg, 0)
	r.AddAttrs(slog.String(TextKey, string(text)))
	if id != "" {
		r.AddAttrs(slog.String(RequestKey, id))
	}
	h.Handle(context.Background(), r)
}

// RequestKey is the attribute of a record that names its request's id.
const RequestKey = "request_id"

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
	if c.holding && limit == "per call" {
		// Said when the call ends well; a failure's record says it.
		c.overBudget = true
		return
	}
	c.notice(limit)
}

// notice says in the log that lines were dropped for limit, at most
// once a second per plugin.
func (c *Call) notice(limit string) {
	p := c.p
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
		attrs = append(attrs, RequestKey, id)
	}
	p.log.Warn("host: guest log over its limit; dropping lines (see wasmweb_guest_log_dropped_bytes_total)", attrs...)
}
