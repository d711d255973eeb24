package abikit

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Sizes the cases rely on; wasmweb.conformance.toml and abi/ABI.md fix
// them.
const (
	// MaxResponseBytes is the "abi" site's max_response_bytes.
	MaxResponseBytes = 2 << 20
	// OutputBuffer is the host's per-connection output buffer (ABI.md
	// §7.3): a body past it is streamed.
	OutputBuffer = 256 << 10
	// DebugHost is the host name of the "abi-debug" site.
	DebugHost = "debug.abi.test"
)

// Run runs every case against the server at base, such as
// "http://127.0.0.1:8080", which serves wasmweb.conformance.toml. client
// sends the requests that need no raw bytes; Run does not let it follow
// redirects. Cases run one after another, each as a subtest named after
// what it checks.
func Run(t *testing.T, base string, client *http.Client) {
	k := newKit(t, base, client)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, k) })
	}
}

// A kase is one named check; run fails t when the server breaks the
// behaviour the name says.
type kase struct {
	name string
	run  func(t *testing.T, k *kit)
}

// kit is a server under test.
type kit struct {
	base   *url.URL
	client *http.Client
}

func newKit(t *testing.T, base string, client *http.Client) *kit {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		t.Fatalf("abikit: base URL %q: want http://host:port (%v)", base, err)
	}
	if client == nil {
		client = http.DefaultClient
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &kit{base: u, client: &c}
}

// reply is a response as the client saw it. bodyErr is set when the body
// could not be read to its end (a connection closed mid-body).
type reply struct {
	status  int
	header  http.Header
	body    []byte
	bodyErr error
	raw     []byte // the bytes on the wire, for raw requests
}

// request is what a case sends through the client.
type request struct {
	method, target, host string
	header               http.Header
	body                 []byte
}

// do sends r with the client.
func (k *kit) do(t *testing.T, r request) *reply {
	t.Helper()
	if r.method == "" {
		r.method = "GET"
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequest(r.method, k.base.String()+r.target, body)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.target, err)
	}
	for name, vs := range r.header {
		req.Header[name] = vs
	}
	if r.host != "" {
		req.Host = r.host
	}
	resp, err := k.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return &reply{status: resp.StatusCode, header: resp.Header, body: b, bodyErr: err}
}

// get is do for a GET of target.
func (k *kit) get(t *testing.T, target string) *reply {
	t.Helper()
	return k.do(t, request{target: target})
}

// raw writes wire, a whole request that asks for Connection: close, on a
// new connection, reads until the server closes, and parses the
// response.
func (k *kit) raw(t *testing.T, wire string) *reply {
	t.Helper()
	conn, err := net.DialTimeout("tcp", k.base.Host, 10*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", k.base.Host, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, wire); err != nil {
		t.Fatalf("write: %v", err)
	}
	out, err := io.ReadAll(conn)
	if err != nil {
		t.Fatalf("read (%d bytes so far): %v", len(out), err)
	}
	method, _, _ := strings.Cut(wire, " ")
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), &http.Request{Method: method})
	if err != nil {
		t.Fatalf("response to %.60q: %v; output %.300q", wire, err, out)
	}
	b, err := io.ReadAll(resp.Body)
	return &reply{status: resp.StatusCode, header: resp.Header, body: b, bodyErr: err, raw: out}
}

// head returns the head of a raw response, up to its blank line, and
// what follows.
func (r *reply) head() (head, rest string) {
	h, rest, _ := strings.Cut(string(r.raw), "\r\n\r\n")
	return h, rest
}

func (r *reply) String() string {
	body := r.body
	if len(body) > 300 {
		body = body[:300]
	}
	return fmt.Sprintf("%d %v %q", r.status, r.header, body)
}

// want fails t unless r has status.
func (r *reply) want(t *testing.T, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; response %s", r.status, status, r)
	}
	if r.bodyErr != nil {
		t.Fatalf("body: %v", r.bodyErr)
	}
}

// wantHeader fails t unless r's header name has exactly values (none
// when values is empty).
func (r *reply) wantHeader(t *testing.T, name string, values ...string) {
	t.Helper()
	got := r.header.Values(name)
	if len(got) == 0 && len(values) == 0 {
		return
	}
	if !reflect.DeepEqual(got, values) {
		t.Errorf("header %s = %q, want %q", name, got, values)
	}
}

// decode decodes r's JSON body into v.
func (r *reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body is not the JSON wanted: %v; body %.300q", err, r.body)
	}
}

// Pattern returns the body the guest's write and stream handlers make of
// n bytes.
func Pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// equalJSON fails t unless got and want are deeply equal, printing both
// as JSON.
func equalJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Errorf("%s:\n got  %.2000s\n want %.2000s", what, g, w)
	}
}

// errNoTruncation is reported when a response that had to fail after its
// head was sent arrived complete.
var errNoTruncation = errors.New("the response arrived complete and well-framed")

// q URL-encodes a query from name/value pairs, keeping their order.
func q(pairs ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(pairs); i += 2 {
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(pairs[i]) + "=" + url.QueryEscape(pairs[i+1]))
	}
	return b.String()
}
