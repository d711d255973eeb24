package sdktest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/wasmweb/wasmweb/abi"
)

// WithVar gives the request's site the variable name = value, which
// Context.Var returns ([site.vars] in the config).
func (r *Request) WithVar(name, value string) *Request {
	c := r.clone()
	if c.vars == nil {
		c.vars = map[string]string{}
	}
	c.vars[name] = value
	return c
}

// WithUpstream lets the request's handler fetch from origin (such as
// "https://api.example.com" or "http://127.0.0.1:8080", as an entry of
// [site.outbound] allow names it, without wildcards), and serves those
// fetches with h, in process: no connection is made. A fetch to an
// origin given to no WithUpstream is denied, as the host denies one its
// allow list does not name.
//
// The fake follows redirects among the given origins, up to 5, and
// denies one that leaves them; it leaves out hop-by-hop header fields
// both ways and caps the bodies at 4 MiB and the header list at 100
// fields and 64 KiB, as the host's defaults do. It has no sign-in
// providers: a fetch with sdk.WithProviderToken is denied. It
// does not check addresses: there are none.
func (r *Request) WithUpstream(origin string, h http.Handler) *Request {
	key, err := originKey(origin)
	if err != nil {
		panic("sdktest: WithUpstream: " + err.Error())
	}
	c := r.clone()
	if c.upstreams == nil {
		c.upstreams = map[string]http.Handler{}
	}
	c.upstreams[key] = h
	return c
}

// originKey returns scheme://host:port for an origin or URL, the port
// made explicit.
func originKey(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", fmt.Errorf("%q is not an absolute http or https URL", s)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return u.Scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port, nil
}

// fetched is the fake's last fetched response.
type fetched struct {
	header []byte // in the ABI's form
	body   []byte
}

const maxFetchBody = 4 << 20

var hopByHop = map[string]bool{"connection": true, "keep-alive": true, "proxy-connection": true, "proxy-authenticate": true,
	"proxy-authorization": true, "te": true, "trailer": true, "transfer-encoding": true, "upgrade": true, "host": true,
	"content-length": true}

// Var returns a variable given with WithVar.
func (h *fakeHost) Var(name string, buf []byte) int32 {
	v, ok := h.req.vars[name]
	r := int32(abi.ErrNotFound)
	if ok {
		r = output(buf, v)
	}
	return h.call(r, abi.FuncVar, "name=%q", name)
}

// Fetch serves a fetch with the handler WithUpstream gave its origin.
func (h *fakeHost) Fetch(method, rawURL string, headers, body []byte) int32 {
	h.fetched = nil
	r := h.fetch(method, rawURL, headers, body)
	return h.call(r, abi.FuncFetch, "method=%q, url=%q, headers_len=%d, body_len=%d", method, rawURL, len(headers), len(body))
}

func (h *fakeHost) fetch(method, rawURL string, headers, body []byte) int32 {
	if len(headers) > abi.MaxFetchHeaderBytes || len(body) > maxFetchBody {
		return abi.ErrTooLarge
	}
	if method == "" || strings.ContainsAny(method, " \t\r\n()<>@,;:\\\"/[]?={}") {
		return abi.ErrInvalid
	}
	var fields [][2]string
	tokens := 0
	for rest := headers; len(rest) > 0; {
		i := bytes.IndexByte(rest, 0)
		if i < 0 {
			return abi.ErrInvalid
		}
		j := bytes.IndexByte(rest[i+1:], 0)
		if j < 0 {
			return abi.ErrInvalid
		}
		name, value := string(rest[:i]), string(rest[i+1:i+1+j])
		if name == abi.FetchProviderToken {
			tokens++
			rest = rest[i+1+j+1:]
			continue
		}
		if name == "" || strings.ContainsAny(name, " \t\r\n:") || strings.ContainsAny(value, "\r\n\x00") {
			return abi.ErrInvalid
		}
		fields = append(fields, [2]string{name, value})
		rest = rest[i+1+j+1:]
	}
	if len(fields)+tokens > abi.MaxFetchHeaders {
		return abi.ErrTooLarge
	}
	switch {
	case tokens > 1:
		return abi.ErrInvalid
	case tokens == 1:
		// The fake has no sign-in providers, so none forwards its
		// token: the host's answer for such a site.
		return abi.ErrDenied
	}
	for range 6 {
		key, err := originKey(rawURL)
		if err != nil {
			return abi.ErrInvalid
		}
		up, ok := h.req.upstreams[key]
		if !ok {
			return abi.ErrDenied
		}
		req := httptest.NewRequest(method, rawURL, bytes.NewReader(body))
		req.Header = http.Header{}
		for _, f := range fields {
			if !hopByHop[strings.ToLower(f[0])] {
				req.Header.Add(f[0], f[1])
			}
		}
		rec := httptest.NewRecorder()
		up.ServeHTTP(rec, req)
		resp := rec.Result()
		if loc := resp.Header.Get("Location"); resp.StatusCode >= 301 && resp.StatusCode <= 308 && resp.StatusCode != 304 && loc != "" {
			next, err := req.URL.Parse(loc)
			if err != nil {
				return abi.ErrUnavailable
			}
			rawURL = next.String()
			if resp.StatusCode == 303 || (resp.StatusCode <= 302 && method == "POST") {
				method, body = "GET", nil
			}
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxFetchBody+1))
		if len(b) > maxFetchBody {
			return abi.ErrTooLarge
		}
		f := &fetched{body: b, header: []byte{}}
		for name, vals := range resp.Header {
			n := strings.ToLower(name)
			if hopByHop[n] {
				continue
			}
			for _, v := range vals {
				f.header = append(append(append(append(f.header, n...), 0), v...), 0)
			}
		}
		h.fetched = f
		return int32(resp.StatusCode)
	}
	return abi.ErrUnavailable // too many redirects
}

// FetchResult returns part of the last fetched response.
func (h *fakeHost) FetchResult(part int32, buf []byte) int32 {
	var r int32
	switch {
	case h.fetched == nil:
		r = abi.ErrNotFound
	case part == abi.FetchHeaders:
		r = output(buf, h.fetched.header)
	case part == abi.FetchBody:
		r = output(buf, h.fetched.body)
	default:
		r = abi.ErrInvalid
	}
	return h.call(r, abi.FuncFetchResult, "part=%d", part)
}
