package guestlog

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// capture is a slog.Handler that keeps the records' messages and the
// guest lines' texts. Safe for concurrent use.
type capture struct {
	mu    sync.Mutex
	msgs  []string // mu guards msgs and texts
	texts []string // of the guest lines, in order
}

func (c *capture) Enabled(context.Context, slog.Level) bool { return true }
func (c *capture) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, r.Message)
	if r.Message == LogMessage || r.Message == OutputMessage {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == TextKey {
				c.texts = append(c.texts, a.Value.String())
			}
			return true
		})
	}
	return nil
}
func (c *capture) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *capture) WithGroup(string) slog.Handler      { return c }

// lines returns the texts of the guest lines logged.
func (c *capture) lines() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.texts...)
}

type count struct{ n atomic.Int64 }

func (c *count) Add(v float64) { c.n.Add(int64(v)) }

// fixture returns a plugin with a settable clock, a call of it, what it
// logs, and its drop counters.
func fixture(lim Limits) (*Plugin, *Call, *capture, *count, *count, *time.Time) {
	logged := &capture{}
	b, l := &count{}, &count{}
	p := NewPlugin(slog.New(logged), lim, Counters{Bytes: b, Lines: l})
	now := time.Unix(1000, 0)
	p.now = func() time.Time { return now }
	p.filled = now
	return p, p.NewCall(func() string { return "" }), logged, b, l, &now
}

func TestWriteLines(t *testing.T) {
	long := strings.Repeat("x", MaxLine)
	for _, tc := range []struct {
		name   string
		writes []string
		want   []string // after End
	}{
		{"one line", []string{"hello\n"}, []string{"hello"}},
		{"split across writes", []string{"hel", "lo\nwor", "ld\n"}, []string{"hello", "world"}},
		{"empty lines", []string{"\n\n\n"}, []string{"", "", ""}},
		{"unfinished line at End", []string{"a\nb"}, []string{"a", "b"}},
		{"exactly MaxLine then newline", []string{long + "\n"}, []string{long}},
		{"longer line is cut", []string{long + "yz\n"}, []string{long, "yz"}},
		{"cut, then the newline in the next write", []string{long, "\n", "next\n"}, []string{long, "next"}},
		{"cut across writes", []string{long[:100], long[100:] + "+", "\n"}, []string{long, "+"}},
		{"two MaxLine lines without newline", []string{long + long}, []string{long, long}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c, logged, _, _, _ := fixture(Limits{PerCall: 1 << 30, PerSecond: 1 << 30})
			for _, w := range tc.writes {
				if n, err := c.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%d bytes) = %d, %v", len(w), n, err)
				}
			}
			c.End()
			got := logged.lines()
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("logged %d lines %q, want %d %q", len(got), abbrev(got), len(tc.want), abbrev(tc.want))
			}
		})
	}
}

func abbrev(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		if len(l) > 12 {
			l = l[:5] + "..." + l[len(l)-4:]
		}
		out[i] = l
	}
	return out
}

