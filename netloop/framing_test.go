package netloop_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/wasmweb/wasmweb/netloop"
)

// smuggled is the request hidden in the body of each framing case: a
// server that frames the outer request the way a lenient front end would
// not answers it.
const smuggled = "GET /echo?SMUGGLED HTTP/1.1\r\nHost: x\r\n\r\n"

// framingCase is a request whose body framing is ambiguous or malformed.
// The server must answer it with status and close the connection, and
// neither it nor any request inside it may reach the handler.
type framingCase struct {
	name   string
	head   string // the request line and header fields, without the empty line
	body   string // sent after the head; smuggled is appended to it
	status int
	inBody bool // the fault is in the body: the head alone is not answered
}

// chunkedWith is a chunked body that ends before smuggled, after one
// chunk of data.
const chunkedWith = "3\r\nabc\r\n0\r\n\r\n"

var framingCases = []framingCase{
	// RFC 9112 §6.1: a message with both is a smuggling attempt; a
	// server that lets either win disagrees with a proxy that let the
	// other win.
	{"CL and TE", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked", "0\r\n\r\n", 400, false},
	{"TE and CL", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4", "0\r\n\r\n", 400, false},
	{"CL 0 and TE", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nTransfer-Encoding: chunked", chunkedWith, 400, false},
	{"CL and unknown TE", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: xchunked", "abcd", 400, false},
	{"CL and TE in one request of a pipeline", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + fmt.Sprint(len("0\r\n\r\n"+smuggled)) + "\r\nTransfer-Encoding: chunked", "0\r\n\r\n", 400, false},
	// Transfer-Encoding that some parsers read as chunked and others not.
	{"TE twice", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked", chunkedWith, 400, false},
	{"TE gzip then chunked on two lines", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked", chunkedWith, 400, false},
	{"TE list", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked", chunkedWith, 400, false},
	{"TE on HTTP/1.0", "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked", chunkedWith, 400, false},
	{"TE unknown coding", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip", "", 501, false},
	{"TE with space before the colon", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked", chunkedWith, 400, false},
	{"TE folded", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n chunked", chunkedWith, 400, false},
	{"TE with a vertical tab", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \x0bchunked", chunkedWith, 400, false},
	// Content-Length values that parsers read differently.
	{"CL twice, different", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 4", "abcd", 400, false},
	{"CL list", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4, 4", "abcd", 400, false},
	{"CL with a sign", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: +4", "abcd", 400, false},
	{"CL hexadecimal", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 0x4", "abcd", 400, false},
	{"CL past int64", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 18446744073709551620", "abcd", 400, false},
	{"CL with space before the colon", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length : 4", "abcd", 400, false},
	// Line endings that end a head, or a chunk, early for some parsers.
	{"bare LF in the head", "POST /echo HTTP/1.1\r\nHost: x\nContent-Length: 4", "abcd", 400, false},
	{"bare CR in the head", "POST /echo HTTP/1.1\r\nHost: x\rContent-Length: 4", "abcd", 400, false},
	// Chunk framing that parsers read differently.
	{"chunk size over 16 digits", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked", "00000000000000003\r\nabc\r\n0\r\n\r\n", 400, true},
	{"chunk size with a sign", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked", "+3\r\nabc\r\n0\r\n\r\n", 400, true},
	{"chunk size 0x prefix", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked", "0x3\r\nabc\r\n0\r\n\r\n", 400, true},
	{"chunk line with bare LF", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked", "3\nabc\r\n0\r\n\r\n", 400, true},
	{"chunk data longer than its size", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked", "3\r\nabcd\r\n0\r\n\r\n", 400, true},
	{"chunk data without CRLF", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked", "3\r\nabc0\r\n\r\n", 400, true},
	{"last chunk with bare LF trailer end", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked", "0\r\n\n", 400, true},
}

// TestFramingRejected sends each ambiguous or malformed framing with a
// request smuggled behind it, whole and as head then body, on each
// transport: the answer is the one error status, the server closes the
// connection (read to EOF), and the handler sees nothing.
func TestFramingRejected(t *testing.T) {
	forEachTransport(t, netloop.Config{}, func(t *testing.T, f *fixture) {
		for _, tc := range framingCases {
			t.Run(tc.name, func(t *testing.T) {
				head := tc.head + "\r\n\r\n"
				t.Run("whole", func(t *testing.T) {
					c := f.dial(t)
					if _, err := io.WriteString(c, head+tc.body+smuggled); err != nil {
						t.Fatal(err)
					}
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					out, err := io.ReadAll(c)
					checkRejected(t, tc, out, err)
				})
				t.Run("head then body", func(t *testing.T) {
					c := f.dial(t)
					if _, err := io.WriteString(c, head); err != nil {
						t.Fatal(err)
					}
					c.SetReadDeadline(time.Now().Add(5 * time.Second))
					br := bufio.NewReader(c)
					var first []byte
					if !tc.inBody {
						// The server answers on the head alone, before
						// any body byte exists.
						line, err := br.ReadBytes('\n')
						if err != nil {
							t.Fatalf("no answer within 5 s to the head alone: %v (read %q)", err, line)
						}
						first = line
					}
					io.WriteString(c, tc.body+smuggled) // may fail: the server can close first
					rest, err := io.ReadAll(br)
					checkRejected(t, tc, append(first, rest...), err)
				})
			})
		}
	})
}

// checkRejected fails t unless out, what the server sent until readErr
// ended the read, is one response with tc's status and Connection: close,
// holds no answer from the handler, and ended with the server closing
// the connection (readErr nil: EOF) rather than the read deadline.
func checkRejected(t *testing.T, tc framingCase, out []byte, readErr error) {
	t.Helper()
	if bytes.Contains(out, []byte("SMUGGLED")) || bytes.Contains(out, []byte("POST /echo")) {
		t.Fatalf("a request reached the handler: %q", out)
	}
	want := fmt.Sprintf("HTTP/1.1 %d ", tc.status)
	if !bytes.HasPrefix(out, []byte(want)) {
		t.Fatalf("got %q (read: %v), want a %d", out, readErr, tc.status)
	}
	if n := bytes.Count(out, []byte("HTTP/1.1 ")); n != 1 {
		t.Errorf("%d responses, want 1: %q", n, out)
	}
	head, _, _ := strings.Cut(string(out), "\r\n\r\n")
	if !strings.Contains(head+"\r\n", "\r\nConnection: close\r\n") {
		t.Errorf("the %d does not say Connection: close: %q", tc.status, head)
	}
	if readErr != nil {
		t.Errorf("the server did not close the connection within 5 s of the %d: %v", tc.status, readErr)
	}
}

// TestFramingAccepted is the other side of TestFramingRejected: the
// framings a strict server must still accept are read to their exact
// end, so that the request after each is answered, and answered once.
func TestFramingAccepted(t *testing.T) {
	cases := []struct {
		name, req, body string
	}{
		{"CL", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd", "abcd"},
		{"CL leading zeros", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 004\r\n\r\nabcd", "abcd"},
		{"CL twice, the same", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 4\r\n\r\nabcd", "abcd"},
		{"chunked", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunkedWith, "abc"},
		{"chunked, any case", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ChUnKeD\r\n\r\n" + chunkedWith, "abc"},
		{"chunk data holding a request", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
			fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(smuggled), smuggled), smuggled},
		{"chunk extension and trailer", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;a=\"b\"\r\nabc\r\n0\r\nContent-Length: 99\r\n\r\n", "abc"},
		{"no framing: empty body", "POST /echo HTTP/1.1\r\nHost: x\r\n\r\n", ""},
	}
	next := "GET /echo?next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
	forEachTransport(t, netloop.Config{}, func(t *testing.T, f *fixture) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				c := f.dial(t)
				if _, err := io.WriteString(c, tc.req+next); err != nil {
					t.Fatal(err)
				}
				out := expectEOF(t, c, 5*time.Second)
				want := []string{"POST /echo\n" + tc.body, "GET /echo?next\n"}
				got := bodies(t, out)
				if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
					t.Fatalf("answers %q, want %q; output %q", got, want, out)
				}
			})
		}
	})
}

// bodies parses the responses in out and returns their bodies, failing
// t on any response but a 200.
func bodies(t *testing.T, out []byte) []string {
	t.Helper()
	var got []string
	br := bufio.NewReader(bytes.NewReader(out))
	for {
		if _, err := br.Peek(1); err != nil {
			return got
		}
		resp, body := readResponse(t, br, "POST")
		if resp.StatusCode != 200 {
			t.Fatalf("status %d; output %q", resp.StatusCode, out)
		}
		got = append(got, body)
	}
}
