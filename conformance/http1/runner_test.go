package http1

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// writeResp renders one well-formed response for w. Close adds a
// Connection: close header.
func writeResp(b *bytes.Buffer, w Resp, close bool) {
	body := w.Body
	if body == "" && !w.NoBody {
		body = http.StatusText(w.Status)
	}
	fmt.Fprintf(b, "HTTP/1.1 %d %s\r\n", w.Status, http.StatusText(w.Status))
	if w.NoBody {
		fmt.Fprintf(b, "Content-Length: %d\r\n", len(helloBody))
	} else {
		fmt.Fprintf(b, "Content-Length: %d\r\n", len(body))
	}
	if close {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	if !w.NoBody {
		b.WriteString(body)
	}
}

// ideal returns the output a perfect server would write for c. When the
// case allows it, the first response is preceded by a 100 Continue so that
// the skipping logic is exercised too.
func ideal(c Case) []byte {
	var b bytes.Buffer
	if c.Optional100 {
		b.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
	}
	for i, w := range c.Want {
		writeResp(&b, w, c.Close && i == len(c.Want)-1)
	}
	if !c.Close {
		writeResp(&b, Resp{Status: 200, Body: SentinelBody}, true)
	}
	return b.Bytes()
}

// idealTarget answers every wire image of a known case with its ideal
// output, whatever way it was split.
type idealTarget struct {
	byWire map[string][]byte
	mu     sync.Mutex
	calls  map[string]int
}

func newIdealTarget(cases []Case) *idealTarget {
	t := &idealTarget{byWire: map[string][]byte{}, calls: map[string]int{}}
	for _, c := range cases {
		t.byWire[string(Wire(c))] = ideal(c)
	}
	return t
}

func (t *idealTarget) Exchange(chunks [][]byte) ([]byte, bool, error) {
	wire := string(bytes.Join(chunks, nil))
	out, ok := t.byWire[wire]
	if !ok {
		return nil, false, fmt.Errorf("unknown input %q", quote([]byte(wire), 100))
	}
	t.mu.Lock()
	t.calls[wire]++
	t.mu.Unlock()
	return out, true, nil
}

func TestCaseTable(t *testing.T) {
	cases := Cases()
	if err := ValidateCases(cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 170 {
		t.Errorf("got %d cases, want at least 170", len(cases))
	}
	names := map[string]bool{}
	for _, c := range cases {
		if names[c.Name] {
			t.Errorf("duplicate case name %q", c.Name)
		}
		names[c.Name] = true
		if c.Optional100 && !strings.Contains(strings.ToLower(c.Input), "expect: 100-continue") {
			t.Errorf("case %s allows 100 Continue but sends no Expect", c.Name)
		}
	}
	t.Logf("%d cases", len(cases))
}

func TestValidateCasesRejectsMistakes(t *testing.T) {
	good := Case{Name: "a", Source: "s", Input: "x", Want: []Resp{{Status: 200}}}
	for _, tc := range []struct {
		name  string
		cases []Case
	}{
		{"duplicate", []Case{good, good}},
		{"bad-name", []Case{{Name: "A B", Source: "s", Want: good.Want}}},
		{"no-source", []Case{{Name: "a", Want: good.Want}}},
		{"no-want", []Case{{Name: "a", Source: "s"}}},
		{"error-without-close", []Case{{Name: "a", Source: "s", Want: []Resp{{Status: 400}}}}},
		{"error-not-last", []Case{{Name: "a", Source: "s", Close: true, Want: []Resp{{Status: 400}, {Status: 200}}}}},
		{"marker-in-body", []Case{{Name: "a", Source: "s", Want: []Resp{{Status: 200, Body: "SMUGGLED"}}}}},
	} {
		if err := ValidateCases(tc.cases); err == nil {
			t.Errorf("%s: ValidateCases accepted an invalid table", tc.name)
		}
	}
}

// TestRunWithIdealTarget runs the real table in every mode against a fake
// server that returns the ideal output, so every case must pass.
func TestRunWithIdealTarget(t *testing.T) {
	cases := Cases()
	target := newIdealTarget(cases)
	for _, mode := range []Mode{Whole, EveryOffset, BytePerWrite} {
		t.Run(mode.String(), func(t *testing.T) { RunCases(t, target, mode, cases) })
	}
	for _, c := range cases {
		if target.calls[string(Wire(c))] == 0 {
			t.Errorf("case %s was never exchanged", c.Name)
		}
	}
}

func TestSplits(t *testing.T) {
	wire := []byte("abcdef")
	if s := splits(wire, Whole); len(s) != 1 || len(s[0].chunks) != 1 || !bytes.Equal(s[0].chunks[0], wire) {
		t.Errorf("Whole: got %v", s)
	}
	if s := splits(wire, BytePerWrite); len(s) != 1 || len(s[0].chunks) != len(wire) {
		t.Errorf("BytePerWrite: got %v", s)
	}
	s := splits(wire, EveryOffset)
	if len(s) != len(wire)-1 {
		t.Fatalf("EveryOffset: got %d splits, want %d", len(s), len(wire)-1)
	}
	for i, sp := range s {
		if sp.offset != i+1 || len(sp.chunks) != 2 || len(sp.chunks[0]) != i+1 || !bytes.Equal(bytes.Join(sp.chunks, nil), wire) {
			t.Errorf("EveryOffset split %d: offset %d chunks %q", i, sp.offset, sp.chunks)
		}
	}
	// Appending to a first chunk must not overwrite the second.
	first := append(s[0].chunks[0], 'X')
	if s[0].chunks[1][0] != 'b' || string(first) != "aX" {
		t.Errorf("chunks share capacity")
	}

	n := 10000
	ks := offsets(n)
	want := map[int]bool{1: true, 64: true, 97: true, 194: true, n - 64: true, n - 1: true}
	got := map[int]bool{}
	prev := 0
	for _, k := range ks {
		if k <= prev || k < 1 || k >= n {
			t.Fatalf("offsets(%d): bad or unordered offset %d after %d", n, k, prev)
		}
		prev = k
		got[k] = true
	}
	for k := range want {
		if !got[k] {
			t.Errorf("offsets(%d) lacks %d", n, k)
		}
	}
	if got[65] || got[n-65] || len(ks) > 64+64+n/97+1 {
		t.Errorf("offsets(%d) not sampled: %d offsets", n, len(ks))
	}
}

// twoGets is a non-closing case with two pipelined requests.
var twoGets = Case{
	Name: "two-gets", Source: "test",
	Input: get("/echo?1") + get("/echo?2"),
	Want:  []Resp{echo("GET", "/echo?1", ""), echo("GET", "/echo?2", "")},
}

// rejected is a closing case with one error response.
var rejected = Case{
	Name: "rejected", Source: "test",
	Input: raw("GET /echo HTTP/1.1", "Host : t.test\r\n", ""),
	Want:  []Resp{{Status: 400}}, Close: true,
}

func resps(close bool, rs ...Resp) []byte {
	var b bytes.Buffer
	for i, r := range rs {
		writeResp(&b, r, close && i == len(rs)-1)
	}
	return b.Bytes()
}

func TestCheckDetectsFailures(t *testing.T) {
	sentinel := Resp{Status: 200, Body: SentinelBody}
	r1, r2 := twoGets.Want[0], twoGets.Want[1]
	cont := []byte("HTTP/1.1 100 Continue\r\n\r\n")
	withExpect := twoGets
	withExpect.Optional100 = true
	head := Case{Name: "head", Source: "test", Input: req("HEAD", "/", "", ""), Want: []Resp{headResp(200)}}
	headWithBody := append([]byte("HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nHello, world"), resps(true, sentinel)...)

	for _, tc := range []struct {
		name    string
		c       Case
		out     []byte
		closed  bool
		wantErr string // empty: must pass
	}{
		{"ok", twoGets, resps(true, r1, r2, sentinel), true, ""},
		{"ok-rejected", rejected, resps(true, status(400)), true, ""},
		{"ok-100-allowed", withExpect, append(append([]byte{}, cont...), resps(true, r1, r2, sentinel)...), true, ""},
		{"ok-head", head, resps(true, headResp(200), sentinel), true, ""},
		{"missing-response", twoGets, resps(true, r1, sentinel), true, "body"},
		{"missing-sentinel", twoGets, resps(true, r1, r2), true, "missing"},
		{"empty-output", rejected, nil, true, "missing"},
		{"extra-response", twoGets, resps(true, r1, r2, sentinel, r2), true, "unexpected"},
		{"extra-after-reject", rejected, append(resps(true, status(400)), resps(false, status(200))...), true, "unexpected"},
		{"not-closed", twoGets, resps(true, r1, r2, sentinel), false, "did not close"},
		{"not-closed-after-reject", rejected, resps(true, status(400)), false, "did not close"},
		{"smuggled-echo", rejected, append(resps(true, status(400)), resps(false, Resp{Status: 200, Body: "GET /echo?SMUGGLED\n"})...), true, "SMUGGLED"},
		{"smuggled-in-error-body", rejected, resps(true, Resp{Status: 400, Body: "SMUGGLED"}), true, "SMUGGLED"},
		{"no-connection-close", rejected, resps(false, status(400)), true, "Connection: close"},
		{"wrong-status", rejected, resps(true, status(501)), true, "status 501"},
		{"wrong-body", twoGets, resps(true, r2, r1, sentinel), true, "body"},
		{"unexpected-100", twoGets, append(append([]byte{}, cont...), resps(true, r1, r2, sentinel)...), true, "100 Continue"},
		{"head-with-body", head, headWithBody, true, "unreadable"},
		{"garbage", twoGets, []byte("garbage\r\n\r\n"), true, "unreadable"},
	} {
		err := Check(tc.c, tc.out, tc.closed)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("%s: unexpected error: %v", tc.name, err)
		case tc.wantErr != "" && err == nil:
			t.Errorf("%s: Check accepted a wrong outcome", tc.name)
		case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.wantErr)
		}
	}
}