func TestCost(t *testing.T) {
	for _, tc := range []struct {
		text string
		want int64
	}{
		{"", LineOverhead},
		{"hello", LineOverhead + 5},
		{`"\`, LineOverhead + 4},
		{"\x00\n", LineOverhead + 2*escapedCost},
		{"é", LineOverhead + 2},
		{"\xff", LineOverhead + escapedCost},
		{"\u2028", LineOverhead + 3*escapedCost},
	} {
		if got := Cost([]byte(tc.text)); got != tc.want {
			t.Errorf("Cost(%q) = %d, want %d", tc.text, got, tc.want)
		}
	}
}

// TestPerCallBudget spends a call's budget on 4 MiB of newlines in one
// write: the call logs what fits, drops and counts the rest, and later
// writes fail with ErrSpent until Begin.
func TestPerCallBudget(t *testing.T) {
	_, c, logged, dropBytes, dropLines, _ := fixture(Limits{PerCall: 64 << 10, PerSecond: 1 << 30})
	flood := bytes.Repeat([]byte("\n"), 4<<20)
	if n, err := c.Write(flood); n != len(flood) || err != nil {
		t.Fatalf("Write = %d, %v; want all of it taken", n, err)
	}
	lines := len(logged.lines())
	if want := (64 << 10) / LineOverhead; lines != want {
		t.Errorf("logged %d empty lines, want %d (the budget over LineOverhead)", lines, want)
	}
	if want := int64(len(flood) - lines); dropBytes.n.Load() != want || dropLines.n.Load() != 0 {
		t.Errorf("dropped %d bytes and %d lines, want the %d newlines left, unsplit", dropBytes.n.Load(), dropLines.n.Load(), want)
	}
	if _, err := c.Write([]byte("more\n")); !errors.Is(err, ErrSpent) {
		t.Errorf("Write after the budget: %v, want ErrSpent", err)
	}
	c.Log(slog.LevelInfo, []byte("and a log line"))
	if n := len(logged.lines()); n != lines {
		t.Errorf("%d lines logged after the budget was spent", n-lines)
	}
	c.Begin()
	if _, err := c.Write([]byte("next call\n")); err != nil {
		t.Fatalf("Write after Begin: %v", err)
	}
	c.End()
	if got := logged.lines(); got[len(got)-1] != "next call" {
		t.Errorf("after Begin, logged %q, want \"next call\"", got[len(got)-1])
	}
}

// TestRate has calls that each stay within their budget but together
// pass the plugin's rate: past the burst, lines are dropped until the
// bucket refills.
func TestRate(t *testing.T) {
	p, _, logged, _, dropLines, now := fixture(Limits{PerCall: 1 << 20, PerSecond: 10 * (LineOverhead + 2)})
	log := func() {
		c := p.NewCall(func() string { return "r" })
		c.Log(slog.LevelInfo, []byte("hi"))
	}
	for range 15 {
		log()
	}
	if n := len(logged.lines()); n != 10 {
		t.Errorf("15 lines at once logged %d, want the burst of 10", n)
	}
	if d := dropLines.n.Load(); d != 5 {
		t.Errorf("dropped %d lines, want 5", d)
	}
	*now = now.Add(500 * time.Millisecond)
	for range 15 {
		log()
	}
	if n := len(logged.lines()); n != 15 {
		t.Errorf("after half a second, %d lines logged in all, want 15", n)
	}
	*now = now.Add(time.Hour)
	for range 15 {
		log()
	}
	if n := len(logged.lines()); n != 25 {
		t.Errorf("after an hour, %d lines logged in all, want 25 (the bucket holds a second)", n)
	}
}

// TestRateHammer logs from many calls at once on one plugin whose clock
// stands still: whatever the interleaving, what is logged never passes
// the burst, and every line is either logged or counted as dropped.
func TestRateHammer(t *testing.T) {
	const (
		goroutines = 8
		perG       = 2000
		burst      = 100 * (LineOverhead + 4)
	)
	p, _, logged, _, dropLines, _ := fixture(Limits{PerCall: 1 << 30, PerSecond: burst})
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			c := p.NewCall(func() string { return "" })
			for range perG {
				c.Log(slog.LevelInfo, []byte("line"))
			}
		})
	}
	wg.Wait()
	n := len(logged.lines())
	if n != 100 {
		t.Errorf("logged %d lines, want exactly the burst of 100", n)
	}
	if int64(n)+dropLines.n.Load() != goroutines*perG {
		t.Errorf("%d logged + %d dropped, want %d", n, dropLines.n.Load(), goroutines*perG)
	}
}

// TestDropNoticeOncePerSecond checks that drops are reported, not once
// per drop.
func TestDropNoticeOncePerSecond(t *testing.T) {
	p, c, logged, _, _, now := fixture(Limits{PerCall: LineOverhead, PerSecond: 1 << 20})
	notices := func() int {
		logged.mu.Lock()
		defer logged.mu.Unlock()
		n := 0
		for _, m := range logged.msgs {
			if strings.HasPrefix(m, "host: guest log over its limit") {
				n++
			}
		}
		return n
	}
	for range 1000 {
		c.Log(slog.LevelInfo, []byte("x"))
	}
	if n := notices(); n != 1 {
		t.Errorf("%d notices for 1000 drops within a second, want 1", n)
	}
	*now = now.Add(time.Second)
	c2 := p.NewCall(func() string { return "" })
	c2.Log(slog.LevelInfo, []byte("xx"))
	if n := notices(); n != 2 {
		t.Errorf("%d notices after a second more, want 2", n)
	}
}

// TestHeldLines checks that a call's output and error lines are held
// between Begin and End, then logged in order, while its other log
// lines are logged at once; and that Fail returns the held lines
// instead, with the last error line apart and kept even past the
// budget.
func TestHeldLines(t *testing.T) {
	p, _, logged, _, _, _ := fixture(Limits{PerCall: 4 << 10, PerSecond: 1 << 30})
	c := p.NewCall(func() string { return "r1" })
	c.Begin()
	c.Write([]byte("one\ntw"))
	c.Log(slog.LevelInfo, []byte("two"))
	c.Log(slog.LevelError, []byte("three"))
	if got := logged.lines(); strings.Join(got, "|") != "two" {
		t.Fatalf("logged %q during the call, want the info line alone", got)
	}
	c.End()
	if got := logged.lines(); strings.Join(got, "|") != "two|one|three|tw" {
		t.Errorf("logged %q, want two, then one, three, tw", got)
	}

	c.Begin()
	c.Write([]byte("before\n"))
	c.Log(slog.LevelError, []byte("boom\nstack line"))
	c.Write([]byte("after"))
	f := c.Fail()
	if f.LastError != "boom\nstack line" || strings.Join(f.Lines, "|") != "before|after" || f.Dropped != 0 {
		t.Errorf("Fail = %+v", f)
	}
	c.End()
	if n := len(logged.lines()); n != 4 {
		t.Errorf("%d lines logged after Fail, want none more than the 4 before", n-4)
	}

	// Past the budget: lines are dropped and counted, the error line is
	// kept apart.
	c.Begin()
	c.Write(bytes.Repeat([]byte("x\n"), 10<<10))
	c.Log(slog.LevelError, []byte("the end"))
	f = c.Fail()
	if f.LastError != "the end" || f.Dropped == 0 || len(f.Lines) == 0 || len(f.Lines) > (4<<10)/LineOverhead {
		t.Errorf("Fail after a flood: error %q, dropped %d, %d lines", f.LastError, f.Dropped, len(f.Lines))
	}
	for _, m := range logged.msgs {
		if strings.Contains(m, "over its limit") {
			t.Errorf("a failed call's drops were noticed apart from its record: %q", m)
		}
	}
	// A call that ends well says so.
	c.Begin()
	c.Write(bytes.Repeat([]byte("x\n"), 10<<10))
	c.End()
	noticed := false
	for _, m := range logged.msgs {
		noticed = noticed || strings.Contains(m, "over its limit")
	}
	if !noticed {
		t.Error("no notice of the drops of a call that ended well")
	}
}
