package http1

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// Sentinel is appended to the input of every case that keeps the
// connection open. Its response proves that the server framed the case's
// requests exactly as expected and is still in sync afterwards.
const Sentinel = "GET /echo?sentinel HTTP/1.1\r\nHost: sentinel.test\r\nConnection: close\r\n\r\n"

// SentinelBody is the body of the expected response to Sentinel.
const SentinelBody = "GET /echo?sentinel\n"

// Probe is appended to the input of every case that must end with the
// server closing the connection. The server must never answer it; any
// output containing the word SMUGGLED means it acted on bytes that follow
// a rejected or final request.
const Probe = "GET /echo?SMUGGLED HTTP/1.1\r\nHost: probe.test\r\n\r\n"

// smuggledMarker is the word that must never appear in the output of a
// case that closes.
const smuggledMarker = "SMUGGLED"

// Target is a server under test. Exchange opens a fresh connection, writes
// each chunk in order as a separate write (or delivers each as a separate
// read on an in-memory transport), and reads until the server closes the
// connection or a timeout expires. It returns every byte the server wrote
// and whether the server closed the connection. A write that fails because
// the server has already closed is not an error: Exchange stops writing
// and returns what it read. Err is reserved for failures of the harness
// itself, such as being unable to connect.
//
// Run calls Exchange from parallel subtests, so a Target must be safe for
// concurrent use.
type Target interface {
	Exchange(chunks [][]byte) (out []byte, closed bool, err error)
}

// Mode selects how the input of a case is cut into writes.
type Mode int

const (
	// Whole sends the whole input in one write.
	Whole Mode = iota
	// EveryOffset sends the input as two writes, once for every split
	// offset k in 1..len-1. For inputs longer than SampleAbove bytes only
	// the first and last 64 offsets and every 97th offset are tried.
	EveryOffset
	// BytePerWrite sends the input one byte per write.
	BytePerWrite
)

// SampleAbove is the input length above which EveryOffset samples split
// offsets instead of trying all of them, to keep run time reasonable.
const SampleAbove = 2048

// String returns the name of the mode.
func (m Mode) String() string {
	switch m {
	case Whole:
		return "whole"
	case EveryOffset:
		return "every-offset"
	case BytePerWrite:
		return "byte-per-write"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Wire returns the bytes sent for a case: its Input followed by Sentinel,
// or by Probe when the case closes.
func Wire(c Case) []byte {
	if c.Close {
		return []byte(c.Input + Probe)
	}
	return []byte(c.Input + Sentinel)
}

// split is one way of cutting a wire image into writes.
type split struct {
	offset int // split offset for EveryOffset, -1 otherwise
	chunks [][]byte
}

// offsets returns the split offsets tried by EveryOffset for an input of
// n bytes, in increasing order.
func offsets(n int) []int {
	var ks []int
	if n <= SampleAbove {
		for k := 1; k < n; k++ {
			ks = append(ks, k)
		}
		return ks
	}
	for k := 1; k < n; k++ {
		if k <= 64 || k >= n-64 || k%97 == 0 {
			ks = append(ks, k)
		}
	}
	return ks
}

// splits returns the writes for the given mode.
func splits(wire []byte, mode Mode) []split {
	switch mode {
	case EveryOffset:
		var s []split
		for _, k := range offsets(len(wire)) {
			s = append(s, split{offset: k, chunks: [][]byte{wire[:k:k], wire[k:]}})
		}
		return s
	case BytePerWrite:
		chunks := make([][]byte, len(wire))
		for i := range wire {
			chunks[i] = wire[i : i+1 : i+1]
		}
		return []split{{offset: -1, chunks: chunks}}
	default:
		return []split{{offset: -1, chunks: [][]byte{wire}}}
	}
}

// Run runs every case of Cases against target in the given mode, one
// subtest per case.
func Run(t *testing.T, target Target, mode Mode) {
	t.Helper()
	RunCases(t, target, mode, Cases())
}

// maxFailuresPerCase bounds how many failing splits of one case are
// reported before the rest are skipped.
const maxFailuresPerCase = 3

// RunCases runs the given cases against target in the given mode, one
// parallel subtest per case.
func RunCases(t *testing.T, target Target, mode Mode, cases []Case) {
	t.Helper()
	if err := ValidateCases(cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			wire := Wire(c)
			failures := 0
			for _, s := range splits(wire, mode) {
				out, closed, err := target.Exchange(s.chunks)
				if err == nil {
					err = Check(c, out, closed)
				}
				if err == nil {
					continue
				}
				t.Error(Report(c, mode, s.offset, out, err))
				failures++
				if failures == maxFailuresPerCase {
					t.Errorf("case %s, mode %s: further split offsets skipped after %d failures", c.Name, mode, failures)
					return
				}
			}
		})
	}
}

// Report formats a failure of case c in the given mode. Offset is the
// split offset for EveryOffset and negative otherwise.
func Report(c Case, mode Mode, offset int, out []byte, err error) string {
	where := mode.String()
	if offset >= 0 {
		where += fmt.Sprintf(", split at offset %d", offset)
	}
	return fmt.Sprintf("case %s (%s), mode %s: %v\ninput:  %s\noutput: %s",
		c.Name, c.Source, where, err, quote([]byte(c.Input), 300), quote(out, 2000))
}