func TestReport(t *testing.T) {
	c := rejected
	c.Input = strings.Repeat("x", 1000)
	msg := Report(c, EveryOffset, 17, []byte("out"), fmt.Errorf("boom"))
	for _, want := range []string{"rejected", "every-offset", "offset 17", "boom", "1000 bytes in all", `"out"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("report lacks %q:\n%s", want, msg)
		}
	}
}

func TestHeaderHasToken(t *testing.T) {
	raw := []byte("HTTP/1.1 400 Bad Request\r\nX: close\r\nconnection: keep-alive , Close\r\n\r\nbody Connection: close")
	if !headerHasToken(raw, "Connection", "close") {
		t.Error("token not found")
	}
	if headerHasToken([]byte("HTTP/1.1 400 Bad Request\r\nX-Connection: close\r\n\r\n"), "Connection", "close") {
		t.Error("found token in another field")
	}
}

// TestNetTarget exchanges bytes with a loopback server that echoes back
// a canned response once it has read the whole input.
func TestNetTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback listener: %v", err)
	}
	defer ln.Close()
	wire := Wire(twoGets)
	want := ideal(twoGets)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		buf := make([]byte, len(wire))
		n := 0
		for n < len(buf) {
			m, err := conn.Read(buf[n:])
			if err != nil {
				return
			}
			n += m
		}
		conn.Write(want)
	}()
	target := NetTarget{Addr: ln.Addr().String()}
	out, closed, err := target.Exchange(splits(wire, BytePerWrite)[0].chunks)
	if err != nil {
		t.Fatal(err)
	}
	if !closed || !bytes.Equal(out, want) {
		t.Fatalf("closed=%v out=%q", closed, out)
	}
	if err := Check(twoGets, out, closed); err != nil {
		t.Fatal(err)
	}
}
