package netloop_test

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"testing"

	"github.com/wasmweb/wasmweb/netloop"
)

// seen is one request as a parser framed it.
type seen struct {
	method, target, host string
	body                 []byte
}

// frameOurs feeds data to a netloop server in memory and records the
// requests its handler sees.
func frameOurs(data []byte, split int) []seen {
	var got []seen
	h := netloop.HandlerFunc(func(w *netloop.Response, r *netloop.Request) {
		got = append(got, seen{string(r.Method), string(r.Target), string(r.Host), bytes.Clone(r.Body)})
	})
	srv := netloop.NewServer(netloop.Config{}, h, netloop.NewStdTransport())
	c := srv.OpenMem()
	if split > 0 && split < len(data) {
		c.Feed(data[:split])
		c.Feed(data[split:])
	} else {
		c.Feed(data)
	}
	return got
}

// frameGo reads the requests net/http.ReadRequest finds in data.
func frameGo(data []byte) []seen {
	var got []seen
	br := bufio.NewReader(bytes.NewReader(data))
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return got
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			return got
		}
		got = append(got, seen{req.Method, req.RequestURI, req.Host, body})
	}
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
}

// FuzzFraming compares how netloop and net/http frame the same bytes: on
// every request both accept, method, target, host and body must agree.
// netloop may reject what net/http accepts (its policy is stricter), not
// the other way round for framing-relevant fields.
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
			t.Fatalf("split at %d changed the result: %d requests vs %d whole", split, len(ours), len(whole))
		}
		theirs := frameGo(data)
		for i := 0; i < len(ours) && i < len(theirs); i++ {
			o, g := ours[i], theirs[i]
			if o.method != g.method || o.target != g.target || !bytes.Equal(o.body, g.body) {
				t.Fatalf("request %d framed differently:\nnetloop  %q %q body %q\nnet/http %q %q body %q\ninput %q",
					i, o.method, o.target, o.body, g.method, g.target, g.body, data)
			}
			if o.host != g.host && g.host != "" {
				t.Fatalf("request %d: host %q vs net/http %q; input %q", i, o.host, g.host, data)
			}
		}
		for i := range ours {
			if !bytes.Equal(ours[i].body, whole[i].body) || ours[i].target != whole[i].target {
				t.Fatalf("split at %d changed request %d", split, i)
			}
		}
	})
}