// quote renders b with %q, truncated to about limit bytes.
func quote(b []byte, limit int) string {
	if len(b) <= limit {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%q... (%d bytes in all)", b[:limit], len(b))
}

// Check reports whether out and closed are a correct outcome for case c,
// given that Wire(c) was sent. It returns nil on success and otherwise an
// error describing the first discrepancy.
//
// The output must consist of exactly the responses in c.Want (each
// optionally preceded by a 100 Continue when c.Optional100 is set), then,
// when the case does not close, the response to Sentinel, and nothing
// else; the server must have closed the connection. For a case that
// closes, the last response must carry "Connection: close" if its status
// is 400 or more, and no output may contain the word SMUGGLED.
func Check(c Case, out []byte, closed bool) error {
	if c.Close && bytes.Contains(out, []byte(smuggledMarker)) {
		return errors.New("output contains SMUGGLED: the server acted on bytes after the point where it had to stop")
	}
	want := c.Want
	if !c.Close {
		want = append(want[:len(want):len(want)], Resp{Status: 200, Body: SentinelBody})
	}
	rd := bytes.NewReader(out)
	br := bufio.NewReader(rd)
	pos := func() int { return len(out) - rd.Len() - br.Buffered() }
	for i, w := range want {
		label := fmt.Sprintf("response %d of %d", i+1, len(want))
		if !c.Close && i == len(want)-1 {
			label = "sentinel response"
		}
		start := pos()
		resp, body, err := readResponse(br, w.NoBody)
		if err == nil && resp.StatusCode == http.StatusContinue {
			if !c.Optional100 {
				return fmt.Errorf("%s: unexpected interim 100 Continue", label)
			}
			start = pos()
			resp, body, err = readResponse(br, w.NoBody)
		}
		if err != nil {
			if start == len(out) {
				return fmt.Errorf("%s (status %d) missing: output ended after %d bytes", label, w.Status, len(out))
			}
			return fmt.Errorf("%s (status %d) unreadable at byte %d: %v", label, w.Status, start, err)
		}
		if resp.StatusCode != w.Status {
			return fmt.Errorf("%s: status %d, want %d", label, resp.StatusCode, w.Status)
		}
		if w.Body != "" && string(body) != w.Body {
			return fmt.Errorf("%s: body %s, want %q", label, quote(body, 300), w.Body)
		}
		if w.NoBody && len(body) != 0 {
			return fmt.Errorf("%s: response to HEAD has a body", label)
		}
		if c.Close && i == len(want)-1 && w.Status >= 400 && !headerHasToken(out[start:pos()], "Connection", "close") {
			return fmt.Errorf("%s: status %d without a Connection: close header", label, w.Status)
		}
	}
	if rest := len(out) - pos(); rest > 0 {
		return fmt.Errorf("unexpected %d bytes of output after the last expected response: %s", rest, quote(out[pos():], 300))
	}
	if !closed {
		return errors.New("the server did not close the connection after the last expected response")
	}
	return nil
}

// readResponse reads one response and its body. A response to HEAD is
// read without a body.
func readResponse(br *bufio.Reader, head bool) (*http.Response, []byte, error) {
	method := http.MethodGet
	if head {
		method = http.MethodHead
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("reading body: %w", err)
	}
	return resp, body, nil
}

// headerHasToken reports whether the header section of the raw response
// has a field called name whose comma-separated value list contains token,
// compared case-insensitively. It reads the raw bytes because
// http.ReadResponse removes "Connection: close" from the parsed header.
func headerHasToken(raw []byte, name, token string) bool {
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	lines := strings.Split(string(head), "\r\n")
	for _, line := range lines[1:] {
		k, v, ok := strings.Cut(line, ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), name) {
			continue
		}
		for _, tok := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(tok), token) {
				return true
			}
		}
	}
	return false
}

// namePattern is the form every case name must have, so that it is also
// a readable t.Run name.
var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*$`)

// ValidateCases checks a case table for mistakes: names must be unique
// and match a lowercase, hyphenated form; every case needs a Source and at
// least one expected response; an error status other than 404 must be the
// last response of a case that closes; no expected body may contain the
// probe's marker word.
func ValidateCases(cases []Case) error {
	seen := make(map[string]bool, len(cases))
	var problems []string
	for _, c := range cases {
		if !namePattern.MatchString(c.Name) {
			problems = append(problems, fmt.Sprintf("case name %q is not of the form %s", c.Name, namePattern))
		}
		if seen[c.Name] {
			problems = append(problems, fmt.Sprintf("duplicate case name %q", c.Name))
		}
		seen[c.Name] = true
		if c.Source == "" {
			problems = append(problems, fmt.Sprintf("case %s has no source", c.Name))
		}
		if len(c.Want) == 0 {
			problems = append(problems, fmt.Sprintf("case %s expects no response", c.Name))
		}
		for i, w := range c.Want {
			if w.Status < 200 || w.Status > 599 {
				problems = append(problems, fmt.Sprintf("case %s: response %d has status %d, want a final status", c.Name, i+1, w.Status))
			}
			if w.Status >= 400 && w.Status != http.StatusNotFound && (!c.Close || i != len(c.Want)-1) {
				problems = append(problems, fmt.Sprintf("case %s: error status %d must be the last response of a case that closes", c.Name, w.Status))
			}
			if strings.Contains(w.Body, smuggledMarker) {
				problems = append(problems, fmt.Sprintf("case %s: expected body contains %s", c.Name, smuggledMarker))
			}
		}
	}
	if len(problems) > 0 {
		return errors.New("invalid case table:\n" + strings.Join(problems, "\n"))
	}
	return nil
}
