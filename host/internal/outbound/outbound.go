// Package outbound makes the HTTP requests a site's guests ask for with
// the fetch host function (abi/ABI.md section 7.15), and refuses the ones
// its allow list does not admit: by URL before the request, by address on
// every connection dialed (so a name re-bound to an internal address
// cannot pass), and again on every redirect.
//
// A Client is one site's: its allow list, its connection pool and its
// caps. The fetch runs on the goroutine of the guest call that asked for
// it, which waits; nothing else is started.
package outbound

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Errors of Fetch, to be told apart with errors.Is.
var (
	// ErrInvalid: the request is malformed (method, URL, header).
	ErrInvalid = errors.New("outbound: invalid request")
	// ErrDenied: the URL, a redirect's URL or an address dialed is not
	// allowed.
	ErrDenied = errors.New("outbound: not allowed")
	// ErrTooLarge: the response body or the request's is over its cap.
	ErrTooLarge = errors.New("outbound: response body too large")
	// ErrBusy: the site has its cap of fetches in flight.
	ErrBusy = errors.New("outbound: too many fetches in flight")
	// ErrUnavailable: the upstream could not be reached, answered
	// wrongly, or took too long.
	ErrUnavailable = errors.New("outbound: upstream unavailable")
)

// Config is a Client's allow list and caps.
type Config struct {
	// Allow are the allow list's entries (see ParseRule); empty denies
	// every fetch.
	Allow []string
	// Timeout bounds a fetch, redirects and body included; 0 means 10 s.
	Timeout time.Duration
	// MaxResponseBytes caps a response body; 0 means 4 MiB.
	MaxResponseBytes int64
	// MaxRequestBytes caps a request body; 0 means 4 MiB.
	MaxRequestBytes int64
	// MaxConcurrent caps the fetches in flight; 0 means 8.
	MaxConcurrent int
	// MaxRedirects caps the redirects a fetch follows; negative follows
	// none, 0 means 5.
	MaxRedirects int

	// LookupAddrs resolves a host name; nil uses net.DefaultResolver.
	// Tests give one that answers what they need.
	LookupAddrs func(ctx context.Context, host string) ([]netip.Addr, error)
	// RootCAs, when set, are the only certificate authorities trusted;
	// nil trusts the system's. Verification is never off.
	RootCAs *x509.CertPool
}

// Client makes one site's fetches. It is safe for concurrent use.
type Client struct {
	rules    []Rule
	hc       *http.Client
	tr       *http.Transport
	slots    chan struct{} // one token per fetch in flight
	timeout  time.Duration
	maxBody  int64
	maxReq   int64
	maxRedir int
	lookup   func(ctx context.Context, host string) ([]netip.Addr, error)
}

