package netloop_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/wasmweb/wasmweb/netloop"
	"github.com/wasmweb/wasmweb/netloop/netlooptest"
)

// seen is one request as a parser framed it. anyTarget marks a request
// whose target net/http refused and frameGo replaced: its target is not
// compared, its framing is.
type seen struct {
	method, target, host string
	body                 []byte
	anyTarget            bool
}

// frameOurs feeds data to a netloop server in memory and records the
// requests its handler sees.
func frameOurs(data []byte, split int) []seen {
	var got []seen
	h := netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		got = append(got, seen{method: string(r.Method), target: string(r.Target), host: string(r.Host), body: bytes.Clone(r.Body)})
	})
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
	c := netlooptest.Open(srv)
	if split > 0 && split < len(data) {
		c.Feed(data[:split])
		c.Feed(data[split:])
	} else {
		c.Feed(data)
	}
	return got
}

// frameGo reads the requests net/http.ReadRequest finds in data, one
// after another from where the last one's body ended, and returns them
// with the error that stopped it.
//
// Two differences of policy that do not touch framing are taken out, so
// that a request netloop frames and net/http does not is always a framing
// disagreement: one empty line before a request line is skipped, as
// netloop does (RFC 9112 §2.2; net/http's server skips such lines, its
// ReadRequest does not); and a request-target that url.ParseRequestURI
// refuses (an escape such as %zz, which netloop passes on verbatim for the
// handler to judge) is replaced by one of the same length, and the
// request read again, before any of its head has been consumed.
func frameGo(data []byte) ([]seen, error) {
	var got []seen
	rest := data
	for len(rest) > 0 {
		rest = bytes.TrimPrefix(rest, []byte("\r\n"))
		r, n, err := readGo(rest)
		var ue *url.Error
		if errors.As(err, &ue) {
			if fixed, ok := neutralTarget(rest); ok {
				r, n, err = readGo(fixed)
				r.anyTarget = true
			}
		}
		if err != nil {
			return got, err
		}
		got = append(got, r)
		rest = rest[n:]
	}
	return got, nil
}

// readGo reads one request and its body from the start of data with
// net/http and returns it with the bytes it took.
func readGo(data []byte) (seen, int, error) {
	src := bytes.NewReader(data)
	br := bufio.NewReader(src)
	req, err := http.ReadRequest(br)
	if err != nil {
		return seen{}, 0, err
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return seen{}, 0, fmt.Errorf("body: %w", err)
	}
	return seen{method: req.Method, target: req.RequestURI, host: req.Host, body: body},
		len(data) - src.Len() - br.Buffered(), nil
}

// neutralTarget returns data with the request-target of its first
// request line replaced by "/" and as many "x": the same length, so
// nothing after it moves.
func neutralTarget(data []byte) ([]byte, bool) {
	line, _, ok := bytes.Cut(data, []byte("\n"))
	if !ok {
		return nil, false
	}
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 < 0 {
		return nil, false
	}
	sp2 := bytes.IndexByte(line[sp1+1:], ' ')
	if sp2 <= 0 {
		return nil, false
	}
	fixed := bytes.Clone(data)
	target := fixed[sp1+1 : sp1+1+sp2]
	target[0] = '/'
	for i := 1; i < len(target); i++ {
		target[i] = 'x'
	}
	return fixed, true
}

var fuzzSeeds = []string{
	"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
	"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: b\r\n\r\n",
	"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: v\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	"GET http://x.test/p?q HTTP/1.1\r\nHost: y\r\n\r\n",
	"\r\nGET / HTTP/1.0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nz",
	"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n",
	"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n",
	"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
	"GET /%zz HTTP/1.1\r\nHost: a\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n",
	"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nab\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n",
}

// FuzzFraming compares how netloop and net/http frame the same bytes.
// netloop may refuse what net/http accepts (its policy is stricter): it
// frames a prefix of net/http's requests. Every request netloop frames,
// net/http must frame too, with the same method, target, host and body;
// netloop framing a request that net/http refused, or framing one more,
// is a disagreement about where a request ends.
func FuzzFraming(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), uint16(0))
	}
	for _, s := range extraFuzzSeeds() {
		f.Add([]byte(s), uint16(7))
	}
	f.Fuzz(func(t *testing.T, data []byte, split uint16) {
		ours := frameOurs(data, int(split))
		whole := frameOurs(data, 0)
		if len(ours) != len(whole) {
			t.Fatalf("split at %d changed the result: %d requests vs %d whole; input %q", split, len(ours), len(whole), data)
		}
		for i := range ours {
			if !bytes.Equal(ours[i].body, whole[i].body) || ours[i].target != whole[i].target {
				t.Fatalf("split at %d changed request %d; input %q", split, i, data)
			}
		}
		theirs, stop := frameGo(data)
		if len(ours) > len(theirs) {
			o := ours[len(theirs)]
			t.Fatalf("netloop framed %d requests, net/http %d (it stopped: %v);\nrequest %d in netloop: %q %q body %q\ninput %q",
				len(ours), len(theirs), stop, len(theirs), o.method, o.target, o.body, data)
		}
		for i, o := range ours {
			g := theirs[i]
			if o.method != g.method || o.target != g.target && !g.anyTarget || !bytes.Equal(o.body, g.body) {
				t.Fatalf("request %d framed differently:\nnetloop  %q %q body %q\nnet/http %q %q body %q\ninput %q",
					i, o.method, o.target, o.body, g.method, g.target, g.body, data)
			}
			if o.host != g.host && g.host != "" && !g.anyTarget {
				t.Fatalf("request %d: host %q vs net/http %q; input %q", i, o.host, g.host, data)
			}
		}
	})
}