// New returns a client for cfg; an entry of Allow that does not parse is
// an error.
func New(cfg Config) (*Client, error) {
	c := &Client{
		timeout: cfg.Timeout, maxBody: cfg.MaxResponseBytes, maxReq: cfg.MaxRequestBytes, maxRedir: cfg.MaxRedirects,
		lookup: cfg.LookupAddrs,
	}
	for _, a := range cfg.Allow {
		r, err := ParseRule(a)
		if err != nil {
			return nil, fmt.Errorf("outbound: allow: %w", err)
		}
		c.rules = append(c.rules, r)
	}
	if c.timeout <= 0 {
		c.timeout = 10 * time.Second
	}
	if c.maxBody <= 0 {
		c.maxBody = 4 << 20
	}
	if c.maxReq <= 0 {
		c.maxReq = 4 << 20
	}
	if c.maxRedir == 0 {
		c.maxRedir = 5
	}
	n := cfg.MaxConcurrent
	if n <= 0 {
		n = 8
	}
	c.slots = make(chan struct{}, n)
	if c.lookup == nil {
		c.lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	c.tr = &http.Transport{
		Proxy:                  nil, // never a proxy from the environment: it would be dialed instead
		DialContext:            c.dial,
		TLSClientConfig:        &tls.Config{RootCAs: cfg.RootCAs, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    c.timeout,
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		DisableCompression:     true, // the guest sees the body as sent, and asks for gzip itself if it wants it
	}
	c.hc = &http.Client{Transport: c.tr, CheckRedirect: c.checkRedirect}
	return c, nil
}

// Close closes the client's idle connections. Fetches in flight finish.
func (c *Client) Close() { c.tr.CloseIdleConnections() }

// MaxRequestBytes returns the cap on a request body, for a caller that
// must copy the body first and should not copy one Fetch would refuse.
func (c *Client) MaxRequestBytes() int64 { return c.maxReq }

// InFlight returns the fetches in flight.
func (c *Client) InFlight() int { return len(c.slots) }

// Request is what a guest asks to fetch.
type Request struct {
	Method string
	URL    string
	Header [][2]string // name, value pairs, in order
	// Body may be read after Fetch returns (net/http writes a request's
	// body from a goroutine of its own, which may outlast the response):
	// it must not be guest memory, nor change.
	Body []byte
	// Credential, when set, is attached as the Authorization field, to
	// a URL under one of its prefixes only (ErrDenied otherwise), and
	// to a redirect only on the same origin and under its prefixes. The
	// guest's Header may then hold no Authorization (ErrInvalid): the
	// two are never merged.
	Credential *Credential
}

// Response is a fetched response, its body whole.
type Response struct {
	Status int
	Header [][2]string // names in lower case, hop-by-hop fields left out
	Body   []byte
}

// hopByHop are the fields that belong to one connection, not to the
// message: the host's to set, never passed through (RFC 9110 section
// 7.6.1), with Host and the framing fields, which the client computes.
var hopByHop = map[string]bool{
	"connection": true, "keep-alive": true, "proxy-connection": true, "proxy-authenticate": true,
	"proxy-authorization": true, "te": true, "trailer": true, "transfer-encoding": true, "upgrade": true,
	"host": true, "content-length": true,
}

// Fetch makes req, within ctx (which carries the call's deadline) and
// the client's timeout. The error wraps one of the package's Err values.
func (c *Client) Fetch(ctx context.Context, req Request) (*Response, error) {
	hreq, first, err := c.newRequest(req)
	if err != nil {
		return nil, err
	}
	if req.Credential != nil {
		ctx = withCredential(ctx, req.Credential, first)
	}
	select {
	case c.slots <- struct{}{}:
	default:
		return nil, ErrBusy
	}
	defer func() { <-c.slots }()
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.hc.Do(hreq.WithContext(ctx))
	if err != nil {
		return nil, classify(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, classify(err)
	}
	if int64(len(body)) > c.maxBody {
		return nil, ErrTooLarge
	}
	out := &Response{Status: resp.StatusCode, Body: body}
	drop := connectionFields(resp.Header)
	for name, vals := range resp.Header {
		n := strings.ToLower(name)
		if hopByHop[n] || drop[n] || strings.HasPrefix(n, "proxy-") {
			continue
		}
		for _, v := range vals {
			out.Header = append(out.Header, [2]string{n, v})
		}
	}
	return out, nil
}

// newRequest checks req against the allow list and builds it; it
// returns the URL's origin too.
func (c *Client) newRequest(req Request) (*http.Request, target, error) {
	if int64(len(req.Body)) > c.maxReq {
		return nil, target{}, fmt.Errorf("%w: a request body of %d bytes", ErrTooLarge, len(req.Body))
	}
	if !validToken(req.Method) {
		return nil, target{}, fmt.Errorf("%w: method %q", ErrInvalid, req.Method)
	}
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, target{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if err := c.check(u); err != nil {
		return nil, target{}, err
	}
	first, _ := parseTarget(u) // check has parsed it
	if req.Credential != nil && !req.Credential.Admits(u) {
		return nil, target{}, fmt.Errorf("%w: the URL is not under the credential's prefixes", ErrDenied)
	}
	var body io.Reader
	if len(req.Body) > 0 {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequest(req.Method, u.String(), body)
	if err != nil {
		return nil, target{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	h := http.Header{}
	for _, f := range req.Header {
		if !validToken(f[0]) || !validValue(f[1]) {
			return nil, target{}, fmt.Errorf("%w: header %q", ErrInvalid, f[0])
		}
		if req.Credential != nil && strings.EqualFold(f[0], "Authorization") {
			return nil, target{}, fmt.Errorf("%w: an Authorization field beside the host's credential", ErrInvalid)
		}
		h.Add(f[0], f[1])
	}
	drop := connectionFields(h)
	for name := range h {
		n := strings.ToLower(name)
		if hopByHop[n] || drop[n] || strings.HasPrefix(n, "proxy-") {
			delete(h, name)
		}
	}
	if _, ok := h["User-Agent"]; !ok {
		h.Set("User-Agent", "wasmweb")
	}
	if req.Credential != nil {
		h["Authorization"] = []string{req.Credential.Authorization}
	}
	hreq.Header = h
	return hreq, first, nil
}

// check refuses a URL the allow list does not admit.
func (c *Client) check(u *url.URL) error {
	t, err := parseTarget(u)
	if err != nil {
		if errors.Is(err, ErrDenied) {
			return err
		}
		return fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	for _, r := range c.rules {
		if r.admits(t) {
			return nil
		}
	}
	return fmt.Errorf("%w: %s://%s:%d is not in the allow list", ErrDenied, t.scheme, t.host, t.port)
}

// checkRedirect admits a redirect only to a URL the allow list admits,
// and only so many; Go's client has already dropped Authorization and
// cookies when the redirect leaves the first host.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if c.maxRedir < 0 || len(via) > c.maxRedir {
		return fmt.Errorf("%w: more than %d redirects", ErrUnavailable, max(c.maxRedir, 0))
	}
	if err := c.check(req.URL); err != nil {
		return fmt.Errorf("redirect: %w", err)
	}
	redirectCredential(req.Context(), req.Header, req.URL)
	return nil
}

// dial resolves addr's host and connects to the first address that
// answers, each one checked by control on the socket itself.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{a}
	} else if addrs, err = c.lookup(ctx, host); err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%s: no address", host)
	}
	// Each address gets a share of the time, so that one that swallows
	// packets (an IPv6 route that goes nowhere) leaves time for the next.
	d := net.Dialer{Control: c.control, Timeout: max(c.timeout/time.Duration(len(addrs)), time.Second)}
	var first error
	for _, a := range addrs {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		if first == nil || errors.Is(first, ErrDenied) && !errors.Is(err, ErrDenied) {
			first = err
		}
	}
	return nil, first
}

// control is the dialer's last word on a connection: it sees the address
// the socket is about to connect to, after every resolution, and refuses
// an internal one that no allow entry names.
func (c *Client) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: address %q", ErrDenied, address)
	}
	if !Internal(ap.Addr()) {
		return nil
	}
	a := ap.Addr().WithZone("")
	for _, r := range c.rules {
		if r.addr.IsValid() && r.addr == a && (r.port == 0 || r.port == int(ap.Port())) {
			return nil
		}
	}
	return fmt.Errorf("%w: address %s is internal and not in the allow list", ErrDenied, ap.Addr())
}

// classify maps a client error to the package's errors.
func classify(err error) error {
	for _, e := range []error{ErrDenied, ErrInvalid, ErrTooLarge} {
		if errors.Is(err, e) {
			return fmt.Errorf("%w (%v)", e, err)
		}
	}
	return fmt.Errorf("%w: %v", ErrUnavailable, err)
}

// connectionFields returns the fields a Connection header names, in
// lower case.
func connectionFields(h http.Header) map[string]bool {
	var m map[string]bool
	for _, v := range h.Values("Connection") {
		for _, f := range strings.Split(v, ",") {
			if f = strings.ToLower(strings.TrimSpace(f)); f != "" {
				if m == nil {
					m = map[string]bool{}
				}
				m[f] = true
			}
		}
	}
	return m
}

// validToken reports whether s is an RFC 9110 token.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// validValue reports whether s is a field value without control
// characters other than horizontal tab.
func validValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// Header parsing and writing in the ABI's form.

// ParseHeader reads name NUL value NUL pairs (abi/ABI.md section 7.15).
func ParseHeader(b []byte) ([][2]string, error) {
	var out [][2]string
	for len(b) > 0 {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return nil, fmt.Errorf("%w: header list without its last NUL", ErrInvalid)
		}
		j := bytes.IndexByte(b[i+1:], 0)
		if j < 0 {
			return nil, fmt.Errorf("%w: header %q without a value", ErrInvalid, b[:i])
		}
		out = append(out, [2]string{string(b[:i]), string(b[i+1 : i+1+j])})
		b = b[i+1+j+1:]
	}
	return out, nil
}

// AppendHeader writes h in the ABI's form.
func AppendHeader(dst []byte, h [][2]string) []byte {
	for _, f := range h {
		dst = append(append(append(append(dst, f[0]...), 0), f[1]...), 0)
	}
	return dst
}

// String describes r for tests and logs: status and body length.
func (r *Response) String() string {
	return strconv.Itoa(r.Status) + " (" + strconv.Itoa(len(r.Body)) + " bytes)"
}
